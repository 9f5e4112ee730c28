"""Second steps: a button or a mail code bound to one user, one action, one invoice, ten minutes, one use."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import update
from sqlmodel import col, select

from core.db.engine import UnitOfWork
from core.db.models import Confirmation
from core.domain.dates import utcnow
from core.domain.errors import NotAllowed, PreconditionFailed
from core.services.people import audit
from core.services.people.access import Actor

__all__ = ["LIFETIME", "MAIL_LIFETIME", "Pending", "cancel", "consume", "issue", "lifetime_for", "minutes"]

LIFETIME = timedelta(minutes=10)
# A code that travels by mail needs a reply written and sent; a chat button does not.
MAIL_LIFETIME = timedelta(minutes=60)
_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: codes are typed back from mails


@dataclass(frozen=True)
class Pending:
    token: str
    action: str
    subject: str


def issue(uow: UnitOfWork, *, practice_id: int, actor: Actor, action: str, subject: str) -> str:
    """A fresh, unguessable token for `action` on `subject`, usable once by `actor` only."""
    if actor.user_id is None:
        raise NotAllowed("Bestätigungen brauchen einen freigeschalteten Benutzer.")
    token = "".join(secrets.choice(_ALPHABET) for _ in range(10))
    with uow:
        uow.session.add(
            Confirmation(
                practice_id=practice_id,
                token=token,
                user_id=actor.user_id,
                action=action,
                subject=subject,
                expires_at=utcnow() + lifetime_for(actor),
            )
        )
        uow.commit()
    return token


def minutes(span: timedelta) -> int:
    return int(span.total_seconds() // 60)


def lifetime_for(actor: Actor) -> timedelta:
    return MAIL_LIFETIME if actor.label.startswith("mail:") else LIFETIME


def consume(
    uow: UnitOfWork,
    *,
    practice_id: int,
    actor: Actor,
    token: str,
    action: str | None = None,
    subject: str | None = None,
) -> Pending:
    """Use a token once: unknown, foreign, expired or used tokens are refused and change nothing.

    With `subject` (e.g. the invoice number typed beside a mail code), a token for another
    subject is refused too, and stays usable for its own."""
    token = token.strip().upper()
    now = utcnow()
    with uow:
        row = uow.session.exec(
            select(Confirmation).where(Confirmation.practice_id == practice_id, Confirmation.token == token)
        ).first()
        if row is None or row.user_id != actor.user_id or (action is not None and row.action != action):
            raise NotAllowed("Diese Bestätigung ist ungültig. Bitte den Befehl neu senden.", "unknown token")
        if subject is not None and row.subject != subject:
            raise NotAllowed(
                f"Dieser Code gehört nicht zu {subject[:40]}. Bitte Code und Rechnungsnummer prüfen.",
                "token for another subject",
            )
        if row.used_at is not None:
            raise PreconditionFailed(
                "Diese Bestätigung wurde schon verwendet – es wurde nichts doppelt ausgeführt."
            )
        if row.expires_at < now:
            raise PreconditionFailed("Diese Bestätigung ist abgelaufen. Bitte den Befehl neu senden.")
        # Conditional update: two presses at the same moment, only one wins.
        won = (
            uow.session.connection()
            .execute(
                update(Confirmation)
                .where(col(Confirmation.id) == row.id, col(Confirmation.used_at).is_(None))
                .values(used_at=now)
            )
            .rowcount
        )
        if won != 1:
            raise PreconditionFailed(
                "Diese Bestätigung wurde schon verwendet – es wurde nichts doppelt ausgeführt."
            )
        uow.commit()
        return Pending(row.token, row.action, row.subject)


def cancel(
    uow: UnitOfWork, *, practice_id: int, actor: Actor, token: str, subject: str | None = None
) -> Pending:
    """Abbrechen: uses the token up without acting; the cancellation is audited."""
    pending = consume(uow.fresh(), practice_id=practice_id, actor=actor, token=token, subject=subject)
    with uow:
        audit.record(
            uow.session,
            practice_id=practice_id,
            actor=actor,
            action=f"{pending.action}.cancel",
            subject=f"invoice:{pending.subject}",
        )
        uow.commit()
    return pending
