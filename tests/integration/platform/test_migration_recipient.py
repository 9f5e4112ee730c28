"""Migration 0004_invoice_recipient goes up and down on SQLite and PostgreSQL, keeping the invoices."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect, text

from core.db.engine import make_engine
from core.db.migrate import alembic_config, upgrade
from tests.factories import add_invoice, make_app
from tests.peers.database import fresh_postgres_database

PREVIOUS = "0003"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database without any table (not the migrated template the other tests copy)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    with fresh_postgres_database(request.getfixturevalue("postgres_server_url")) as url:
        yield url


def _state(engine: Engine) -> tuple[str, bool]:
    with engine.connect() as conn:
        version = conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
    return version, "invoicerecipient" in inspect(engine).get_table_names()


def test_the_recipient_table_comes_with_0004_and_goes_with_its_downgrade(
    empty_url: str, tmp_path: Path
) -> None:
    app = make_app(empty_url, tmp_path)  # migrated to head on start
    add_invoice(app, number="R-1")
    app.close()
    engine = make_engine(empty_url)
    head = ScriptDirectory.from_config(alembic_config(engine)).get_current_head()
    try:
        assert _state(engine) == (head, True)
        command.downgrade(alembic_config(engine), PREVIOUS)
        assert _state(engine) == (PREVIOUS, False)
        upgrade(engine)
        assert _state(engine) == (head, True)
        with engine.connect() as conn:
            assert conn.execute(text("SELECT number FROM invoice")).scalars().all() == ["R-1"]
    finally:
        engine.dispose()
