"""Lasting problems of the worker with a peer (credentials refused): recorded once per peer, shown
as a banner on every dashboard page and by `inkasso doctor`, told to the practice chat once
(the agency and the mailbox; see TOLD_TO_CHAT).

A problem lasts until the peer accepts the worker again (then it is cleared, and the chat hears
that once too); retries in between only update `last_seen`, so nobody gets a message per retry.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import col, select

from core.db.engine import UnitOfWork
from core.db.models import Notification, Practice, WorkerProblem
from core.domain.dates import utcnow

__all__ = ["Problem", "RESOLVED", "TEXTS", "TOLD_TO_CHAT", "active", "clear", "report"]

AGENCY, MAILBOX, TELEGRAM = "agency", "mailbox", "telegram"
TEXTS = {
    AGENCY: (
        "1159 Finance hat die Anmeldung abgelehnt (403): Forderungen und Zahlungen warten. Bitte "
        "Client-ID und API-Schlüssel prüfen (FINANCE1159_CLIENT_ID, FINANCE1159_API_KEY) und den "
        "Worker neu starten (`inkasso doctor` prüft die Verbindung)."
    ),
    MAILBOX: (
        "Das Postfach lehnt die Anmeldung ab: Mails werden nicht gelesen. Bitte IMAP_USER und "
        "IMAP_PASSWORD prüfen und den Worker neu starten (`inkasso doctor` prüft die Verbindung)."
    ),
    TELEGRAM: (
        "Telegram lehnt den Bot-Token ab: der Bot antwortet nicht. Bitte TELEGRAM_BOT_TOKEN "
        "(von @BotFather) prüfen und den Worker neu starten (`inkasso doctor` prüft die Verbindung)."
    ),
}
RESOLVED = {
    AGENCY: "Wieder in Ordnung: 1159 Finance nimmt die Zugangsdaten an.",
    MAILBOX: "Wieder in Ordnung: das Postfach nimmt die Anmeldung an.",
    TELEGRAM: "Wieder in Ordnung: Telegram nimmt den Bot-Token an.",
}
# Told to the practice chat. Not Telegram refusing the token: the chat is Telegram, so the message
# would only arrive after the fix, next to the one saying it is fixed.
TOLD_TO_CHAT = frozenset({AGENCY, MAILBOX})
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Problem:
    source: str
    text: str
    since: datetime
    last_seen: datetime


def report(uow: UnitOfWork, *, practice_id: int, source: str) -> bool:
    """Record that `source` refuses the worker. True only when this is news: then (and only then)
    the practice chat gets one notification."""
    now = utcnow()
    with uow:
        session = uow.session
        row = session.exec(select(WorkerProblem).where(*_match(practice_id, source))).first()
        if row is not None:
            row.last_seen = now
            uow.commit()
            return False
        session.add(WorkerProblem(practice_id=practice_id, source=source, text=TEXTS[source], since=now))
        _notify(uow, practice_id, source, TEXTS[source])
        try:
            uow.commit()
        except IntegrityError:  # another worker recorded it a moment ago (and told the chat)
            return False
    log.error("lasting problem recorded: %s refuses the worker's credentials", source)
    return True


def clear(uow: UnitOfWork, *, practice_id: int, source: str) -> bool:
    """The peer accepts the worker again: forget the problem; True (and one chat message) if there was one."""
    with uow:
        session = uow.session
        if session.exec(select(WorkerProblem.id).where(*_match(practice_id, source))).first() is None:
            return False  # the usual case: a read, no write lock
        removal = delete(WorkerProblem).where(*_match(practice_id, source))
        gone = session.connection().execute(removal).rowcount
        if gone:
            _notify(uow, practice_id, source, RESOLVED[source])
        uow.commit()
    if gone:
        log.info("lasting problem cleared: %s accepts the worker again", source)
    return bool(gone)


def active(uow: UnitOfWork, *, practice_id: int) -> list[Problem]:
    """The problems to show now, oldest first (the dashboard's banner, `inkasso doctor`)."""
    with uow:
        rows = uow.session.exec(
            select(WorkerProblem)
            .where(WorkerProblem.practice_id == practice_id)
            .order_by(col(WorkerProblem.since), col(WorkerProblem.id))
        ).all()
        return [Problem(r.source, r.text, r.since, r.last_seen) for r in rows]


def _match(practice_id: int, source: str) -> tuple[ColumnElement[bool], ...]:
    return col(WorkerProblem.practice_id) == practice_id, col(WorkerProblem.source) == source


def _notify(uow: UnitOfWork, practice_id: int, source: str, text: str) -> None:
    # A notification belongs to a practice; before one is set up the banner and doctor still show it.
    if source in TOLD_TO_CHAT and uow.session.get(Practice, practice_id) is not None:
        uow.session.add(Notification(practice_id=practice_id, kind="failure", text=text))
