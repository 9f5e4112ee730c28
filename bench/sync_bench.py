"""Sync 10,000 open cases from the sandbox (20 ms injected latency); print time, requests and memory.

    .venv/bin/python bench/sync_bench.py [--cases 10000] [--latency-ms 20] [--concurrency 8]
                                         [--changed 0.01] [--database-url URL] [--runs 5]

The sandbox runs as its own process (`inkasso sandbox`), apart from our GIL. The product database
(a fresh SQLite file unless --database-url) holds one claim per case. The process is set up as
`inkasso run` sets itself up (settle_after_start) and has read one case, as the worker's outbox
round would have. Measured: a full sync (no cursor yet, the sandbox has not listed those pages
before), then an incremental one after `/_sandbox/touch` changed a share of the cases, and last,
for comparison, only the listing of every page without storing anything.
Targets: incremental at most 2 requests per changed case plus paging; full sync at most
1.3 × requests × latency ÷ concurrency of wall time, and at most 1.1 × (SQLite) or 1.15 ×
(PostgreSQL) the fetch-only time of the same run (storing hides behind the network).

    .venv/bin/python bench/sync_bench.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/postgres
    .venv/bin/python bench/sync_bench.py --cases 100000 --runs 1   # time and peak RSS at 100,000

Every figure is printed with the machine's load (/proc/loadavg, as `uptime` shows it): on a
shared 2-core machine a load above 2 means the run waited for a core.

Each run is a process of its own, with its own sandbox and a fresh product database (on a
PostgreSQL server: a database of its own, dropped afterwards), so every full sync is a worker's
first. A single run's wall time varies by several per cent on a shared machine: every run is
printed, and the time target is judged on the median of the runs; the request targets must hold
in every run.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import math
import os
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
from bench_db import drop_database, fresh_database, load
from sqlalchemy import insert

from core import sync
from core.bootstrap import App, build
from core.config import Settings
from core.db.models import Claim, Invoice, Patient, Practice
from core.domain.claim_lifecycle import ClaimDelivery
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
                practice_id=app.practice_id, invoice_id=n, reference=f"BULK-{n}",
                delivery=ClaimDelivery.SUBMITTED, legal_basis="consent", legal_basis_date=due,
                principal=Decimal("100.00"), case_id=n, debtor_id=1, agency_status="received",
                created_by="bench",
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


@dataclass(frozen=True)
class Sync:
    """One timed sync."""

    seconds: float
    requests: int
    cases_seen: int
    cases_changed: int
    peak_rss_mb: float
    rss_growth_mb: float
    cpu: float  # this process
    served: float  # the sandbox's CPU
    database: float  # the PostgreSQL server's CPU for our connections (0 for SQLite: it is "here")

    def line(self, name: str) -> str:
        return (
            f"{name}: {self.seconds:.3f} s wall, {self.requests} requests, {self.cases_seen:,} cases "
            f"read, {self.cases_changed:,} changed, peak RSS {self.peak_rss_mb:.0f} MB "
            f"(+{self.rss_growth_mb:.0f} MB in sync), CPU {self.cpu:.3f} s here, {self.served:.2f} s "
            f"in the sandbox{f', {self.database:.2f} s in PostgreSQL' if self.database else ''} ({load()})"
        )


@dataclass(frozen=True)
class Run:
    """The figures of one run: a full sync, an incremental one, and the listing alone."""

    full: Sync
    incremental: Sync
    touched: int
    fetch_seconds: float
    fetch_requests: int
    fetch_cpu: float
    fetch_served: float
    load: str  # at the end of the run

    @property
    def ratio(self) -> float:
        """The full sync's wall time over the fetch-only time of the same run."""
        return self.full.seconds / self.fetch_seconds

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Run:
        return cls(**{**data, "full": Sync(**data["full"]), "incremental": Sync(**data["incremental"])})


