"""Patients and their invoices, as imported from the practice software."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlmodel import Column, Field, Index, SQLModel, UniqueConstraint

from core.db.types import Cents, UTCDateTime
from core.domain.claims import open_amount
from core.domain.dates import utcnow

__all__ = ["Invoice", "InvoiceRecipient", "Patient"]


class Patient(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("practice_id", "patient_key"),)
    id: int | None = Field(default=None, primary_key=True)
    practice_id: int = Field(foreign_key="practice.id", index=True)
    patient_key: str  # normalised name + birth date + address: how re-imports find the patient
    salutation: str = ""
    first_name: str
    last_name: str
    company: str = ""
    street: str
    zip: str
    city: str
    country: str = "DE"
    birth_date: date | None = None
    email: str = ""
    phone: str = ""


class Invoice(SQLModel, table=True):
    __table_args__ = (
        UniqueConstraint("practice_id", "number"),
        # Covering: the overdue count and page filter on the open amount without reading rows.
        Index(
            "ix_invoice_overdue",
            *("practice_id", "status", "due_date", "amount", "paid_before", "paid_direct", "id"),
        ),
    )
    id: int | None = Field(default=None, primary_key=True)
    practice_id: int = Field(foreign_key="practice.id", index=True)
    patient_id: int = Field(foreign_key="patient.id", index=True)
    number: str
    invoice_date: date
    due_date: date
    amount: Decimal = Field(sa_column=Column(Cents, nullable=False))
    paid_before: Decimal = Field(default=Decimal("0"), sa_column=Column(Cents, nullable=False))
    paid_direct: Decimal = Field(default=Decimal("0"), sa_column=Column(Cents, nullable=False))
    # Health data: for the practice's own view only; never leaves the practice.
    service_text: str = ""
    reminder_date: date | None = None
    handover_announced: bool = False
    # The consent to pass data on lives in `Consent` (an imported „Einwilligung am“ included).
    # offen | teilbezahlt | bezahlt | im Inkasso | vollständig | uneinbringlich
    status: str = Field(default="offen")
    row_hash: str = ""  # of the imported row: a re-import of the same row changes nothing
    updated_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))

    @property
    def open_amount(self) -> Decimal:
        """Never below zero (core.domain.claims.open_amount)."""
        return open_amount(amount=self.amount, paid=self.paid_before + self.paid_direct)


class InvoiceRecipient(SQLModel, table=True):
    """The invoice's addressee when it is not the patient (a parent, a guardian, a company).

    When there is one, it is the debtor: the claim carries its data and none of the patient's.
    """

    __table_args__ = (UniqueConstraint("invoice_id"),)
    id: int | None = Field(default=None, primary_key=True)
    practice_id: int = Field(foreign_key="practice.id", index=True)
    invoice_id: int = Field(foreign_key="invoice.id")
    salutation: str = ""
    first_name: str = ""
    last_name: str = ""
    company: str = ""
    street: str
    zip: str
    city: str
    country: str = "DE"
    birth_date: date | None = None
    email: str = ""
    phone: str = ""
