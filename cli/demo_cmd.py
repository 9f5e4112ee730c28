"""`inkasso demo`: the whole product on embedded defaults, stopped cleanly with Ctrl-C."""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
import signal
import subprocess
import sys
import threading
import time

import httpx
import typer

from cli.common import friendly, load_settings, make_app
from cli.dashboard_cmd import streamlit_command
from cli.demo_sandbox import check_agency, choose_sandbox_port
from cli.run_cmds import worker
from core.bootstrap import App, configure_logging
from core.services.collection import delivery
from core.services.demo import demo_setup
from core.services.setup import practice

__all__ = ["demo"]

log = logging.getLogger("inkasso.demo")


def _start_sandbox(app: App, host: str, port: int) -> tuple[threading.Thread, object]:
    from core.finance1159.sandbox.config import SandboxConfig
    from core.finance1159.sandbox.server import make_server

    # The stand-in agency writes to the practice's stored address (Praxisdaten), as the real one does.
    address = practice.mail_address(
        app.uow(), practice_id=app.practice_id, fallback=app.settings.practice_email
    )
    config = SandboxConfig.from_settings(
        app.settings.model_copy(update={"practice_email": address}),
        data_dir=app.settings.data_dir / "sandbox",
        public_url=f"http://{host}:{port}",
    )
    server = make_server(config, host, port)
    thread = threading.Thread(target=server.run, name="sandbox", daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    return thread, server


def _start_dashboard(port: int) -> subprocess.Popen[bytes]:
    command, env = streamlit_command(port)
    return subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


@friendly
def demo(
    port: int = typer.Option(8501, "--port", help="Port des Dashboards."),
    no_dashboard: bool = typer.Option(False, "--ohne-dashboard", help="Dashboard nicht starten."),
    sandbox_port: int | None = typer.Option(
        None, "--sandbox-port", min=1, max=65535, help="Port der eigenen Sandbox (Standard: ein freier Port)."
    ),
) -> None:
    """Nur zum Ausprobieren: Sandbox, Demo-Praxis mit erfundenen Daten, Worker und Dashboard starten.

    Für eine echte Praxis: `inkasso practice setup` (siehe README, „Für eine echte Praxis“).
    """
    configure_logging(logging.WARNING)
    own_port = choose_sandbox_port(load_settings(), sandbox_port)  # points FINANCE1159_BASE_URL at it
    app = make_app()
    where_ = ("127.0.0.1", own_port or 0)
    sandbox = None if own_port is None else _start_sandbox(app, *where_)
    try:
        check_agency(app.settings)
    except BaseException:
        _stop_sandbox(sandbox)
        app.close()
        raise
    mail_configured = bool(app.settings.imap_host and app.settings.smtp_host)
    state = demo_setup.prepare(
        app.uow(),
        practice_id=app.practice_id,
        data_dir=app.settings.data_dir,
        walk_onboarding=not mail_configured,
    )
    dashboard = None if no_dashboard else _start_dashboard(port)
    _tell(app, state, port, dashboard is not None, mail_configured)
    stop = asyncio.Event()

    async def main() -> None:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        # claims a refused or unreachable agency postponed in an earlier run go out now, not in an hour
        await delivery.run_once(
            app.uow(), finance=app.finance(), practice_id=app.practice_id, include_postponed=True
        )
        month = None
        if sandbox is not None and state.invoices_created:
            month = loop.create_task(_let_a_month_pass(app, *where_))
        await worker(app, stop)
        if month is not None:
            month.cancel()

    try:
        asyncio.run(main())
    finally:
        typer.echo("Demo wird beendet …")
        if dashboard is not None:
            dashboard.terminate()
            try:
                dashboard.wait(10)
            except subprocess.TimeoutExpired:
                dashboard.kill()
        _stop_sandbox(sandbox)
        app.close()
        typer.echo(
            "Demo beendet. Die Daten bleiben in ./data und werden beim nächsten Start weiterverwendet."
        )


def _stop_sandbox(sandbox: tuple[threading.Thread, object] | None) -> None:
    if sandbox is not None:
        thread, server = sandbox
        server.should_exit = True  # type: ignore[attr-defined]
        thread.join(10)


async def _let_a_month_pass(app: App, host: str, port: int) -> None:
    """First run only: once the demo claims are at the sandbox, let a month pass there and pull the
    result, so the dashboard shows fees and money the agency collected rather than empty pages."""
    from core import outbox
    from core.sync import sync_once

    try:
        for _ in range(60):
            await delivery.run_once(app.uow(), finance=app.finance(), practice_id=app.practice_id)
            if not outbox.due_items(app.uow(), practice_id=app.practice_id):
                break
            await asyncio.sleep(1)
        async with httpx.AsyncClient(base_url=f"http://{host}:{port}/_sandbox", timeout=30) as control:
            (await control.post("/clock", json={"days": 30})).raise_for_status()
        await sync_once(app.uow(), finance=app.finance(), practice_id=app.practice_id)
    except Exception:  # the demo runs on without the extra month
        log.warning("could not let a month pass in the demo sandbox", exc_info=True)


def _inkasso() -> str:
    """How to call this very program from the same folder (the venv's bin is often not on PATH)."""
    if shutil.which("inkasso"):
        return "inkasso"
    return os.path.relpath(sys.argv[0]) if sys.argv and sys.argv[0] else "inkasso"


def _tell(app: App, state: demo_setup.DemoState, port: int, dashboard: bool, mail: bool) -> None:
    s = app.settings
    lines = ["", "Praxis-Inkasso Demo läuft.", ""]
    if state.invoices_created:
        lines.append(f"  Demo-Praxis angelegt: {state.invoices_created} erfundene Rechnungen.")
    else:
        lines.append("  Vorhandene Demo-Daten aus ./data werden weiterverwendet.")
    if dashboard:
        lines.append(f"  Dashboard:      http://127.0.0.1:{port}  (Login: {state.login} / {state.password})")
    lines.append(f"  1159 Finance:   {s.finance1159_base_url}  (lokale Sandbox)")
    # the sandbox's port is chosen per run: the chat in another terminal must be told where it is
    chat = f"FINANCE1159_BASE_URL={s.finance1159_base_url} {_inkasso()} chat"
    lines.append(f"  Chat im Terminal: in einem zweiten Terminal `{chat}` starten.")
    if s.telegram_bot_token is None:
        lines.append(
            "  Telegram:       TELEGRAM_BOT_TOKEN und PRACTICE_CHAT_ID in .env eintragen, dann neu starten."
        )
    else:
        lines.append("  Telegram:       Bot läuft.")
    if not mail:
        note = ", ".join(state.onboarding_steps) if state.onboarding_steps else "bereits aktiv"
        lines.append(
            f"  Onboarding:     kein Mailserver eingerichtet – die Schritte wurden von Hand ausgelöst "
            f"({note})."
        )
    lines += ["", "  Beenden mit Strg+C.", ""]
    typer.echo("\n".join(lines))
