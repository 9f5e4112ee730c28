"""Chat command handling time with 100,000 invoices: p50/p95 of `/status` and `/ueberfaellig`.

    .venv/bin/python bench/bot_bench.py [--invoices 100000] [--rounds 300] [--database-url URL]

Drives the command layer exactly as the Telegram door does (`CommandLayer.handle_text`), with
the local 1159 Finance sandbox on loopback. The product's own time is the handling time minus
the time spent waiting for 1159 Finance (every HTTP call, measured at the client's transport);
that sandbox time is reported on its own. Target: product p95 under 50 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import socket
import statistics
import tempfile
import threading
import time
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

from pydantic import SecretStr
from sqlalchemy import text
from sqlmodel import select

from bot.commands import CommandLayer
from bot.replies import Sender
from core.bootstrap import App, build
from core.config import Settings
from core.db.engine import is_postgres
from core.db.models import Claim, Practice
from core.domain.dates import today
from core.domain.onboarding import OnboardingState
from core.finance1159.sandbox.config import SandboxConfig
from core.finance1159.sandbox.server import make_server
from core.services.demo.demo_data import ensure_practice, write_export
from core.services.invoicing import invoices
from core.services.invoicing.invoice_import import import_invoices
from core.services.people import users
from core.services.people.access import OPERATOR

TARGET_P95_MS = 50.0
TELEGRAM_ID = 4711
CLIENT_ID, API_KEY = "bench-praxis", "bench-key-0b5e"


def start_sandbox(data_dir: Path) -> tuple[str, Callable[[], None]]:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # no 40 ms delayed-ACK stalls
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = SandboxConfig(
        client_id=CLIENT_ID, api_key=API_KEY, data_dir=data_dir, public_url=f"http://127.0.0.1:{port}"
    )
    server = make_server(config, "127.0.0.1", port)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.01)

    def stop() -> None:
        server.should_exit = True
        thread.join(10)

    return f"http://127.0.0.1:{port}/api/v1", stop


class AgencyClock:
    """Adds up the time spent inside 1159 Finance calls (network, sandbox, answer parsing)."""

    def __init__(self, app: App) -> None:
        self.seconds = 0.0
        transport: Any = app.finance()._transport
        original = transport.call

        async def timed(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return await original(*args, **kwargs)
            finally:
                self.seconds += time.perf_counter() - start

        transport.call = timed


def prepare(app: App, folder: Path, count: int) -> None:
    start = time.perf_counter()
    export = write_export(folder / "export.csv", seed=1159, patients=max(count // 10, 1), invoices=count)
    ensure_practice(
        app.uow(), practice_id=app.practice_id, email="praxis@example.org", case_fee=app.settings.case_fee
    )
    result = import_invoices(app.uow(), practice_id=app.practice_id, actor=OPERATOR, path=export)
    with app.uow() as uow:
        practice = uow.session.get(Practice, app.practice_id)
        assert practice is not None
        practice.onboarding_state = OnboardingState.ACTIVE
        practice.contract_start = today() - timedelta(days=400)
        uow.commit()
    users.add(app.uow(), practice_id=app.practice_id, actor=OPERATOR, role="staff", telegram_id=TELEGRAM_ID)
    print(f"database: {result.rows:,} invoices imported in {time.perf_counter() - start:.1f} s")
    if is_postgres(app.engine):
        # What autovacuum does within a minute of a bulk import: statistics, and the visibility
        # map that lets the overdue count be an index-only scan.
        with app.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))


async def hand_over(layer: CommandLayer, app: App, wanted: int) -> list[str]:
    """Create `wanted` claims through the chat (overview, then the button), for /status to show."""
    sender, page = Sender("telegram", TELEGRAM_ID), 1
    with app.uow() as uow:
        numbers = list(uow.session.exec(select(Claim.reference)).all())
    while len(numbers) < wanted:
        listing = invoices.overdue(app.uow(), practice_id=app.practice_id, page=page, per_page=100)
        if not listing.items:
            break
        for item in listing.items:
            if item.has_legal_basis and len(numbers) < wanted:
                (overview,) = await layer.handle_text(sender, f"/forderung {item.number}")
                if not overview.buttons:  # e.g. handed over in an earlier run (--keep)
                    continue
                (reply,) = await layer.handle_button(sender, overview.buttons[0][0].data)
                if "übergeben (Fall" in reply.text:
                    numbers.append(item.number)
        page += 1
    return numbers


async def measure(
    name: str, rounds: int, clock: AgencyClock, run: Callable[[int], Awaitable[object]]
) -> tuple[list[float], list[float]]:
    own, agency = [], []
    for i in range(rounds):
        before = clock.seconds
        start = time.perf_counter()
        await run(i)
        total = time.perf_counter() - start
        waited = clock.seconds - before
        own.append((total - waited) * 1000)
        agency.append(waited * 1000)
    return own, agency


def pct(values: list[float], q: float) -> float:
    return (
        statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1] if len(values) > 1 else values[0]
    )


def report(name: str, own: list[float], agency: list[float]) -> bool:
    p50, p95 = pct(own, 50), pct(own, 95)
    line = f"{name:<28} product p50 {p50:6.1f} ms  p95 {p95:6.1f} ms"
    if any(agency):
        line += f"   | 1159 Finance sandbox p50 {pct(agency, 50):6.1f} ms  p95 {pct(agency, 95):6.1f} ms"
    print(line)
    return p95 < TARGET_P95_MS


async def bench(app: App, rounds: int, claims: int) -> bool:
    layer = CommandLayer(app)
    clock = AgencyClock(app)
    sender = Sender("telegram", TELEGRAM_ID)
    numbers = await hand_over(layer, app, claims)
    pages = invoices.overdue(app.uow(), practice_id=app.practice_id, per_page=5).pages
    print(f"cases created through the chat: {len(numbers)}; /ueberfaellig pages: {pages:,}")
    rng = random.Random(1159)
    for n in numbers[:5]:  # warm-up: imports, prepared statements, connections
        await layer.handle_text(sender, f"/status {n}")
    await layer.handle_text(sender, "/ueberfaellig")

    async def status(i: int) -> object:
        return await layer.handle_text(sender, f"/status {rng.choice(numbers)}")

    async def first_pages(i: int) -> object:
        return await layer.handle_text(sender, f"/ueberfaellig {rng.randint(1, min(20, pages))}")

    async def any_page(i: int) -> object:
        return await layer.handle_text(sender, f"/ueberfaellig {rng.randint(1, pages)}")

    ok = report("/status", *await measure("status", rounds, clock, status))
    ok &= report("/ueberfaellig (pages 1–20)", *await measure("first", rounds, clock, first_pages))
    ok &= report("/ueberfaellig (any page)", *await measure("any", rounds, clock, any_page))
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--invoices", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=300)
    parser.add_argument("--claims", type=int, default=30)
    parser.add_argument("--database-url", default=None, help="default: a fresh SQLite file")
    parser.add_argument(
        "--keep",
        type=Path,
        default=None,
        help="keep the sandbox (and SQLite file) here; reuse them and the database next time",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bot-bench-") as tmp:
        folder = args.keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        reuse = args.keep is not None and (folder / "sandbox").exists()  # an earlier run's state
        base_url, stop_sandbox = start_sandbox(folder / "sandbox")
        settings = Settings(
            database_url=args.database_url or f"sqlite:///{folder / 'bench.db'}",
            data_dir=folder,
            finance1159_base_url=base_url,
            finance1159_client_id=CLIENT_ID,
            finance1159_api_key=SecretStr(API_KEY),
        )
        app = build(settings)
        try:
            if reuse:
                print("database: reusing", folder / "bench.db")
            else:
                prepare(app, folder, args.invoices)

            async def go() -> bool:
                try:
                    return await bench(app, args.rounds, args.claims)
                finally:
                    await app.aclose()

            ok = asyncio.run(go())
        finally:
            app.close()
            stop_sandbox()
    print(f"target (product p95 < {TARGET_P95_MS:.0f} ms): {'met' if ok else 'missed'}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
