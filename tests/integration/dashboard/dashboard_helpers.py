"""Helpers for the dashboard tests: a product with data and logins, and AppTest runs as someone.

def test_x(shared_dash: Dash) -> None:
    at = shared_dash.run("staff", page="views/cases.py")
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from core.bootstrap import App
from core.domain.onboarding import OnboardingState
from core.services.people.access import Role
from core.services.people.sessions import session_actor, start_login
from tests.factories import add_invoice, add_practice, add_user, make_app
from tests.integration.books.books_helpers import build_october
from tests.peers.sandbox import SandboxHandle

ROOT = Path(__file__).resolve().parents[3]
APP = ROOT / "dashboard" / "app.py"
PAGES = ROOT / "dashboard" / "views"
PASSWORD = "richtig-langes-passwort"


@dataclass
class Dash:
    app: App
    user_ids: dict[str, int]

    def app_test(self) -> AppTest:
        return AppTest.from_file(str(APP), default_timeout=30)

    def logged_in(self, at: AppTest, who: str | None) -> AppTest:
        if who is not None:
            at.session_state["auth"] = {"token": self.token(who)}
        return at

    def token(self, who: str) -> str:
        """A fresh login of `who`, as the login page starts it."""
        actor = session_actor(self.app.uow(), practice_id=self.app.practice_id, user_id=self.user_ids[who])
        assert actor is not None
        return start_login(self.app.uow(), practice_id=self.app.practice_id, actor=actor)

    def run(self, who: str | None, page: str | None = None) -> AppTest:
        """The whole app (entry script and navigation) as `who` (None: not logged in), on `page`."""
        at = self.logged_in(self.app_test(), who).run()
        if page is not None:
            at.switch_page(page).run()
        return at

    def run_page(self, who: str | None, page: str) -> AppTest:
        """One page script on its own (as if reached without the navigation)."""
        at = AppTest.from_file(str(PAGES / page), default_timeout=30)
        return self.logged_in(at, who).run()


def texts(at: AppTest) -> str:
    """Everything the page shows as text, for `in` checks."""
    parts: list[str] = []
    kinds = (
        "title",
        "header",
        "subheader",
        "markdown",
        "caption",
        "info",
        "success",
        "warning",
        "error",
        "text",
    )
    for kind in kinds:
        parts += [str(el.value) for el in getattr(at, kind)]
    parts += [f"{m.label} {m.value}" for m in at.metric]
    return "\n".join(parts)


def button(at: AppTest, label: str) -> Any:
    return next(b for b in at.button if b.label == label)


def clear_streamlit_caches() -> None:
    st.cache_resource.clear()
    st.cache_data.clear()


def make_dash(app: App) -> Dash:
    build_october(app)
    add_practice(app, onboarding_state=OnboardingState.ACTIVE)
    add_invoice(app, number="R-9", due_days_ago=45, amount="150,00", reminder=True, announced=True)
    add_invoice(app, number="R-10", due_days_ago=75, amount="80,00")
    ids = {
        "staff": add_user(app, role=Role.STAFF, login="anna", password=PASSWORD, name="Anna").id,
        "manager": add_user(app, role=Role.MANAGER, login="chefin", password=PASSWORD, name="Chefin").id,
    }
    return Dash(app, ids)


@contextmanager
def dashboard_env(directory: Path, **extra: str) -> Iterator[dict[str, str]]:
    """Environment the dashboard's Settings() reads (plus `extra`, by setting name); caches cleared."""
    env = {
        "DATABASE_URL": f"sqlite:///{directory / 'dash.db'}",
        "DATA_DIR": str(directory),
        "FINANCE1159_MAX_ATTEMPTS": "2",
        "FINANCE1159_BACKOFF_BASE": "0.01",
        "FINANCE1159_BACKOFF_MAX": "0.05",
        "SESSION_TIMEOUT_MINUTES": "30",
        **{key.upper(): value for key, value in extra.items()},
    }
    with pytest.MonkeyPatch.context() as mp:
        for key, value in env.items():
            mp.setenv(key, value)
        mp.chdir(directory)
        clear_streamlit_caches()
        try:
            yield env
        finally:
            clear_streamlit_caches()


@contextmanager
def dashboard(directory: Path, **settings: str) -> Iterator[Dash]:
    with dashboard_env(directory, **settings) as env:
        app = make_app(env["DATABASE_URL"], directory, **settings)
        try:
            yield make_dash(app)
        finally:
            app.close()


@pytest.fixture(scope="module", name="shared_dash")
def _shared_dash(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Dash]:
    """One product with data for a whole module: for tests that only read."""
    with dashboard(tmp_path_factory.mktemp("dash")) as made:
        yield made


@pytest.fixture(name="fresh_dash")
def _fresh_dash(tmp_path: Path) -> Iterator[Dash]:
    """A product of its own: for tests that change data."""
    with dashboard(tmp_path) as made:
        yield made


@pytest.fixture(name="agency_dash")
def _agency_dash(tmp_path: Path, sandbox: SandboxHandle) -> Iterator[Dash]:
    """A product of its own whose dashboard talks to the sandbox agency."""
    with dashboard(
        tmp_path,
        finance1159_base_url=sandbox.base_url,
        finance1159_client_id=sandbox.client_id,
        finance1159_api_key=sandbox.api_key,
    ) as made:
        yield made
