"""`inkasso dashboard`: the Streamlit dashboard, headless, on a local port."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import typer

from cli.common import fail, make_app
from core.services.setup import first_start

__all__ = ["APP", "dashboard", "streamlit_command"]

APP = Path(__file__).resolve().parent.parent / "dashboard" / "app.py"


def dashboard(
    port: int = typer.Option(8501, "--port", help="Port des Dashboards."),
    host: str = typer.Option("127.0.0.1", "--host", help="Adresse, auf der das Dashboard lauscht."),
) -> None:
    """Dashboard starten (Streamlit); Anmeldung mit einem Login aus `inkasso user add --login`."""
    if not 1 <= port <= 65535:
        fail(f"Port {port} ist ungültig (1–65535).", 2)
    typer.echo(f"Dashboard: http://{host}:{port}/  (beenden mit Strg+C)")
    if not _set_up():
        typer.echo(
            "Erster Start: das Dashboard fragt nach dem Einrichtungscode; "
            "ihn zeigt `inkasso practice setup-code`."
        )
    command, env = streamlit_command(port, host)
    sys.stdout.flush()
    # Replace this process: signals (Ctrl+C, a service manager's SIGTERM) reach Streamlit directly.
    os.execve(sys.executable, command, env)


def _set_up() -> bool:
    app = make_app()
    try:
        return first_start.stage(app.uow(), practice_id=app.practice_id) == first_start.Stage.READY
    finally:
        app.close()


def streamlit_command(port: int, host: str = "127.0.0.1") -> tuple[list[str], dict[str, str]]:
    """The Streamlit command line and environment for the dashboard (also used by `inkasso demo`)."""
    command = [
        sys.executable, "-m", "streamlit", "run", str(APP),
        "--server.headless", "true",
        "--server.port", str(port),
        "--server.address", host,
        "--browser.gatherUsageStats", "false",
        "--server.fileWatcherType", "none",
        "--client.toolbarMode", "minimal",
    ]  # fmt: skip
    path = os.pathsep.join(filter(None, [str(APP.parent.parent), os.environ.get("PYTHONPATH")]))
    return command, {**os.environ, "PYTHONPATH": path}
