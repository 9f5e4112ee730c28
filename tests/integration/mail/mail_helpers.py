"""Helpers for the mail door's integration tests: an app on the test peers, corpus mails, mailbox views."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path

import pytest
from sqlmodel import col, select

from core.bootstrap import App
from core.db.models import MailRecord, Notification, OnboardingEvent
from core.domain.onboarding import OnboardingState
from core.services.setup import onboarding
from tests.factories import add_practice, make_app
from tests.peers.mailserver import PRACTICE_EMAIL, Dovecot, SmtpServer, mail_settings_for

CORPUS = Path(__file__).parents[2] / "mail_corpus"
DONE = "Praxis-Inkasso"


def corpus(name: str) -> bytes:
    return (CORPUS / f"{name}.eml").read_bytes()


_OPEN: list[App] = []


@pytest.fixture(autouse=True)
def close_mail_apps() -> Iterator[None]:
    """Dispose every app `mail_app` built (open PostgreSQL connections would warn later)."""
    yield
    while _OPEN:
        _OPEN.pop().close()


def mail_app(
    database_url: str,
    data_dir: Path,
    dovecot: Dovecot,
    smtp: SmtpServer | None = None,
    *,
    state: OnboardingState = OnboardingState.REQUESTED,
    **settings: object,
) -> App:
    app = make_app(database_url, data_dir, **{**mail_settings_for(dovecot, smtp), **settings})
    _OPEN.append(app)
    add_practice(app, email=PRACTICE_EMAIL, onboarding_state=state)
    return app


def state(app: App) -> OnboardingState:
    return onboarding.status(app.uow(), practice_id=app.practice_id).state


def records(app: App, direction: str = "in", *, duplicates: bool = False) -> list[MailRecord]:
    """Mail records, oldest first; copies recognised as duplicates only with `duplicates`."""
    with app.uow() as uow:
        query = select(MailRecord).where(MailRecord.direction == direction)
        if not duplicates:
            query = query.where(MailRecord.kind != "duplicate")
        return list(uow.session.exec(query.order_by(col(MailRecord.id))).all())


def notes(app: App) -> list[str]:
    with app.uow() as uow:
        return [n.text for n in uow.session.exec(select(Notification).order_by(col(Notification.id))).all()]


def events(app: App) -> list[OnboardingEvent]:
    return onboarding.status(app.uow(), practice_id=app.practice_id).events


def folder_view(dovecot: Dovecot, folder: str = "INBOX") -> list[tuple[str, tuple[str, ...]]]:
    """(subject, flags) of every message in `folder`, read without marking anything."""
    try:
        return [(m.subject, tuple(m.flags)) for m in dovecot.messages(folder=folder)]
    except Exception:  # the done folder does not exist before the first handled mail
        if folder == "INBOX":
            raise
        return []


def plain_mail(
    *, frm: str, subject: str, body: str = "Hallo", to: str = PRACTICE_EMAIL, message_id: bool = True
) -> bytes:
    msg = EmailMessage()
    msg["From"] = frm
    msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = format_datetime(datetime(2026, 11, 2, 9, 0, tzinfo=UTC))
    if message_id:
        msg["Message-ID"] = make_msgid(domain="example.test")
    msg.set_content(body)
    return msg.as_bytes()


def with_auth(raw: bytes, domain: str, verdict: str = "pass", authserv: str = "mx.praxis.test") -> bytes:
    """Prepend the receiving server's Authentication-Results, as the MX would."""
    header = (
        f"Authentication-Results: {authserv}; dkim={verdict} header.d={domain};"
        f" spf={verdict} smtp.mailfrom={domain}; dmarc={verdict} header.from={domain}\r\n"
    )
    return header.encode() + raw
