"""Bookings read from the practice's bank statements, each kept once per practice."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlmodel import JSON, Column, Field, SQLModel, Text, UniqueConstraint

from core.db.types import Cents, UTCDateTime
from core.domain.dates import utcnow

__all__ = ["BankTransaction"]


class BankTransaction(SQLModel, table=True):
    """A credit on the practice's account: a patient's payment, a payout of 1159 Finance, or a
    booking in a foreign currency kept aside. Debits are not kept (they are no income)."""

    __table_args__ = (UniqueConstraint("practice_id", "key"),)
    id: int | None = Field(default=None, primary_key=True)
    practice_id: int = Field(foreign_key="practice.id", index=True)
    key: str  # core.domain.bank.transaction_key: bank reference or fingerprint
    kind: str  # payment | payout | foreign_currency
    account: str = ""
    booked_on: date = Field(index=True)
    value_on: date | None = None
    amount: Decimal = Field(sa_column=Column(Cents, nullable=False))
    currency: str = "EUR"
    payer: str = ""
    iban: str = ""
    remittance: str = Field(default="", sa_column=Column(Text, nullable=False))
    bank_reference: str = ""
    end_to_end_id: str = ""
    source_format: str = ""  # camt.053 | MT940 | …
    # what the import recognised: [{"invoice_id", "number", "amount", "confidence", "reason"}]
    matches: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    imported_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))
