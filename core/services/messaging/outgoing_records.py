"""Outgoing mails on record: kept as `pending` before they are sent, claimed as `sending` by one
worker, and ended `sent`, `pending` (try again later) or `failed: …`. Sending is the Mailer's job."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import or_, update
from sqlmodel import col, select

from core.db.engine import UnitOfWork
from core.db.models import MailRecord
from core.domain.dates import utcnow
from core.services.messaging.mail_records import finish

__all__ = ["PENDING", "SENDING", "claim_outgoing", "finish_outgoing", "pending_outgoing", "record_outgoing"]

PENDING, SENDING = "pending", "sending"


def record_outgoing(
    uow: UnitOfWork, *, practice_id: int, message_id: str, raw: bytes, kind: str, sender: str, subject: str
) -> None:
    """Keep a mail about to be sent, as `pending`; sending it is the `Mailer`'s job (core.smtp.mailer)."""
    with uow:
        uow.session.add(
            MailRecord(
                practice_id=practice_id,
                message_key=message_id,
                direction="out",
                sender=sender[:320],
                subject=subject[:500],
                kind=kind,
                outcome=PENDING,
                raw=raw,
            )
        )
        uow.commit()


def claim_outgoing(uow: UnitOfWork, *, practice_id: int, message_id: str, stale_after: timedelta) -> bool:
    """Take a pending (or long-stuck) outgoing mail for sending; False if another worker has it."""
    with uow:
        won = (
            uow.session.connection()
            .execute(
                update(MailRecord)
                .where(
                    col(MailRecord.practice_id) == practice_id,
                    col(MailRecord.message_key) == message_id,
                    col(MailRecord.direction) == "out",
                    or_(
                        col(MailRecord.outcome) == PENDING,
                        (col(MailRecord.outcome) == SENDING) & (col(MailRecord.at) < utcnow() - stale_after),
                    ),
                )
                .values(outcome=SENDING, at=utcnow())
            )
            .rowcount
        )
        uow.commit()
        return bool(won == 1)


def finish_outgoing(uow: UnitOfWork, *, practice_id: int, message_id: str, outcome: str) -> None:
    """`sent`, `pending` (try again later) or `failed: …`."""
    finish(uow, practice_id=practice_id, message_key=message_id, outcome=outcome)


def pending_outgoing(
    uow: UnitOfWork, *, practice_id: int, stale_after: timedelta, limit: int = 20
) -> list[tuple[str, bytes]]:
    """(Message-ID, raw bytes) of outgoing mails still to send, oldest first."""
    with uow:
        rows = uow.session.exec(
            select(MailRecord.message_key, MailRecord.raw)
            .where(
                MailRecord.practice_id == practice_id,
                MailRecord.direction == "out",
                or_(
                    col(MailRecord.outcome) == PENDING,
                    (col(MailRecord.outcome) == SENDING) & (col(MailRecord.at) < utcnow() - stale_after),
                ),
            )
            .order_by(col(MailRecord.id))
            .limit(limit)
        ).all()
        return [(key, raw) for key, raw in rows]
