"""Real databases for tests: a file SQLite and a fresh PostgreSQL database per test.

Fixtures:
- `postgres_server_url` (session): SQLAlchemy URL of the server's maintenance database. Uses the
  server on 127.0.0.1:5432 (user postgres, trust) when it answers, otherwise a throwaway cluster.
  `TEST_POSTGRES_URL` points it at another server.
- `database_url` (function, ids `sqlite` and `postgres`): each test runs once per backend.
- `sqlite_url`, `postgres_url` (function): one backend only.
No tables are created here: the product's own code does that.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import signal
import subprocess
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import NoReturn

import psycopg
import pytest
from psycopg import sql
from sqlalchemy.engine import make_url

from tests.peers.ports import free_port, peer_dir

__all__ = ["DEFAULT_SERVER_URL", "fresh_postgres_database"]

DEFAULT_SERVER_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
DB_PREFIX = "pi_test_"


def _libpq(url: str) -> str:
    """psycopg wants a plain postgresql:// URL, without SQLAlchemy's driver suffix."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _answers(url: str) -> bool:
    try:
        with psycopg.connect(_libpq(url), connect_timeout=2):
            return True
    except psycopg.OperationalError:
        return False


def _in_ci() -> bool:
    return os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def _unavailable(message: str) -> NoReturn:
    """Under CI a missing server fails the run: green must mean the PostgreSQL tests ran."""
    if _in_ci():
        pytest.fail(message)
    pytest.skip(message)


def _pg_bindir() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[-3]))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).resolve().parent if initdb else None


def _run(args: list[str]) -> None:
    """initdb and postgres refuse to run as root; root runs them as the `postgres` user."""
    if os.geteuid() == 0:
        args = ["runuser", "-u", "postgres", "--", *args]
    subprocess.run(args, check=True, capture_output=True, stdin=subprocess.DEVNULL)


@contextmanager
def _throwaway_cluster(directory: Path, port: int) -> Iterator[str]:
    """initdb + pg_ctl start in `directory` (about 1 s); yields the maintenance URL, stops at exit."""
    bindir = _pg_bindir()
    if bindir is None:
        _unavailable("PostgreSQL is not installed; run: apt-get install -y postgresql (or scripts/test)")
    if os.geteuid() == 0:
        shutil.chown(directory, "postgres", "postgres")
    data, pg_ctl = directory / "data", str(bindir / "pg_ctl")
    _run([str(bindir / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust", "--no-sync",
          "-E", "UTF8", "--no-locale"])  # fmt: skip
    # fsync and friends off: the data is thrown away, speed is all that matters.
    options = (
        f"-p {port} -k {directory} -c listen_addresses=127.0.0.1 -c fsync=off"
        " -c synchronous_commit=off -c full_page_writes=off"
    )
    _run([pg_ctl, "-D", str(data), "-l", str(directory / "pg.log"), "-w", "-o", options, "start"])
    postmaster = int((data / "postmaster.pid").read_text().split()[0])
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
    finally:
        try:
            _run([pg_ctl, "-D", str(data), "-m", "immediate", "-w", "stop"])
        except subprocess.CalledProcessError:
            # pg_ctl needs the data dir; if it is gone, stop the server by its pid so none leaks.
            with contextlib.suppress(ProcessLookupError):
                os.kill(postmaster, signal.SIGQUIT)


@pytest.fixture(scope="session")
def postgres_server_url() -> Iterator[str]:
    """URL of a PostgreSQL server's `postgres` database (superuser, trust), for the whole session."""
    url = os.environ.get("TEST_POSTGRES_URL", DEFAULT_SERVER_URL)
    if _answers(url):
        yield url
        return
    if "TEST_POSTGRES_URL" in os.environ:
        _unavailable(f"TEST_POSTGRES_URL={url} does not answer")
    directory = peer_dir("postgres")
    try:
        with _throwaway_cluster(directory, free_port()) as cluster_url:
            yield cluster_url
    finally:
        shutil.rmtree(directory, ignore_errors=True)


@contextmanager
def fresh_postgres_database(server_url: str, *, template: str | None = None) -> Iterator[str]:
    """Create a uniquely named database; yield its SQLAlchemy URL; drop it (connections too) at exit."""
    name = f"{DB_PREFIX}{uuid.uuid4().hex}"
    with psycopg.connect(_libpq(server_url), autocommit=True) as conn:
        if template is None:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        else:
            conn.execute(
                sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                    sql.Identifier(name), sql.Identifier(template)
                )
            )
    try:
        yield (
            make_url(server_url)
            .set(drivername="postgresql+psycopg", database=name)
            .render_as_string(hide_password=False)
        )
    finally:
        with psycopg.connect(_libpq(server_url), autocommit=True) as conn:
            # Pools the product left open would block DROP DATABASE; end them first.
            conn.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = %s AND pid <> pg_backend_pid()",
                (name,),
            )
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """A SQLite file in the test's own temp dir (not in-memory, so several engines share it)."""
    return f"sqlite:///{tmp_path / 'test.db'}"


@pytest.fixture(scope="session")
def postgres_template(postgres_server_url: str) -> Iterator[str]:
    """A database migrated to head once per session; each test gets a copy (CREATE DATABASE … TEMPLATE).

    Migrating a fresh database per test cost 0.5–2 s each; copying the template costs a fraction.
    """
    from core.db.engine import make_engine
    from core.db.migrate import upgrade

    with fresh_postgres_database(postgres_server_url) as url:
        engine = make_engine(url)
        try:
            upgrade(engine)
        finally:
            engine.dispose()  # a template must have no open connections when it is copied
        yield make_url(url).database or ""


@pytest.fixture
def postgres_url(postgres_server_url: str, postgres_template: str) -> Iterator[str]:
    """A fresh PostgreSQL database for this test (already migrated to head), dropped afterwards."""
    with fresh_postgres_database(postgres_server_url, template=postgres_template) as url:
        yield url


@pytest.fixture(
    params=[
        pytest.param("sqlite", id="sqlite"),
        pytest.param("postgres", id="postgres", marks=pytest.mark.postgres),
    ]
)
def database_url(request: pytest.FixtureRequest) -> str:
    """An empty database URL; the test runs once on SQLite and once on PostgreSQL."""
    # getfixturevalue keeps the sqlite run free of any PostgreSQL requirement.
    return str(request.getfixturevalue(f"{request.param}_url"))


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests that use `postgres_url` directly get the `postgres` marker, so -m 'not postgres' works."""
    for item in items:
        if "postgres_url" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.postgres)
