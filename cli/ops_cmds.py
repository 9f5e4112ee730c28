"""Operating commands that must not build the app first: `inkasso db backup` and `inkasso db restore`
(building it would migrate the database, and for a restore create the very file it writes)."""

from __future__ import annotations

from pathlib import Path

import typer

from cli.common import friendly, load_settings
from core.ops import backup

__all__ = ["db_backup", "db_restore"]


@friendly
def db_backup(
    file: Path = typer.Argument(..., help="Neue Datei für die Sicherung (wird nie überschrieben)."),
) -> None:
    """Die Datenbank im laufenden Betrieb sichern (SQLite; für PostgreSQL steht hier der pg_dump-Befehl)."""
    copied = backup.backup(load_settings(), file)
    typer.echo(f"Gesichert: {copied.path} ({copied.size // 1024} KB, Schema {copied.revision}).")


@friendly
def db_restore(
    file: Path = typer.Argument(..., help="Eine Datei, die `inkasso db backup` geschrieben hat."),
) -> None:
    """Eine Sicherung als neue Datenbank (DATABASE_URL, die Datei darf noch nicht existieren) zurückholen."""
    settings = load_settings()
    copied = backup.restore(settings, file)
    typer.echo(
        f"Wiederhergestellt: {copied.path} aus {file} (Schema {copied.revision}). "
        "Der nächste Start bringt das Schema auf den neuesten Stand."
    )
