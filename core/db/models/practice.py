"""The practice, its users and the onboarding timeline."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlmodel import Column, Field, SQLModel, UniqueConstraint

from core.db.types import Cents, UTCDateTime
from core.domain.dates import utcnow

__all__ = ["OnboardingEvent", "Practice", "User"]


class Practice(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str
    street: str = ""
    zip: str = ""
    city: str = ""
    email: str = ""
    phone: str = ""
    tax_number: str = ""  # Steuernummer or USt-IdNr, as validated by core.services.setup.practice_fields
    iban: str = ""  # compact form (no spaces); shown grouped
    onboarding_state: str = "nicht angefragt"
    contract_start: date | None = None
    case_fee: Decimal = Field(default=Decimal("2.50"), sa_column=Column(Cents, nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))


class User(SQLModel, table=True):
    """Someone who may act: by Telegram id, by mail address, or by dashboard login."""

    __table_args__ = (
        UniqueConstraint("practice_id", "telegram_id"),
        UniqueConstraint("practice_id", "email"),
        UniqueConstraint("practice_id", "login"),
    )
    id: int | None = Field(default=None, primary_key=True)
    practice_id: int = Field(foreign_key="practice.id", index=True)
    role: str  # staff | manager
    name: str = ""
    telegram_id: int | None = Field(default=None, index=True)
    email: str | None = Field(default=None, index=True)
    login: str | None = None
    password_hash: str | None = None
    failed_logins: int = 0
    last_failed_login: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))


class OnboardingEvent(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    practice_id: int = Field(foreign_key="practice.id", index=True)
    from_state: str
    to_state: str
    action: str
    actor: str
    via: str  # cli | chat | mail | dashboard | demo
    evidence: str = ""  # e.g. the Message-ID of the mail that triggered it
    note: str = ""
    at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))
