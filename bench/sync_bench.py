"""Sync 10,000 open cases from the sandbox (20 ms injected latency); print time, requests and memory.

    .venv/bin/python bench/sync_bench.py [--cases 10000] [--latency-ms 20] [--concurrency 8]
                                         [--changed 0.01] [--database-url URL]

The sandbox runs as its own process (`inkasso sandbox`), apart from our GIL. The product database
(a fresh SQLite file unless --database-url) holds one claim per case. The process is set up as
`inkasso run` sets itself up (settle_after_start) and has read one case, as the worker's outbox
round would have. Measured: a full sync (no cursor yet, the sandbox has not listed those pages
before), then an incremental one after `/_sandbox/touch` changed a share of the cases, and last,
for comparison, only the listing of every page without storing anything.
Targets: incremental at most 2 requests per changed case plus paging; full sync at most
1.3 × requests × latency ÷ concurrency of wall time.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import math
import os
import resource
import socket
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import insert

from core import sync
from core.bootstrap import App, build
from core.config import Settings
from core.db.models import Claim, Invoice, Patient, Practice
from core.domain.onboarding import OnboardingState
from core.finance1159.client import make_client
from core.worker import settle_after_start

CLIENT_ID, API_KEY = "bench-praxis", "bench-key-not-secret"


def peak_rss_mb() -> float:
    """Peak resident set size since the last reset_peak() (VmHWM on Linux), else of the whole run."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def current_rss_mb() -> float:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return peak_rss_mb()


