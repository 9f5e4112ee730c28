"""`inkasso run --health-port`: /healthz and /metrics over HTTP from a running worker (sandbox,
Bot API stand-in, real database), and a wrong port refused in German before anything starts."""

from __future__ import annotations

import asyncio
import os
import socket
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
from prometheus_client.parser import text_string_to_metric_families

from cli.run_cmds import worker
from core.bootstrap import App, build
from core.services.collection import claims
from tests.integration.chat.bot_helpers import overdue_invoice, seed_practice, wire_app
from tests.integration.collection.claims_helpers import STAFF, dead_url
from tests.peers.botapi import FakeBotAPI
from tests.peers.ports import free_port
from tests.peers.sandbox import SandboxHandle

ROOT = Path(__file__).resolve().parents[3]
QUICK = {"outbox_interval_seconds": 0.05, "sync_interval_seconds": 0.1}


@asynccontextmanager
async def running(app: App) -> AsyncIterator[httpx.AsyncClient]:
    port, stop = free_port(), asyncio.Event()
    task = asyncio.create_task(worker(app, stop, mail=False, health_port=port))
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", trust_env=False) as http:
            yield http
    finally:
        stop.set()
        await asyncio.wait_for(task, 10)
        app.close()


async def eventually(http: httpx.AsyncClient, path: str, status: int, timeout: float = 10) -> httpx.Response:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        try:
            answer = await http.get(path)
            if answer.status_code == status:
                return answer
        except httpx.TransportError:
            pass
        if loop.time() > deadline:
            raise TimeoutError(f"{path} did not answer {status} within {timeout} s")
        await asyncio.sleep(0.05)


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


async def test_a_worker_in_order_is_healthy_and_counts_its_deliveries(
    sqlite_url: str, tmp_path: Path, sandbox: SandboxHandle
) -> None:
    app = wire_app(sqlite_url, tmp_path, sandbox, None, **QUICK)
    seed_practice(app)
    overdue_invoice(app, "R-1")
    claims.queue(app.uow(), practice_id=app.practice_id, actor=STAFF, number="R-1")
    async with running(app) as http:
        healthy = await eventually(http, "/healthz", 200)
        assert healthy.text == "läuft: outbox, sync\n"
        await asyncio.sleep(0.3)  # a few rounds: the claim delivered, a sync done
        metrics = await http.get("/metrics")
        assert metrics.headers["content-type"].startswith("text/plain; version=")
        got = samples(metrics.text)
        assert got[("inkasso_outbox_delivered_total", (("kind", "claim"),))] == 1
        assert got[("inkasso_outbox_oldest_pending_age_seconds", ())] == 0
        assert got[("inkasso_part_up", (("part", "sync"),))] == 1
        assert got[("inkasso_last_success_timestamp_seconds", (("part", "sync"),))] > 0
        assert (await http.get("/nichts")).status_code == 404


async def test_an_unreachable_agency_and_a_refused_bot_token_make_healthz_503_naming_them(
    sqlite_url: str, tmp_path: Path, sandbox: SandboxHandle, fake_botapi: FakeBotAPI
) -> None:
    settings = wire_app(sqlite_url, tmp_path, sandbox, fake_botapi, **QUICK).settings
    app = build(
        settings.model_copy(update={"finance1159_base_url": dead_url(), "finance1159_max_attempts": 1})
    )
    seed_practice(app)
    overdue_invoice(app, "R-1")
    claims.queue(app.uow(), practice_id=app.practice_id, actor=STAFF, number="R-1")
    fake_botapi.fail("getMe", "Unauthorized", error_code=401, times=100)
    async with running(app) as http:
        await eventually(http, "/healthz", 503)
        await asyncio.sleep(0.3)
        sick = await http.get("/healthz")
        assert sick.text.startswith("gestört: ")
        assert "sync (AgencyUnavailable" in sick.text and "telegram (InvalidToken)" in sick.text
        assert "telegram (Zugang abgelehnt)" in sick.text
        got = samples((await http.get("/metrics")).text)
        assert got[("inkasso_outbox_pending", (("kind", "claim"),))] == 1
        assert got[("inkasso_outbox_oldest_pending_age_seconds", ())] > 0
        assert got[("inkasso_part_up", (("part", "telegram"),))] == 0
        assert got[("inkasso_part_up", (("part", "outbox"),))] == 1
        assert got[("inkasso_problem", (("source", "telegram"),))] == 1


async def inkasso_run(tmp_path: Path, *args: str) -> tuple[int, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "IMAP_", "DATABASE_URL"))}
    env |= {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'w.db'}",
        "DATA_DIR": str(tmp_path),
        "PYTHONPATH": str(ROOT),
    }
    env["FINANCE1159_BASE_URL"] = dead_url()
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-c", "from cli.main import app; app()", "run", *args,
        cwd=tmp_path, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    output, _ = await asyncio.wait_for(proc.communicate(), 60)
    return proc.returncode or 0, output.decode()


async def test_a_health_port_that_is_no_port_is_refused_in_german_before_anything_starts(
    tmp_path: Path,
) -> None:
    for wrong in ("abc", "70000", "0"):
        code, output = await inkasso_run(tmp_path, "--health-port", wrong)
        assert code == 2 and f"--health-port „{wrong}“ ist kein Port" in output, output
    code, output = await inkasso_run(tmp_path, "--once", "--health-port", "9108")
    assert code == 2 and "mit --once bitte weglassen" in output, output
    assert not (tmp_path / "w.db").exists()  # nothing was set up


async def test_a_health_port_in_use_is_refused_in_german(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        code, output = await inkasso_run(tmp_path, "--health-port", str(port))
    assert code == 1 and f"Port {port} für --health-port ist nicht verfügbar" in output, output
