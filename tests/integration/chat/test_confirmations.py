"""Second steps: bound to one user, used once, and living as long as their channel needs."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlmodel import select

from core.db.models import Confirmation
from core.domain.errors import NotAllowed, PreconditionFailed
from core.services.people import confirmations
from core.services.people.access import actor_for_email, actor_for_telegram
from tests.factories import add_practice, add_user, make_app


def _expiry(app, token: str):  # type: ignore[no-untyped-def]
    with app.uow() as uow:
        return uow.session.exec(select(Confirmation.expires_at).where(Confirmation.token == token)).one()


def test_a_chat_button_lives_ten_minutes_and_a_mailed_code_an_hour(sqlite_url: str, tmp_path: Path) -> None:
    app = make_app(sqlite_url, tmp_path)
    add_practice(app)
    add_user(app, telegram_id=4711)
    add_user(app, email="anna@example.test")
    chat = actor_for_telegram(app.uow(), practice_id=app.practice_id, telegram_id=4711)
    mail = actor_for_email(app.uow(), practice_id=app.practice_id, email="anna@example.test")
    button = confirmations.issue(
        app.uow(), practice_id=app.practice_id, actor=chat, action="a", subject="R-1"
    )
    code = confirmations.issue(app.uow(), practice_id=app.practice_id, actor=mail, action="a", subject="R-1")
    assert _expiry(app, code) - _expiry(app, button) == pytest.approx(
        timedelta(minutes=50), abs=timedelta(seconds=5)
    )


def test_a_token_works_once_and_only_for_its_user(sqlite_url: str, tmp_path: Path) -> None:
    app = make_app(sqlite_url, tmp_path)
    add_practice(app)
    add_user(app, telegram_id=1)
    add_user(app, telegram_id=2)
    owner = actor_for_telegram(app.uow(), practice_id=app.practice_id, telegram_id=1)
    other = actor_for_telegram(app.uow(), practice_id=app.practice_id, telegram_id=2)
    token = confirmations.issue(
        app.uow(), practice_id=app.practice_id, actor=owner, action="a", subject="R-1"
    )
    with pytest.raises(NotAllowed):
        confirmations.consume(app.uow(), practice_id=app.practice_id, actor=other, token=token)
    assert (
        confirmations.consume(app.uow(), practice_id=app.practice_id, actor=owner, token=token).subject
        == "R-1"
    )
    with pytest.raises(PreconditionFailed, match="schon verwendet"):
        confirmations.consume(app.uow(), practice_id=app.practice_id, actor=owner, token=token)
