"""Fixtures shared by the integration tests (the peers themselves live in tests/peers/)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from core.bootstrap import App
from tests.factories import add_practice, make_app
from tests.integration.collection.claims_helpers import _recording_server, recorded  # noqa: F401


@pytest.fixture
def app(database_url: str, tmp_path: Path) -> Iterator[App]:
    """The product with its practice, once on SQLite and once on PostgreSQL."""
    app = make_app(database_url, tmp_path)
    add_practice(app)
    yield app
    app.close()


@pytest.fixture
def sqlite_app(sqlite_url: str, tmp_path: Path) -> Iterator[App]:
    """The product with its practice on SQLite only, for checks that do not depend on the engine."""
    app = make_app(sqlite_url, tmp_path)
    add_practice(app)
    yield app
    app.close()
