"""Payments the product recognised (bank statement, practice export) and a person confirms."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlmodel import Column, Field, SQLModel, UniqueConstraint

from core.db.types import Cents, UTCDateTime
from core.domain.dates import utcnow

__all__ = ["PaymentSuggestion"]


class PaymentSuggestion(SQLModel, table=True):
    """One recognised payment: open until accepted (then a Payment) or rejected."""

    __table_args__ = (UniqueConstraint("practice_id", "transaction_key"),)
    id: int | None = Field(default=None, primary_key=True)
    practice_id: int = Field(foreign_key="practice.id", index=True)
    invoice_id: int = Field(foreign_key="invoice.id", index=True)
    amount: Decimal = Field(sa_column=Column(Cents, nullable=False))
    paid_on: date
    source: str  # bank | praxissoftware
    evidence: str = ""  # what shows it: the bank's reference, the export's line
    reason: str = ""  # why it fits this invoice, in German
    confidence: str = ""  # sicher | wahrscheinlich | unsicher
    payer: str = ""
    # The same transaction suggested twice is stored once.
    transaction_key: str
    # open | accepted | rejected; moved only by a conditional UPDATE from open.
    state: str = Field(default="open", index=True)
    decided_by: str = ""
    decided_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    payment_id: int | None = Field(default=None, foreign_key="payment.id")
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))
