"""Dashboard logins (core/services/people/logins.py): every refusal looks and costs the same."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from sqlalchemy import update
from sqlmodel import col, select

from core.bootstrap import App
from core.db.models import AuditEvent, User
from core.domain.dates import utcnow
from core.domain.errors import NotAllowed
from core.services.people import logins
from tests.factories import add_user

RIGHT = "richtig-langes-passwort"


class Recorder:
    """Counts argon2 verifies and the pauses after refusals (no wall time measured)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.verifies = 0
        self.pauses: list[float] = []
        real = logins.verify

        def counting_verify(password_hash: str, password: str) -> bool:
            self.verifies += 1
            return real(password_hash, password)

        monkeypatch.setattr(logins, "verify", counting_verify)
        monkeypatch.setattr(logins.time, "sleep", self.pauses.append)

    def refusal(self, app: App, name: str, password: str) -> tuple[str, int, list[float]]:
        """The message, the number of verifies and the pauses of one refused login."""
        self.verifies, self.pauses[:] = 0, []
        with pytest.raises(NotAllowed) as refused:
            logins.login(app.uow(), practice_id=app.practice_id, login=name, password=password)
        return refused.value.user_message, self.verifies, list(self.pauses)


def _fail(app: App, name: str, times: int) -> None:
    for _ in range(times):
        with pytest.raises(NotAllowed):
            logins.login(app.uow(), practice_id=app.practice_id, login=name, password="falsch", sleep=False)


def _failures(app: App, name: str) -> int:
    with app.uow() as uow:
        return uow.session.exec(select(User.failed_logins).where(User.login == name)).one()


def test_a_wrong_password_an_unknown_name_and_a_locked_out_right_password_look_the_same(
    sqlite_app: App, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = sqlite_app
    add_user(app, login="empfang", password=RIGHT)
    add_user(app, login="labor", password=RIGHT)
    _fail(app, "labor", logins.LOCK_AFTER)
    recorder = Recorder(monkeypatch)
    wrong = recorder.refusal(app, "empfang", "falsch")
    unknown = recorder.refusal(app, "niemand", RIGHT)
    locked_out = recorder.refusal(app, "labor", RIGHT)
    assert wrong == unknown == locked_out == (logins.BAD_LOGIN, 1, [logins.FAILURE_DELAY])


def test_the_lock_out_is_checked_before_the_password_and_ends_after_its_time(sqlite_app: App) -> None:
    app = sqlite_app
    add_user(app, login="empfang", password=RIGHT)
    _fail(app, "empfang", logins.LOCK_AFTER)
    with pytest.raises(NotAllowed):
        logins.login(app.uow(), practice_id=app.practice_id, login="empfang", password=RIGHT, sleep=False)
    # The refused right password counts as a failure too, like any other refusal.
    assert _failures(app, "empfang") == logins.LOCK_AFTER + 1
    with app.uow() as uow:
        earlier = utcnow() - timedelta(seconds=logins.LOCK_SECONDS + 1)
        back_dated = update(User).where(col(User.login) == "empfang").values(last_failed_login=earlier)
        uow.session.execute(back_dated)
        uow.commit()
    actor = logins.login(app.uow(), practice_id=app.practice_id, login="empfang", password=RIGHT)
    assert actor.label == "dashboard:empfang"
    assert _failures(app, "empfang") == 0


def test_forty_failures_in_parallel_count_forty(app: App) -> None:
    add_user(app, login="empfang", password=RIGHT)

    def attempt(_: int) -> bool:
        try:
            logins.login(app.uow(), practice_id=app.practice_id, login="empfang", password="x", sleep=False)
        except NotAllowed:
            return False
        return True

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(attempt, range(40)))
    assert results == [False] * 40
    assert _failures(app, "empfang") == 40
    with app.uow() as uow:
        failed = uow.session.exec(select(AuditEvent).where(AuditEvent.action == "login.failed")).all()
    assert len(failed) == 40


def test_a_failure_with_an_unknown_name_is_audited_without_the_name(sqlite_app: App) -> None:
    with pytest.raises(NotAllowed):
        logins.login(
            sqlite_app.uow(), practice_id=sqlite_app.practice_id, login="geheim-passwort-123", password="x",
            sleep=False,
        )  # fmt: skip
    with sqlite_app.uow() as uow:
        event = uow.session.exec(select(AuditEvent).where(AuditEvent.action == "login.failed")).one()
    assert event.actor == "dashboard:(unbekannter Name)" and "geheim" not in str(event.details)