def reset_peak() -> None:
    """Linux: writing 5 to clear_refs resets the peak RSS, so each phase gets its own peak."""
    gc.collect()
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        pass


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process so far (Linux /proc, 10 ms ticks); 0 where unavailable."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return 0.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_sandbox(folder: Path, port: int) -> subprocess.Popen[bytes]:
    """`inkasso sandbox` in its own process, so that its work does not share our GIL."""
    env = {**os.environ, "FINANCE1159_CLIENT_ID": CLIENT_ID, "FINANCE1159_API_KEY": API_KEY}
    proc = subprocess.Popen(
        [str(Path(sys.executable).parent / "inkasso"), "sandbox", "--port", str(port), "--data", "sandbox"],
        env=env,
        cwd=folder,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(300):
        try:
            httpx.get(f"http://127.0.0.1:{port}/_sandbox/state", timeout=1).raise_for_status()
            return proc
        except httpx.HTTPError:
            time.sleep(0.05)
    proc.kill()
    raise SystemExit("the sandbox did not start")


def control(root: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
    response = httpx.post(f"{root}/_sandbox{path}", json=body, timeout=300)
    response.raise_for_status()
    result: dict[str, Any] = response.json()
    return result


def seed_product(app: App, first_case: int, count: int) -> None:
    """One claim per sandbox case (references BULK-<case id>), as if handed over earlier."""
    due = date.today() - timedelta(days=60)
    with app.uow() as uow:
        session = uow.session
        session.add(Practice(id=app.practice_id, name="Bench", onboarding_state=OnboardingState.ACTIVE))
        session.flush()
        session.add(
            Patient(
                id=1, practice_id=app.practice_id, patient_key="bench", first_name="Erika",
                last_name="Mustermann", street="Heidestraße 17", zip="51147", city="Köln",
            )
        )  # fmt: skip
        session.flush()
        ids = range(first_case, first_case + count)
        invoices = [
            Invoice(
                id=n, practice_id=app.practice_id, patient_id=1, number=f"BULK-{n}",
                invoice_date=due - timedelta(days=14), due_date=due, amount=Decimal("100.00"),
                status="im Inkasso",
            ).model_dump()
            for n in ids
        ]  # fmt: skip
        session.execute(insert(Invoice), invoices)
        claims = [
            Claim(
                practice_id=app.practice_id, invoice_id=n, reference=f"BULK-{n}", delivery="submitted",
                legal_basis="consent", legal_basis_date=due, principal=Decimal("100.00"), case_id=n,
                debtor_id=1, agency_status="received", created_by="bench",
            ).model_dump(exclude={"id"})
            for n in ids
        ]  # fmt: skip
        session.execute(insert(Claim), claims)
        uow.commit()
    if app.engine.dialect.name == "sqlite":
        # A database at rest has long had its bulk writes checkpointed; otherwise the sync's
        # first commit would pay for moving the seeded rows out of the WAL.
        with app.engine.connect() as connection:
            connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")


async def timed_sync(app: App, concurrency: int) -> tuple[sync.SyncReport, float, int, float, float]:
    """The report, wall seconds, requests, RSS growth in MB, and this process's CPU seconds."""
    finance = make_client(app.settings)
    try:
        reset_peak()
        rss_before = current_rss_mb()
        start, cpu = time.perf_counter(), time.process_time()
        report = await sync.sync_once(
            app.uow(), finance=finance, practice_id=app.practice_id, concurrency=concurrency
        )
        seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
        return report, seconds, finance.request_count, peak_rss_mb() - rss_before, cpu
    finally:
        await finance.aclose()


async def warm_up(app: App, case_id: int) -> None:
    finance = make_client(app.settings)
    try:
        await finance.get_case(case_id)
    finally:
        await finance.aclose()


async def timed_fetch(app: App, concurrency: int, cases: int) -> tuple[float, int, float]:
    """Only the listing of every case and payment, nothing stored: wall seconds, requests, CPU seconds.

    Like a full sync, it asks for as many pages of cases at once as the claims need."""
    finance = make_client(app.settings)
    try:
        start, cpu = time.perf_counter(), time.process_time()
        await asyncio.gather(
            sync.all_pages(
                lambda page: finance.list_cases(page=page), concurrency, expected_pages=-(-cases // 100)
            ),
            sync.all_pages(lambda page: finance.list_payments(page=page), concurrency),
        )
        return time.perf_counter() - start, finance.request_count, time.process_time() - cpu
    finally:
        await finance.aclose()


def line(
    name: str, report: sync.SyncReport, seconds: float, requests: int, rss_growth: float, cpu: float
) -> None:
    print(
        f"{name}: {seconds:.3f} s wall, {requests} requests, {report.cases_seen:,} cases read, "
        f"{report.cases_changed:,} changed, peak RSS {peak_rss_mb():.0f} MB (+{rss_growth:.0f} MB in sync), "
        f"CPU {cpu:.3f} s here"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--latency-ms", type=float, default=20)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--changed", type=float, default=0.01)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="sync-bench-") as tmp:
        folder = Path(tmp)
        port = free_port()
        sandbox = start_sandbox(folder, port)
        root = f"http://127.0.0.1:{port}"
        try:
            settings = Settings(
                database_url=args.database_url or f"sqlite:///{folder / 'bench.db'}",
                data_dir=folder,
                finance1159_base_url=f"{root}/api/v1",
                finance1159_client_id=CLIENT_ID,
                finance1159_api_key=API_KEY,
                finance1159_concurrency=args.concurrency,
            )
            app = build(settings)
            start = time.perf_counter()
            bulk = control(root, "/bulk_cases", {"count": args.cases})
            seed_product(app, int(bulk["first_case_id"]), args.cases)
            print(f"setup: {args.cases:,} cases and claims in {time.perf_counter() - start:.1f} s")
            control(root, "/faults", {"latency_ms": args.latency_ms})
            settle_after_start()  # as `inkasso run` and `inkasso sync` do before they start syncing

            # The worker has talked to the agency before it pulls (its outbox round): the process's
            # first request pays for lazy imports. One case read here, no listing: the sandbox keeps
            # nothing that would make the full sync's pages cheaper.
            asyncio.run(warm_up(app, int(bulk["first_case_id"])))

            # CPU seconds of both processes per phase: where the wall time beyond the latency goes.
            served = cpu_seconds(sandbox.pid)
            full = asyncio.run(timed_sync(app, args.concurrency))
            full_served = cpu_seconds(sandbox.pid) - served
            line("full sync", *full)
            # The agency works on a share of the cases a moment later.
            time.sleep(0.01)
            touched = int(control(root, "/touch", {"fraction": args.changed})["touched"])
            incremental = asyncio.run(timed_sync(app, args.concurrency))
            line(f"incremental sync ({touched} cases changed)", *incremental)

            served = cpu_seconds(sandbox.pid)
            fetched = asyncio.run(timed_fetch(app, args.concurrency, args.cases))
            fetch_seconds, fetch_requests, fetch_cpu = fetched
            fetch_served = cpu_seconds(sandbox.pid) - served
            print(
                f"fetch only (no database, for comparison): {fetch_seconds:.3f} s wall, {fetch_requests} "
                f"requests, CPU {fetch_cpu:.3f} s here, {fetch_served:.2f} s in the sandbox"
            )
        finally:
            sandbox.terminate()
            sandbox.wait(10)

    latency = args.latency_ms / 1000
    full_target = 1.3 * full[2] * latency / args.concurrency
    pages = math.ceil(max(touched, 1) / 100) + 1  # cases pages + the payments page
    incremental_target = 2 * touched + pages
    ok_full, ok_incremental = full[1] <= full_target, incremental[2] <= incremental_target
    # Listing alone (no database) is the floor the sandbox and the HTTP client set; storing the
    # cases runs on the sync's event loop, so its CPU adds to the wall time unless it hides in waits.
    print(
        f"full sync vs. fetch only: {full[1] / fetch_seconds:.2f} x wall; CPU here {fetch_cpu:.3f} -> "
        f"{full[4]:.3f} s, in the sandbox {fetch_served:.2f} -> {full_served:.2f} s"
    )
    print(
        f"target full: <= {full_target:.3f} s (1.3 x {full[2]} requests x {args.latency_ms:g} ms / "
        f"{args.concurrency}): {'OK' if ok_full else 'MISSED'}"
    )
    print(
        f"target incremental: <= {incremental_target} requests (2 x {touched} + {pages} pages): "
        f"{'OK' if ok_incremental else 'MISSED'}"
    )
    return 0 if ok_full and ok_incremental else 1


if __name__ == "__main__":
    sys.exit(main())