def backends(app: App) -> dict[int, float]:
    """CPU seconds so far of each PostgreSQL server process serving this database (none on SQLite;
    a server on another machine shows 0)."""
    if app.engine.dialect.name != "postgresql":
        return {}
    with app.engine.connect() as connection:
        pids = connection.exec_driver_sql(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
            "AND backend_type = 'client backend'"
        ).scalars()
        return {int(pid): cpu_seconds(int(pid)) for pid in pids}


def timed(app: App, concurrency: int, sandbox_pid: int) -> Sync:
    served, before = cpu_seconds(sandbox_pid), backends(app)
    report, seconds, requests, rss_growth, cpu = asyncio.run(timed_sync(app, concurrency))
    database = sum(cpu - before.get(pid, 0.0) for pid, cpu in backends(app).items())
    return Sync(
        seconds, requests, report.cases_seen, report.cases_changed, peak_rss_mb(), rss_growth, cpu,
        cpu_seconds(sandbox_pid) - served, database,
    )  # fmt: skip


def one_run(args: argparse.Namespace) -> Run:
    """Everything measured in this process; prints each phase as it is done."""
    with tempfile.TemporaryDirectory(prefix="sync-bench-") as tmp:
        folder = Path(tmp)
        port = free_port()
        sandbox = start_sandbox(folder, port)
        root = f"http://127.0.0.1:{port}"
        database_url, dropped = fresh_database(args.database_url, folder, "sync_bench")
        app: App | None = None
        try:
            settings = Settings(
                database_url=database_url,
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
            full = timed(app, args.concurrency, sandbox.pid)
            print(full.line("full sync"))
            # The agency works on a share of the cases a moment later.
            time.sleep(0.01)
            touched = int(control(root, "/touch", {"fraction": args.changed})["touched"])
            incremental = timed(app, args.concurrency, sandbox.pid)
            print(incremental.line(f"incremental sync ({touched} cases changed)"))

            served = cpu_seconds(sandbox.pid)
            fetch_seconds, fetch_requests, fetch_cpu = asyncio.run(
                timed_fetch(app, args.concurrency, args.cases)
            )
            fetch_served = cpu_seconds(sandbox.pid) - served
            print(
                f"fetch only (no database, for comparison): {fetch_seconds:.3f} s wall, {fetch_requests} "
                f"requests, CPU {fetch_cpu:.3f} s here, {fetch_served:.2f} s in the sandbox"
            )
            print(f"full sync / fetch only, this run: {full.seconds / fetch_seconds:.2f} x ({load()})")
        finally:
            sandbox.terminate()
            sandbox.wait(10)
            if app is not None:
                app.close()
            if dropped is not None:
                drop_database(args.database_url, dropped)
    return Run(full, incremental, touched, fetch_seconds, fetch_requests, fetch_cpu, fetch_served, load())


def run_apart(args: argparse.Namespace, number: int) -> Run:
    """One run in a process of its own (its output goes straight through); its figures."""
    print(f"-- run {number} of {args.runs}", flush=True)
    with tempfile.NamedTemporaryFile(suffix=".json") as result:
        command = [sys.executable, __file__, *sys.argv[1:], "--runs", "1", "--result", result.name]
        if subprocess.run(command, check=False).returncode != 0:
            raise SystemExit(f"run {number} failed")
        return Run.from_json(json.loads(Path(result.name).read_text()))


def verdict(args: argparse.Namespace, runs: list[Run]) -> bool:
    """Prints the medians (with several runs) and the targets; whether all were met."""
    full = statistics.median(run.full.seconds for run in runs)
    fetch = statistics.median(run.fetch_seconds for run in runs)
    requests = max(run.full.requests for run in runs)
    full_target = 1.3 * requests * (args.latency_ms / 1000) / args.concurrency
    within = sum(run.full.seconds <= full_target for run in runs)
    incremental_ok = all(run.incremental.requests <= incremental_target(run.touched) for run in runs)
    if len(runs) > 1:
        print(f"-- {len(runs)} runs")
        print(f"full sync, each run: {', '.join(f'{run.full.seconds:.3f}' for run in runs)} s")
        print(
            f"full sync, median: {full:.3f} s wall, {requests} requests at most, peak RSS "
            f"{max(run.full.peak_rss_mb for run in runs):.0f} MB at most"
        )
        incremental = statistics.median(run.incremental.seconds for run in runs)
        print(
            f"incremental sync, median: {incremental:.3f} s wall, "
            f"{max(run.incremental.requests for run in runs)} requests at most, peak RSS "
            f"{max(run.incremental.peak_rss_mb for run in runs):.0f} MB at most"
        )
        print(f"fetch only, median: {fetch:.3f} s wall")
    # Listing alone (no database) is the floor the sandbox and the HTTP client set; storing the
    # cases runs on the sync's event loop, so its CPU adds to the wall time unless it hides in waits.
    ratio_target = RATIO_TARGET[database_kind(args)]
    ratio = statistics.median(run.ratio for run in runs)
    ratios_within = sum(run.ratio <= ratio_target for run in runs)
    print(
        f"full sync vs. fetch only (each run's own two figures): "
        f"{', '.join(f'{run.ratio:.2f}' for run in runs)} x; CPU here "
        f"{statistics.median(run.fetch_cpu for run in runs):.3f} -> "
        f"{statistics.median(run.full.cpu for run in runs):.3f} s, in the sandbox "
        f"{statistics.median(run.fetch_served for run in runs):.2f} -> "
        f"{statistics.median(run.full.served for run in runs):.2f} s"
    )
    judged = "median" if len(runs) > 1 else "wall"
    print(
        f"target full: <= {full_target:.3f} s (1.3 x {requests} requests x {args.latency_ms:g} ms / "
        f"{args.concurrency}): {'OK' if full <= full_target else 'MISSED'} ({judged}; "
        f"{within} of {len(runs)} runs within) ({load()})"
    )
    print(
        f"target full / fetch only on {database_kind(args)}: <= {ratio_target:.2f} x, measured "
        f"{ratio:.2f} x ({'median of the runs' if len(runs) > 1 else 'this run'}; {ratios_within} of "
        f"{len(runs)} runs within): {'OK' if ratio <= ratio_target else 'MISSED'} ({load()})"
    )
    touched = max(run.touched for run in runs)
    print(
        f"target incremental: <= {incremental_target(touched)} requests (2 x {touched} + "
        f"{incremental_pages(touched)} pages): {'OK' if incremental_ok else 'MISSED'}"
        + (" (every run)" if len(runs) > 1 else "")
    )
    return full <= full_target and incremental_ok and ratio <= ratio_target


RATIO_TARGET = {"SQLite": 1.1, "PostgreSQL": 1.15}


def database_kind(args: argparse.Namespace) -> str:
    return "SQLite" if args.database_url is None else "PostgreSQL"


def incremental_pages(touched: int) -> int:
    return math.ceil(max(touched, 1) / 100) + 1  # cases pages + the payments page


def incremental_target(touched: int) -> int:
    return 2 * touched + incremental_pages(touched)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--latency-ms", type=float, default=20)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--changed", type=float, default=0.01)
    parser.add_argument("--database-url", default=None, help="a PostgreSQL server (default: SQLite)")
    parser.add_argument("--runs", type=int, default=5, help="runs, each in a process of its own")
    parser.add_argument("--result", type=Path, default=None, help=argparse.SUPPRESS)  # a run's figures
    args = parser.parse_args()

    if args.result is not None:  # one of several runs: the parent judges
        args.result.write_text(json.dumps(asdict(one_run(args))))
        return 0
    runs = (
        [run_apart(args, number) for number in range(1, args.runs + 1)] if args.runs > 1 else [one_run(args)]
    )
    return 0 if verdict(args, runs) else 1


if __name__ == "__main__":
    sys.exit(main())
