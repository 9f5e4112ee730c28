"""Dashboard access: every page as staff, as manager and not logged in; login, timeout, logout."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from sqlmodel import col, select
from streamlit.testing.v1 import AppTest

from core.db.models import AuditEvent, LoginSession, User
from core.domain.dates import utcnow
from core.services.people import logins
from tests.integration.dashboard.dashboard_helpers import (  # noqa: F401
    APP,
    PASSWORD,
    Dash,
    _fresh_dash,
    _shared_dash,
    button,
    dashboard_env,
    texts,
)
from tests.peers.ports import free_port

EVERYONE = {
    "overview.py": "Übersicht",
    "overdue.py": "Überfällige Rechnungen",
    "cases.py": "Inkasso-Fälle",
    "case.py": "Bitte unter „Fälle“ einen Fall auswählen.",
    "fees.py": "Gebühren",
    "onboarding.py": "Onboarding bei 1159 Finance",
}
BAD_LOGIN = logins.BAD_LOGIN
MANAGERS = {
    "statements.py": "Monatsabrechnungen",
    "audit.py": "Protokoll",
    "users.py": "Benutzer",
    "invoice_import.py": "Import",
}
ALL = {**EVERYONE, **MANAGERS}


def _login(dash: Dash, name: str, password: str) -> AppTest:
    at = dash.run(None)
    at.text_input(key="login_name").input(name)
    at.text_input(key="login_password").input(password)
    return button(at, "Anmelden").click().run()


@pytest.mark.parametrize("page", sorted(ALL))
def test_not_logged_in_every_page_asks_to_log_in_and_shows_nothing(shared_dash: Dash, page: str) -> None:
    at = shared_dash.run_page(None, page)
    assert not at.exception
    assert [w.value for w in at.warning] == ["Bitte zuerst anmelden."]
    assert not at.metric and not at.dataframe and not at.title


def test_not_logged_in_the_navigation_has_only_the_login_page(shared_dash: Dash) -> None:
    at = shared_dash.run(None)
    assert not at.exception
    assert "Anmelden" in texts(at) and not at.metric
    with pytest.raises(ValueError, match=r"Known pages: \['.*login.py'\]"):
        at.switch_page("views/overview.py")


@pytest.mark.parametrize("who", ["staff", "manager"])
@pytest.mark.parametrize("page", sorted(EVERYONE))
def test_staff_and_managers_open_every_common_page(shared_dash: Dash, who: str, page: str) -> None:
    at = shared_dash.run(who, f"views/{page}")
    assert not at.exception, at.exception
    assert EVERYONE[page] in texts(at)
    assert not at.error


@pytest.mark.parametrize("page", sorted(MANAGERS))
def test_managers_open_the_manager_pages(shared_dash: Dash, page: str) -> None:
    at = shared_dash.run("manager", f"views/{page}")
    assert not at.exception, at.exception
    assert at.title[0].value == MANAGERS[page]
    assert not at.error


@pytest.mark.parametrize("page", sorted(MANAGERS))
def test_staff_never_see_manager_pages(shared_dash: Dash, page: str) -> None:
    at = shared_dash.run("staff")
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page(f"views/{page}")
    direct = shared_dash.run_page("staff", page)
    assert not direct.exception
    assert [e.value for e in direct.error] == ["Diese Seite ist nur für Praxisleitungen."]
    assert not direct.dataframe and not direct.title


def test_a_login_with_the_right_password_opens_the_overview(fresh_dash: Dash) -> None:
    at = _login(fresh_dash, "anna", PASSWORD)
    assert not at.exception
    assert at.title[0].value == "Übersicht"
    assert {m.label for m in at.metric} >= {"Offene Forderungen", "Betrag im Inkasso", "Erfolgsquote"}
    assert "Angemeldet: Anna (Mitarbeiter/in)" in texts(at)


@pytest.mark.parametrize(("name", "password"), [("anna", "falsches-passwort"), ("niemand", PASSWORD)])
def test_a_failed_login_says_nothing_about_which_part_was_wrong(
    fresh_dash: Dash, name: str, password: str
) -> None:
    at = _login(fresh_dash, name, password)
    assert not at.exception
    assert [e.value for e in at.error] == [BAD_LOGIN]
    assert "auth" not in at.session_state and not at.metric


def test_repeated_failures_are_counted_and_audited(fresh_dash: Dash) -> None:
    for _ in range(4):
        _login(fresh_dash, "anna", "falsches-passwort")
    with fresh_dash.app.uow() as uow:
        user = uow.session.get(User, fresh_dash.user_ids["staff"])
        assert user is not None and user.failed_logins == 4
        assert len(uow.session.exec(select(AuditEvent).where(AuditEvent.action == "login.failed")).all()) == 4


def test_an_expired_session_goes_back_to_the_login_with_a_message(shared_dash: Dash) -> None:
    at = shared_dash.app_test()
    token = shared_dash.token("manager")
    with shared_dash.app.uow() as uow:
        login = uow.session.exec(select(LoginSession).order_by(col(LoginSession.id).desc())).first()
        assert login is not None
        login.last_seen = utcnow() - timedelta(minutes=31)
        uow.commit()
    at.session_state["auth"] = {"token": token}
    at.run()
    assert not at.exception
    assert "Ihre Sitzung ist abgelaufen. Bitte melden Sie sich erneut an." in [i.value for i in at.info]
    assert not at.metric and "auth" not in at.session_state


def test_logging_out_ends_the_session(shared_dash: Dash) -> None:
    at = shared_dash.run("manager")
    button(at, "Abmelden").click().run()
    assert not at.exception
    assert "auth" not in at.session_state and "Anmelden" in texts(at) and not at.metric


def test_a_removed_user_is_logged_out_at_the_next_click(fresh_dash: Dash) -> None:
    at = fresh_dash.run("staff")
    with fresh_dash.app.uow() as uow:
        user = uow.session.get(User, fresh_dash.user_ids["staff"])
        uow.session.delete(user)
        uow.commit()
    at.run()
    assert not at.metric and "auth" not in at.session_state


def test_a_login_made_with_inkasso_user_add_works_in_the_dashboard(fresh_dash: Dash, tmp_path: Path) -> None:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "PYTHONPATH": str(APP.parents[1]),  # this checkout's code, whatever the script was installed from
        "DATABASE_URL": fresh_dash.app.settings.database_url,
        "DATA_DIR": str(tmp_path),
    }
    done = subprocess.run(
        [str(Path(sys.executable).parent / "inkasso"), "user", "add", "--login", "bert", "--role", "manager",
         "--password-stdin"],
        input="ein-sehr-langes-passwort\n", env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    with fresh_dash.app.uow() as uow:
        stored = uow.session.exec(select(User).where(User.login == "bert")).one()
    assert stored.password_hash and stored.password_hash.startswith("$argon2")
    assert "ein-sehr-langes-passwort" not in stored.password_hash
    at = _login(fresh_dash, "bert", "ein-sehr-langes-passwort")
    assert not at.exception and at.title[0].value == "Übersicht"
    assert "Angemeldet: bert (Praxisleitung)" in texts(at)


def test_an_unreachable_database_gives_a_german_message_not_a_traceback(tmp_path: Path) -> None:
    with dashboard_env(tmp_path, database_url="postgresql+psycopg://nobody@127.0.0.1:1/nothing"):
        at = AppTest.from_file(str(APP), default_timeout=30).run()
    assert not at.exception
    assert [e.value for e in at.error] == [
        "Die Datenbank ist nicht erreichbar. Bitte DATABASE_URL prüfen und das Dashboard neu starten."
    ]


def test_inkasso_dashboard_serves_the_app_and_refuses_a_bad_port(fresh_dash: Dash, tmp_path: Path) -> None:
    inkasso = str(Path(sys.executable).parent / "inkasso")
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "PYTHONPATH": str(APP.parents[1]),  # this checkout's code, whatever the script was installed from
        "DATABASE_URL": fresh_dash.app.settings.database_url,
        "DATA_DIR": str(tmp_path),
    }
    bad = subprocess.run(
        [inkasso, "dashboard", "--port", "70000"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert bad.returncode == 2 and "Port 70000 ist ungültig" in bad.stderr
    port = free_port()
    proc = subprocess.Popen(
        [inkasso, "dashboard", "--port", str(port)], env=env, cwd=tmp_path,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 40
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/_stcore/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        page = httpx.get(f"http://127.0.0.1:{port}/", timeout=5)
        assert page.status_code == 200 and "<html" in page.text.lower()
    finally:
        proc.terminate()  # the command became Streamlit itself (exec), so this ends the server
        proc.wait(15)
    assert proc.returncode is not None
