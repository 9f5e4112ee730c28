"""The database fixtures hand out empty, usable databases and clean up after themselves."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import Engine, create_engine, inspect, text
from sqlalchemy.engine import make_url

from tests.peers.database import _libpq, _pg_bindir, _throwaway_cluster, fresh_postgres_database
from tests.peers.ports import free_port, peer_dir


@contextmanager
def _engine(url: str) -> Iterator[Engine]:
    engine = create_engine(url)
    try:
        yield engine
    finally:
        engine.dispose()


def test_database_url_is_writable_sqlite_empty_and_postgres_copied_from_the_migrated_template(
    database_url: str,
) -> None:
    with _engine(database_url) as engine:
        tables = inspect(engine).get_table_names()
        if database_url.startswith("sqlite"):
            assert tables == []
        else:
            assert "alembic_version" in tables and "invoice" in tables
        with engine.begin() as conn:
            conn.execute(text("CREATE TABLE scratch (id integer primary key, name varchar(80))"))
            conn.execute(text("INSERT INTO scratch (id, name) VALUES (1, 'Müller')"))
        with engine.connect() as conn:
            assert conn.execute(text("SELECT name FROM scratch")).scalar_one() == "Müller"


def test_sqlite_url_is_a_file_in_the_tests_temp_dir(sqlite_url: str, tmp_path: Path) -> None:
    assert sqlite_url == f"sqlite:///{tmp_path / 'test.db'}"


@pytest.mark.postgres
def test_postgres_database_is_dropped_even_with_open_connections(postgres_server_url: str) -> None:
    with fresh_postgres_database(postgres_server_url) as url:
        name = make_url(url).database
        engine = create_engine(url)
        engine.connect().close()  # leaves a pooled connection open, as a careless test would
    engine.dispose()
    with psycopg.connect(_libpq(postgres_server_url)) as conn:
        row = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
    assert row is None


def test_postgres_url_gets_the_postgres_marker(postgres_url: str, request: pytest.FixtureRequest) -> None:
    assert request.node.get_closest_marker("postgres") is not None
    assert make_url(postgres_url).database.startswith("pi_test_")  # type: ignore[union-attr]


@pytest.mark.postgres
def test_throwaway_cluster_serves_fresh_databases() -> None:
    """The fallback for machines where nothing answers on 5432 (about 1 s)."""
    if _pg_bindir() is None:
        pytest.skip("no PostgreSQL binaries; the server on 5432 is used instead")
    directory = peer_dir("postgres")
    with (
        _throwaway_cluster(directory, free_port()) as server_url,
        fresh_postgres_database(server_url) as url,
        _engine(url) as engine,
        engine.connect() as conn,
    ):
        assert conn.execute(text("SHOW fsync")).scalar_one() == "off"
    shutil.rmtree(directory)
