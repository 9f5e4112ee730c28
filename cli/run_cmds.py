"""Long-running processes: the worker and the local 1159 Finance sandbox."""

from __future__ import annotations

import asyncio
import logging
import signal
from pathlib import Path

import typer

from cli.common import fail, friendly, make_app
from cli.worker_parts import worker_parts
from core.bootstrap import App, configure_logging
from core.config import Settings
from core.ops import health as health_server
from core.ops.supervision import Health, supervise
from core.worker import run_once, settle_after_start

__all__ = ["run", "run_worker", "sandbox", "worker"]

log = logging.getLogger("inkasso.run")


async def worker(
    app: App,
    stop: asyncio.Event,
    *,
    bot: bool = True,
    mail: bool = True,
    health: Health | None = None,
    health_port: int | None = None,
) -> None:
    """Everything `inkasso run` does, until `stop` is set: each part supervised, so one failing
    (Telegram, the mailbox, 1159 Finance) is retried while the others go on."""
    health = health or Health()
    server = await health_server.start(app, health, health_port) if health_port else None
    tasks = [
        asyncio.create_task(supervise(app, part, stop, health), name=part.name)
        for part in worker_parts(app, bot=bot, mail=mail)
    ]
    log.info("worker running: %s", ", ".join(t.get_name() for t in tasks))
    try:
        await asyncio.gather(*tasks)
    finally:
        if server is not None:
            server.close()
        await app.aclose()


def run_worker(app: App, *, bot: bool = True, mail: bool = True, health_port: int | None = None) -> None:
    async def main() -> None:
        settle_after_start()
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await worker(app, stop, bot=bot, mail=mail, health_port=health_port)

    asyncio.run(main())


@friendly
def run(
    once: bool = typer.Option(
        False, "--once", help="Eine Runde und beenden; zurückgestellte Übermittlungen gleich mit versuchen."
    ),
    health_port: str | None = typer.Option(
        None,
        "--health-port",
        metavar="PORT",
        help="/healthz und /metrics auf 127.0.0.1:PORT anbieten (aus ohne Angabe).",
    ),
) -> None:
    """Worker starten: Telegram-Bot (mit Token), Postfach (mit IMAP), Übermittlung und Abgleich."""
    port = health_server.parse_port(health_port) if health_port is not None else None
    if once and port is not None:
        fail("--health-port gilt für den laufenden Worker; mit --once bitte weglassen.", 2)
    app = make_app()
    configure_logging(logging.INFO)
    logging.getLogger().handlers[0].setLevel(logging.INFO)
    if once:

        async def one_round() -> None:
            settle_after_start()
            try:
                await run_once(app)
                if app.settings.imap_host:
                    from mail.intake import intake_once

                    await intake_once(app)
            finally:
                await app.aclose()

        asyncio.run(one_round())
        typer.echo("Eine Runde erledigt.")
        return
    run_worker(app, health_port=port)


@friendly
def sandbox(
    host: str = typer.Option("127.0.0.1", "--host", help="Adresse."),
    port: int = typer.Option(8159, "--port", help="Port."),
    data: Path = typer.Option(Path("./data/sandbox"), "--data", help="Ordner für den Zustand der Sandbox."),
    smtp_host: str | None = typer.Option(None, "--smtp-host", help="SMTP-Server für die Mails der Sandbox."),
    smtp_port: int | None = typer.Option(None, "--smtp-port", help="SMTP-Port."),
) -> None:
    """Die lokale 1159-Finance-Sandbox starten (API unter /api/v1, Steuerung unter /_sandbox)."""
    from core.finance1159.sandbox.server import run as run_sandbox

    configure_logging(logging.INFO)
    typer.echo(f"1159-Finance-Sandbox: http://{host}:{port}/api/v1  (Strg+C beendet)")
    run_sandbox(host, port, data, Settings(), smtp_host=smtp_host, smtp_port=smtp_port)
