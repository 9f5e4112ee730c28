"""What the benches share: a throwaway PostgreSQL database per run, and the machine's load."""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy import create_engine, make_url, text

__all__ = ["drop_database", "fresh_database", "load"]


def load() -> str:
    """The load averages over 1, 5 and 15 minutes, as `uptime` prints them: on a shared 2-core
    machine a load above 2 means the run waited for a core."""
    try:
        return "load " + " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "load unknown"


def fresh_database(url: str | None, folder: Path, prefix: str) -> tuple[str, str | None]:
    """The run's database URL, and the PostgreSQL database to drop afterwards (None for SQLite)."""
    if url is None:
        return f"sqlite:///{folder / 'bench.db'}", None
    server = make_url(url)
    if server.get_backend_name() != "postgresql":
        raise SystemExit("--database-url: a PostgreSQL server (SQLite is the default)")
    name = f"{prefix}_{os.getpid()}"
    engine = create_engine(server, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return server.set(database=name).render_as_string(hide_password=False), name


def drop_database(url: str, name: str) -> None:
    engine = create_engine(make_url(url), isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
    engine.dispose()
