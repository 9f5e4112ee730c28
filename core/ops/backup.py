"""`inkasso db backup` and `inkasso db restore`: a SQLite database copied through sqlite3's online
backup API (consistent while the worker and the dashboard write: the copy is one snapshot), into
a new file only. PostgreSQL is backed up with its own tools; for it the commands say how.

A restore writes only to a database file that does not exist yet, so nothing is ever overwritten;
the file must be a SQLite database of this product (its tables and a migration revision we know).
"""

from __future__ import annotations

import os
import sqlite3
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

from alembic.script import ScriptDirectory
from sqlalchemy.engine import make_url

from core.config import Settings
from core.db.migrate import MIGRATIONS
from core.domain.errors import Refused

__all__ = ["Copied", "OUR_TABLES", "backup", "postgres_advice", "product_revision", "restore"]

OUR_TABLES = frozenset({"alembic_version", "practice", "invoice", "claim", "outboxitem"})


@dataclass(frozen=True)
class Copied:
    path: Path
    revision: str
    size: int


def backup(settings: Settings, target: Path) -> Copied:
    source = _sqlite_file(settings, "backup")
    if not source.exists():
        raise Refused(
            f"Die Datenbank {source} gibt es nicht; es gibt nichts zu sichern. DATABASE_URL prüfen."
        )
    _writable_new_file(target, "Die Sicherung")
    return _copy(source, target)


def restore(settings: Settings, source: Path) -> Copied:
    target = _sqlite_file(settings, "restore")
    if not source.is_file():
        raise Refused(f"Die Datei {source} gibt es nicht. Bitte den Pfad der Sicherung angeben.")
    revision = product_revision(source)
    _writable_new_file(target, "Die Datenbank (DATABASE_URL)")
    copied = _copy(source, target)
    return Copied(copied.path, revision, copied.size)


def product_revision(path: Path) -> str:
    """The migration revision of a SQLite file of this product; refused (in German) otherwise."""
    not_ours = Refused(
        f"{path} ist keine Sicherung von Praxis-Inkasso (keine SQLite-Datenbank mit dessen Tabellen). "
        "Bitte eine Datei angeben, die `inkasso db backup` geschrieben hat.",
        f"restore refused: {path} is not a Praxis-Inkasso database",
    )
    with path.open("rb") as file:
        if file.read(16) != b"SQLite format 3\x00":
            raise not_ours
    try:
        with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as conn:
            tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            revision = (
                conn.execute("SELECT version_num FROM alembic_version").fetchone()
                if "alembic_version" in tables
                else None
            )
    except sqlite3.DatabaseError:
        raise not_ours from None
    known = {script.revision for script in ScriptDirectory(str(MIGRATIONS)).walk_revisions()}
    if not OUR_TABLES <= tables or revision is None or revision[0] not in known:
        raise not_ours
    return str(revision[0])


def _copy(source: Path, target: Path) -> Copied:
    """Through the online backup API into `target`.part, checked, then linked into place (never over
    an existing file: os.link refuses that too, should one appear meanwhile)."""
    partial = target.with_name(target.name + ".part")
    partial.unlink(missing_ok=True)
    try:
        with closing(sqlite3.connect(source, timeout=30)) as src, closing(sqlite3.connect(partial)) as dst:
            src.backup(dst)
            dst.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
            if dst.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
                raise Refused("Die Kopie ist beschädigt; bitte die Quelle mit `inkasso doctor` prüfen.")
        revision = product_revision(partial)
        os.link(partial, target)
    except FileExistsError:
        raise Refused(f"{target} gibt es inzwischen; es wurde nichts überschrieben.") from None
    finally:
        partial.unlink(missing_ok=True)
    return Copied(target, revision, target.stat().st_size)


def _writable_new_file(path: Path, what: str) -> None:
    if path.exists():
        raise Refused(
            f"{what} {path} gibt es schon; es wird nichts überschrieben. Bitte einen neuen Dateinamen wählen."
        )
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir() or not os.access(folder, os.W_OK | os.X_OK):
        raise Refused(
            f"In den Ordner {folder} kann nicht geschrieben werden. Bitte einen beschreibbaren Ordner wählen."
        )


def _sqlite_file(settings: Settings, action: str) -> Path:
    path = settings.sqlite_path
    if path is not None:
        return path
    raise Refused(postgres_advice(settings.database_url, action))


def postgres_advice(database_url: str, action: str) -> str:
    """How to do it with PostgreSQL's own tools (the password stays out: PGPASSWORD or ~/.pgpass)."""
    url = make_url(database_url)
    user = f"{url.username}@" if url.username else ""
    port = f":{url.port}" if url.port else ""
    target = f"postgresql://{user}{url.host or 'localhost'}{port}/{url.database}"
    if action == "backup":
        return (
            "Die Datenbank ist PostgreSQL: bitte mit pg_dump sichern (auch im laufenden Betrieb), z. B.\n"
            f"  pg_dump --format=custom --file=praxis-inkasso.dump '{target}'\n"
            "Das Passwort kommt aus PGPASSWORD oder ~/.pgpass."
        )
    create = f"createdb --host={url.host or 'localhost'} --port={url.port or 5432}"
    create += f" --username={url.username or 'postgres'} {url.database}"
    return (
        "Die Datenbank ist PostgreSQL: bitte eine leere Datenbank anlegen und mit pg_restore "
        f"zurückspielen, z. B.\n  {create}\n  pg_restore --dbname='{target}' praxis-inkasso.dump\n"
        "Danach `inkasso db upgrade`."
    )
