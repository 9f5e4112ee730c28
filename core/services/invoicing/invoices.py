"""Invoices: overdue listing with ageing, and looking one up by its number."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import ColumnElement, case, type_coerce
from sqlmodel import Session, col, func, select

from core.db.engine import UnitOfWork
from core.db.models import Invoice, Patient
from core.db.types import Cents
from core.domain.claims import InvoiceStatus
from core.domain.dates import AgeBucket, age_bucket, days_overdue, today
from core.domain.errors import InvalidInput, NotFound
from core.domain.money import clean_text

OPEN_STATES = (InvoiceStatus.OPEN, InvoiceStatus.PARTLY_PAID)
OPEN_AMOUNT = type_coerce(col(Invoice.amount) - col(Invoice.paid_before) - col(Invoice.paid_direct), Cents)


@dataclass(frozen=True)
class OverdueItem:
    number: str
    patient: str
    due_date: date
    days_overdue: int
    bucket: AgeBucket
    open_amount: Decimal
    reminder_date: date | None
    handover_announced: bool
    consent_date: date | None

    @property
    def has_legal_basis(self) -> bool:
        reminder = self.reminder_date
        announced = reminder is not None and reminder > self.due_date and self.handover_announced
        return self.consent_date is not None or announced


@dataclass(frozen=True)
class OverduePage:
    items: list[OverdueItem]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max((self.total + self.per_page - 1) // self.per_page, 1)


@dataclass(frozen=True)
class BucketSum:
    bucket: AgeBucket
    count: int
    amount: Decimal


def normalise_number(text: str) -> str:
    number = clean_text(text or "")
    if not number:
        raise InvalidInput("Bitte eine Rechnungsnummer angeben, z. B. 1234 oder R-2026-0042.")
    if len(number) > 40 or any(ch.isspace() for ch in number):
        raise InvalidInput(f"„{number[:40]}“ ist keine Rechnungsnummer. Beispiel: 1234 oder R-2026-0042.")
    return number


def find(session: Session, *, practice_id: int, number: str) -> Invoice:
    number = normalise_number(number)
    invoice = session.exec(
        select(Invoice).where(Invoice.practice_id == practice_id, Invoice.number == number)
    ).first()
    if invoice is None:
        raise NotFound(
            f"Rechnung {number} gibt es nicht. Bitte die Nummer prüfen („Überfällig“ zeigt offene).",
            next_action="invoice.overdue",
        )
    return invoice


def _overdue_filter(practice_id: int, on: date) -> tuple[ColumnElement[bool], ...]:
    return (
        col(Invoice.practice_id) == practice_id,
        col(Invoice.status).in_(OPEN_STATES),
        col(Invoice.due_date) < on,
        OPEN_AMOUNT > 0,
    )


def overdue(
    uow: UnitOfWork,
    *,
    practice_id: int,
    page: int = 1,
    per_page: int = 10,
    bucket: AgeBucket | None = None,
    on: date | None = None,
) -> OverduePage:
    """Overdue invoices not yet handed over, oldest first."""
    on = on or today()
    page = max(page, 1)
    filters = list(_overdue_filter(practice_id, on))
    if bucket is not None:
        lower, upper = _bucket_range(bucket)
        filters.append(col(Invoice.due_date) <= on - timedelta(days=lower))
        if upper is not None:
            filters.append(col(Invoice.due_date) >= on - timedelta(days=upper))
    with uow:
        total = uow.session.exec(select(func.count()).select_from(Invoice).where(*filters)).one()
        # The page's ids first (from the index alone), then only those rows with their patients.
        page_ids = (
            select(Invoice.id)
            .where(*filters)
            .order_by(col(Invoice.due_date), col(Invoice.id))
            .offset((page - 1) * per_page)
            .limit(per_page)
        )
        rows = uow.session.exec(
            select(Invoice, Patient.first_name, Patient.last_name)
            .join(Patient, col(Patient.id) == col(Invoice.patient_id))
            .where(col(Invoice.id).in_(page_ids.scalar_subquery()))
            .order_by(col(Invoice.due_date), col(Invoice.id))
        ).all()
        items = [_item(inv, f"{first} {last}", on) for inv, first, last in rows]
        return OverduePage(items, int(total), page, per_page)


def _item(inv: Invoice, patient: str, on: date) -> OverdueItem:
    days = days_overdue(due_date=inv.due_date, on=on)
    return OverdueItem(
        inv.number,
        patient,
        inv.due_date,
        days,
        age_bucket(days),
        inv.open_amount,
        inv.reminder_date,
        inv.handover_announced,
        inv.consent_date,
    )


def _bucket_range(bucket: AgeBucket) -> tuple[int, int | None]:
    return {
        AgeBucket.D0_30: (1, 30),
        AgeBucket.D31_60: (31, 60),
        AgeBucket.D61_90: (61, 90),
        AgeBucket.D90_PLUS: (91, None),
    }[bucket]


def ageing(uow: UnitOfWork, *, practice_id: int, on: date | None = None) -> list[BucketSum]:
    """Count and open amount per ageing bucket, aggregated in SQL."""
    on = on or today()
    due = col(Invoice.due_date)
    bucket = case(
        (due >= on - timedelta(days=30), AgeBucket.D0_30.value),
        (due >= on - timedelta(days=60), AgeBucket.D31_60.value),
        (due >= on - timedelta(days=90), AgeBucket.D61_90.value),
        else_=AgeBucket.D90_PLUS.value,
    )
    with uow:
        rows = uow.session.exec(
            select(bucket, func.count(), type_coerce(func.sum(OPEN_AMOUNT), Cents))
            .where(*_overdue_filter(practice_id, on))
            .group_by(bucket)
        ).all()
    found = {name: (int(count), amount or Decimal("0.00")) for name, count, amount in rows}
    return [BucketSum(b, *found.get(b.value, (0, Decimal("0.00")))) for b in AgeBucket]
