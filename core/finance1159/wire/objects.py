"""The objects on the wire (debtor, claim, case, fee, payment, pages) as typed dataclasses."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Generic, TypeVar

import msgspec

__all__ = [
    "Case",
    "CasesPage",
    "ClaimCreated",
    "ClaimIn",
    "Debtor",
    "DebtorIn",
    "Fee",
    "Page",
    "Payment",
    "PaymentIn",
    "PaymentsPage",
    "Time",
]

T = TypeVar("T")
# The agency's times always carry an offset; one without is not a time we could place.
Time = Annotated[datetime, msgspec.Meta(tz=True)]


@dataclass(frozen=True, kw_only=True, slots=True)
class DebtorIn:
    salutation: str | None = None
    first_name: str | None = None  # first and last name may be left out when company is given
    last_name: str | None = None
    company: str | None = None
    street: str
    zip: str
    city: str
    country: str = "DE"
    birth_date: date | None = None
    email: str | None = None
    phone: str | None = None


@dataclass(frozen=True, kw_only=True, slots=True)
class Debtor(DebtorIn):
    debtor_id: int


@dataclass(frozen=True, kw_only=True, slots=True)
class ClaimIn:
    reference: str
    debtor: DebtorIn
    invoice_date: date
    due_date: date
    reminder_date: date | None = None
    default_date: date | None = None
    principal: Decimal
    reminder_fees: Decimal | None = None
    interest: Decimal | None = None
    subject: str = "Honorarforderung"


@dataclass(frozen=True, kw_only=True, slots=True)
class ClaimCreated:
    case_id: int
    debtor_id: int
    status: str
    already_existed: bool = False


@dataclass(frozen=True, kw_only=True, slots=True)
class Fee:
    type: str
    amount: Decimal
    date: date


@dataclass(frozen=True, kw_only=True, slots=True)
class Case:
    case_id: int
    reference: str
    debtor_id: int
    status: str
    principal: Decimal
    interest: Decimal = Decimal("0")  # left out by the agency when none is charged
    fees: tuple[Fee, ...]
    paid_to_agency: Decimal
    paid_to_creditor: Decimal
    outstanding: Decimal
    created_at: Time
    updated_at: Time
    closed_at: Time | None = None


@dataclass(frozen=True, kw_only=True, slots=True)
class PaymentIn:
    case_id: int
    amount: Decimal
    date: date
    reference: str


@dataclass(frozen=True, kw_only=True, slots=True)
class Payment:
    payment_id: int
    case_id: int
    amount: Decimal
    date: date
    source: str
    reference: str | None = None
    created_at: Time


@dataclass(frozen=True)
class Page(Generic[T]):
    items: tuple[T, ...]
    page: int
    per_page: int
    total: int

    @property
    def is_last(self) -> bool:
        return not self.items or self.page * self.per_page >= self.total


@dataclass(frozen=True, kw_only=True, slots=True)
class CasesPage:
    """The answer to GET /cases, decoded in one pass (see decode_page)."""

    error: bool
    cases: tuple[Case, ...]
    page: int
    per_page: int
    total: int


@dataclass(frozen=True, kw_only=True, slots=True)
class PaymentsPage:
    """The answer to GET /payments."""

    error: bool
    payments: tuple[Payment, ...]
    page: int
    per_page: int
    total: int
