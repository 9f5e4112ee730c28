"""Collection: claims handed to 1159 Finance, payments, fees, and the sync cursors."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlmodel import Column, Field, SQLModel, UniqueConstraint

from core.db.types import Cents, StateText, UTCDateTime
from core.domain.claim_lifecycle import ClaimDelivery, PaymentDelivery
from core.domain.dates import utcnow

__all__ = ["Claim", "Fee", "Payment", "SyncCursor"]


class Claim(SQLModel, table=True):
    """One invoice handed over (or queued to be); mirrors the agency's case once known."""

    __table_args__ = (
        UniqueConstraint("practice_id", "invoice_id"),
        UniqueConstraint("practice_id", "case_id"),
    )
    id: int | None = Field(default=None, primary_key=True)
    practice_id: int = Field(foreign_key="practice.id", index=True)
    invoice_id: int = Field(foreign_key="invoice.id", index=True)
    reference: str  # the invoice number: the idempotency key at 1159 Finance
    # Moved only by claim_lifecycle.advance; stored as the plain value ("queued", …).
    delivery: ClaimDelivery = Field(
        default=ClaimDelivery.QUEUED, sa_column=Column(StateText(ClaimDelivery), nullable=False)
    )
    failure_reason: str = ""
    legal_basis: str
    legal_basis_date: date
    principal: Decimal = Field(sa_column=Column(Cents, nullable=False))
    case_fee: Decimal = Field(default=Decimal("0"), sa_column=Column(Cents, nullable=False))
    case_id: int | None = None
    debtor_id: int | None = None
    agency_status: str = ""  # the agency's case status (received, in_collection, …)
    interest: Decimal = Field(default=Decimal("0"), sa_column=Column(Cents, nullable=False))
    fees_total: Decimal = Field(default=Decimal("0"), sa_column=Column(Cents, nullable=False))
    paid_to_agency: Decimal = Field(default=Decimal("0"), sa_column=Column(Cents, nullable=False))
    paid_to_creditor: Decimal = Field(default=Decimal("0"), sa_column=Column(Cents, nullable=False))
    outstanding: Decimal | None = Field(default=None, sa_column=Column(Cents))
    created_by: str
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))
    submitted_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    agency_updated_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    status_as_of: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    closed_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))


class Payment(SQLModel, table=True):
    """Money on an invoice: received by the practice (reported on) or by the agency (synced)."""

    __table_args__ = (UniqueConstraint("practice_id", "source", "reference"),)
    id: int | None = Field(default=None, primary_key=True)
    practice_id: int = Field(foreign_key="practice.id", index=True)
    invoice_id: int = Field(foreign_key="invoice.id", index=True)
    claim_id: int | None = Field(default=None, foreign_key="claim.id", index=True)
    source: str  # practice | agency
    amount: Decimal = Field(sa_column=Column(Cents, nullable=False))
    paid_on: date = Field(index=True)
    # practice: our own id, sent as the idempotent reference; agency: their payment_id
    reference: str
    remote_id: int | None = None
    # practice payments only (agency payments: none); moved only by claim_lifecycle.advance
    delivery: PaymentDelivery = Field(
        default=PaymentDelivery.NONE, sa_column=Column(StateText(PaymentDelivery), nullable=False)
    )
    failure_reason: str = ""
    recorded_by: str = ""
    # Where the product learned of a practice payment: chat | mail | dashboard | cli |
    # praxissoftware | bank (agency payments: empty); what shows it; who confirmed it.
    origin: str = ""
    evidence: str = ""
    confirmed_by: str = ""
    # The practice export's "Bezahlt" already contains it: a later increase there is this payment.
    in_export: bool = False
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))


class Fee(SQLModel, table=True):
    """A fee 1159 Finance charged the debtor, as the agency reports it."""

    __table_args__ = (UniqueConstraint("claim_id", "type", "charged_on", "seq"),)
    id: int | None = Field(default=None, primary_key=True)
    practice_id: int = Field(foreign_key="practice.id", index=True)
    claim_id: int = Field(foreign_key="claim.id", index=True)
    type: str  # collection_fee | expenses | reminder_fee | interest
    amount: Decimal = Field(sa_column=Column(Cents, nullable=False))
    charged_on: date = Field(index=True)
    seq: int = 0  # distinguishes two fees of one type on one day


class SyncCursor(SQLModel, table=True):
    """How far the incremental pull from 1159 Finance has got."""

    __table_args__ = (UniqueConstraint("practice_id", "stream"),)
    id: int | None = Field(default=None, primary_key=True)
    practice_id: int = Field(foreign_key="practice.id")
    stream: str  # cases | payments
    position: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
