"""What the mail door has read and sent: records that make every mail count once, and the cursor.

Plain data in, plain data out; the IMAP and SMTP code lives in `mail/`. A mail is acted on once:
it is claimed (a MailRecord with outcome `processing`), acted on, then finished with its outcome.
Outgoing mails have their own module, outgoing_records.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from core.db.engine import UnitOfWork
from core.db.models import MailCursor, MailRecord
from core.domain.dates import utcnow

__all__ = [
    "PROCESSING",
    "MailSeen",
    "advance_cursor",
    "claim",
    "cursor",
    "find",
    "finish",
    "drop_raw",
    "raw_of",
    "release",
]

PROCESSING = "processing"


@dataclass(frozen=True)
class MailSeen:
    """A recorded mail, without its raw bytes."""

    message_key: str
    direction: str
    kind: str
    outcome: str
    at: datetime  # claimed, then finished at
    folder: str = ""
    uidvalidity: int | None = None
    uid: int | None = None

    @property
    def in_progress(self) -> bool:
        return self.outcome == PROCESSING

    @property
    def failed(self) -> bool:
        return self.outcome.startswith("failed")


def _seen(record: MailRecord) -> MailSeen:
    return MailSeen(
        record.message_key,
        record.direction,
        record.kind,
        record.outcome,
        record.at,
        record.folder,
        record.uidvalidity,
        record.uid,
    )


def cursor(uow: UnitOfWork, *, practice_id: int, folder: str, uidvalidity: int) -> int:
    """The highest UID already handled in `folder` under this UIDVALIDITY (0: nothing yet)."""
    with uow:
        found = uow.session.exec(
            select(MailCursor.last_uid).where(
                MailCursor.practice_id == practice_id,
                MailCursor.folder == folder,
                MailCursor.uidvalidity == uidvalidity,
            )
        ).first()
        return int(found or 0)


def advance_cursor(
    uow: UnitOfWork, *, practice_id: int, folder: str, uidvalidity: int, last_uid: int
) -> None:
    """Move the cursor forward to `last_uid` (never backwards; safe with several workers)."""
    where = (
        col(MailCursor.practice_id) == practice_id,
        col(MailCursor.folder) == folder,
        col(MailCursor.uidvalidity) == uidvalidity,
    )
    for attempt in range(2):
        with uow:
            moved = (
                uow.session.connection()
                .execute(
                    update(MailCursor)
                    .where(*where, col(MailCursor.last_uid) < last_uid)
                    .values(last_uid=last_uid, updated_at=utcnow())
                )
                .rowcount
            )
            if moved or uow.session.exec(select(MailCursor.id).where(*where)).first() is not None:
                uow.commit()
                return
            uow.session.add(
                MailCursor(practice_id=practice_id, folder=folder, uidvalidity=uidvalidity, last_uid=last_uid)
            )
            try:
                uow.commit()
                return
            except IntegrityError:
                if attempt:
                    raise
                continue  # another worker created it first: update that row instead


def find(uow: UnitOfWork, *, practice_id: int, message_key: str) -> MailSeen | None:
    with uow:
        record = uow.session.exec(
            select(MailRecord).where(
                MailRecord.practice_id == practice_id, MailRecord.message_key == message_key
            )
        ).first()
        return _seen(record) if record else None


def raw_of(uow: UnitOfWork, *, practice_id: int, message_key: str) -> bytes | None:
    """The raw bytes kept for a recorded mail."""
    with uow:
        raw = uow.session.exec(
            select(MailRecord.raw).where(
                MailRecord.practice_id == practice_id, MailRecord.message_key == message_key
            )
        ).first()
        return bytes(raw) if raw is not None else None


def claim(
    uow: UnitOfWork,
    *,
    practice_id: int,
    message_key: str,
    raw: bytes,
    kind: str,
    sender: str = "",
    subject: str = "",
    folder: str = "",
    uidvalidity: int | None = None,
    uid: int | None = None,
) -> bool:
    """Record an incoming mail as being processed; False if it is on record already (no double work)."""
    with uow:
        uow.session.add(
            MailRecord(
                practice_id=practice_id,
                message_key=message_key,
                folder=folder,
                uidvalidity=uidvalidity,
                uid=uid,
                direction="in",
                sender=sender[:320],
                subject=subject[:500],
                kind=kind,
                outcome=PROCESSING,
                raw=raw,
            )
        )
        try:
            uow.commit()
        except IntegrityError:
            uow.session.rollback()
            if find(uow.fresh(), practice_id=practice_id, message_key=message_key) is None:
                raise  # not a second claim but something else (e.g. no such practice)
            return False
        return True


def release(uow: UnitOfWork, *, practice_id: int, message_key: str) -> None:
    """Drop a claim whose action did not happen, so the mail is taken up again later."""
    with uow:
        uow.session.connection().execute(
            delete(MailRecord).where(
                col(MailRecord.practice_id) == practice_id,
                col(MailRecord.message_key) == message_key,
                col(MailRecord.outcome) == PROCESSING,
            )
        )
        uow.commit()


def finish(uow: UnitOfWork, *, practice_id: int, message_key: str, outcome: str) -> None:
    """Set the outcome of a claimed mail (e.g. `done: …`, `failed: …`)."""
    with uow:
        uow.session.connection().execute(
            update(MailRecord)
            .where(col(MailRecord.practice_id) == practice_id, col(MailRecord.message_key) == message_key)
            .values(outcome=outcome[:1000], at=utcnow())
        )
        uow.commit()


def drop_raw(uow: UnitOfWork, *, practice_id: int, message_key: str) -> None:
    """Forget a recorded mail's bytes (a mail that is not ours to keep); its record stays."""
    with uow:
        uow.session.connection().execute(
            update(MailRecord)
            .where(col(MailRecord.practice_id) == practice_id, col(MailRecord.message_key) == message_key)
            .values(raw=b"")
        )
        uow.commit()
