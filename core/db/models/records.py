"""Records of what happened: outbox, audit log, notifications, confirmations, mail, statements."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import JSON, BigInteger, Column, Field, LargeBinary, SQLModel, Text, UniqueConstraint

from core.db.types import UTCDateTime
from core.domain.dates import utcnow

__all__ = [
    "AuditEvent",
    "Confirmation",
    "MailCursor",
    "MailRecord",
    "Notification",
    "OutboxItem",
    "Statement",
]


class OutboxItem(SQLModel, table=True):
    """A write to 1159 Finance that must happen exactly once, in effect."""

    id: int | None = Field(default=None, primary_key=True)
    practice_id: int = Field(foreign_key="practice.id", index=True)
    kind: str  # claim | payment | withdrawal
    subject_id: int  # the claim's or payment's id
    idempotency_key: str = Field(unique=True)
    state: str = Field(default="pending", index=True)  # pending | done | failed
    attempts: int = 0
    next_attempt_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))
    locked_until: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    locked_by: str = ""
    last_error: str = ""
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))
    done_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))


class AuditEvent(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    practice_id: int = Field(foreign_key="practice.id", index=True)
    at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False, index=True))
    actor: str  # e.g. telegram:4711, mail:anna@praxis.de, dashboard:chef, cli, worker
    action: str  # e.g. claim.create, payment.record, onboarding.signed
    subject: str = ""  # e.g. invoice:R-1234
    details: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class Notification(SQLModel, table=True):
    """A message for the practice chat; kept until a door delivered it."""

    id: int | None = Field(default=None, primary_key=True)
    practice_id: int = Field(foreign_key="practice.id", index=True)
    kind: str  # complete | status | onboarding | statement | failure | payment_suggestion
    text: str = Field(sa_column=Column(Text, nullable=False))
    # What a door may offer buttons for: the suggestion of a "payment_suggestion" note.
    subject_id: int | None = None
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))
    delivered_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime, index=True))


class Confirmation(SQLModel, table=True):
    """A pending second step (chat button, mail code): bound to one user, one action, one time."""

    id: int | None = Field(default=None, primary_key=True)
    practice_id: int = Field(foreign_key="practice.id", index=True)
    token: str = Field(unique=True)
    user_id: int = Field(foreign_key="user.id")
    action: str  # claim.create | claim.withdraw
    subject: str  # the invoice number
    expires_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    used_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))


class MailRecord(SQLModel, table=True):
    """Every mail the intake acted on (or refused), with its raw bytes: acted on once."""

    __table_args__ = (UniqueConstraint("practice_id", "message_key"),)
    id: int | None = Field(default=None, primary_key=True)
    practice_id: int = Field(foreign_key="practice.id", index=True)
    message_key: str  # Message-ID, or a hash of the raw bytes when it has none
    folder: str = ""
    # IMAP UIDVALIDITY and UID are unsigned 32-bit numbers: too big for a signed INTEGER.
    uidvalidity: int | None = Field(default=None, sa_column=Column(BigInteger))
    uid: int | None = Field(default=None, sa_column=Column(BigInteger))
    direction: str = "in"  # in | out
    sender: str = ""
    subject: str = ""
    kind: str = ""
    outcome: str = ""
    raw: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))


class MailCursor(SQLModel, table=True):
    """How far the intake has read a mailbox folder: the highest UID handled per UIDVALIDITY."""

    __table_args__ = (UniqueConstraint("practice_id", "folder", "uidvalidity"),)
    id: int | None = Field(default=None, primary_key=True)
    practice_id: int = Field(foreign_key="practice.id", index=True)
    folder: str
    uidvalidity: int = Field(sa_column=Column(BigInteger, nullable=False))
    last_uid: int = Field(default=0, sa_column=Column(BigInteger, nullable=False))
    updated_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))


class Statement(SQLModel, table=True):
    """A monthly statement from 1159 Finance, its attachments kept as they came."""

    __table_args__ = (UniqueConstraint("practice_id", "month", "message_key"),)
    id: int | None = Field(default=None, primary_key=True)
    practice_id: int = Field(foreign_key="practice.id", index=True)
    month: str = Field(index=True)  # YYYY-MM
    message_key: str
    received_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))
    csv_name: str = ""
    csv_data: bytes | None = Field(default=None, sa_column=Column(LargeBinary))
    pdf_name: str = ""
    pdf_data: bytes | None = Field(default=None, sa_column=Column(LargeBinary))
    pdf_text: str = Field(default="", sa_column=Column(Text, nullable=False))
    rows: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    parse_error: str = ""
    reconciliation: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
