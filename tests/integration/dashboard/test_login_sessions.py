"""Dashboard logins kept across reloads: a signed token naming a login row that a logout ends."""

from __future__ import annotations

import stat
from datetime import timedelta
from pathlib import Path

import pytest

from core.bootstrap import App
from core.domain.dates import utcnow
from core.services.people import users
from core.services.people.session_secret import SECRET_FILE
from core.services.people.sessions import end_logins, resume_login, start_login
from tests.factories import add_user, make_app

PASSWORD = "richtig-langes-passwort"


@pytest.fixture
def app(tmp_path: Path) -> App:
    app = make_app(f"sqlite:///{tmp_path / 's.db'}", tmp_path)
    add_user(app, role="manager", login="mia", password=PASSWORD, name="Mia")
    add_user(app, role="staff", login="anna", password=PASSWORD, name="Anna")
    return app


def _login(app: App, name: str) -> str:
    actor = users.login(app.uow(), practice_id=app.practice_id, login=name, password=PASSWORD)
    return start_login(app.uow(), practice_id=app.practice_id, actor=actor)


def test_a_token_resumes_the_login_and_never_carries_the_password(app: App) -> None:
    token = _login(app, "mia")
    actor = resume_login(app.uow(), practice_id=app.practice_id, token=token)
    assert actor is not None and actor.label == "dashboard:mia"
    assert PASSWORD not in token and "mia" not in token


def test_a_forged_or_altered_token_is_refused(app: App) -> None:
    token = _login(app, "mia")
    altered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    assert resume_login(app.uow(), practice_id=app.practice_id, token=altered) is None
    assert resume_login(app.uow(), practice_id=app.practice_id, token="irgendwas") is None


def test_logging_out_ends_every_login_of_that_user_but_not_of_others(app: App) -> None:
    first, second, other = _login(app, "mia"), _login(app, "mia"), _login(app, "anna")
    actor = resume_login(app.uow(), practice_id=app.practice_id, token=first)
    assert actor is not None and actor.user_id is not None
    assert end_logins(app.uow(), practice_id=app.practice_id, user_id=actor.user_id) == 2
    assert resume_login(app.uow(), practice_id=app.practice_id, token=first) is None
    assert resume_login(app.uow(), practice_id=app.practice_id, token=second) is None
    assert resume_login(app.uow(), practice_id=app.practice_id, token=other) is not None


def test_a_login_idle_longer_than_the_timeout_ends_and_stays_ended(app: App) -> None:
    token = _login(app, "mia")
    later = utcnow() + timedelta(minutes=app.settings.session_timeout_minutes + 1)
    assert resume_login(app.uow(), practice_id=app.practice_id, token=token, now=later) is None
    assert resume_login(app.uow(), practice_id=app.practice_id, token=token) is None


def test_a_login_in_use_stays_alive_past_the_idle_timeout(app: App) -> None:
    token = _login(app, "mia")
    step = timedelta(minutes=app.settings.session_timeout_minutes - 1)
    for n in (1, 2, 3):
        assert resume_login(app.uow(), practice_id=app.practice_id, token=token, now=utcnow() + n * step)


def test_the_secret_is_generated_once_into_the_data_folder_readable_by_the_owner_only(
    app: App, tmp_path: Path
) -> None:
    token = _login(app, "mia")
    key = tmp_path / SECRET_FILE
    assert stat.S_IMODE(key.stat().st_mode) == 0o600 and len(key.read_text()) >= 40
    again = make_app(app.settings.database_url, tmp_path)  # another dashboard process, same folder
    assert resume_login(again.uow(), practice_id=app.practice_id, token=token) is not None
    other = make_app(app.settings.database_url, tmp_path, session_secret="ein-anderer-geheimer-schluessel")
    assert resume_login(other.uow(), practice_id=app.practice_id, token=token) is None
