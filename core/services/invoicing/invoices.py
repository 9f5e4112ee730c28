"""Invoices: the overdue listing with ageing, and looking one up by its number."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal

from sqlalchemy import type_coerce
from sqlmodel import Session, col, func, or_, select

from core.db.engine import UnitOfWork
from core.db.models import Invoice, Patient
from core.db.types import Cents
from core.domain.claims import legal_basis
from core.domain.consents import ConsentSpan, standing_revocation
from core.domain.dates import AgeBucket, age_bucket, days_overdue, today
from core.domain.errors import NotFound
from core.domain.invoice_numbers import normalise_number
from core.services.collection.consent_spans import spans_by_invoice
from core.services.collection.handover_check import refusal
from core.services.invoicing.invoice_sql import OPEN_AMOUNT, age_bucket_sql, overdue_filters

__all__ = ["BucketSum", "OverdueItem", "OverduePage", "ageing", "find", "overdue"]


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
    consents: Sequence[ConsentSpan]
    has_legal_basis: bool  # on the listing's day, with the reminder deadline of the settings
    patient_zip: str = ""  # chats show initials and postal code (core.domain.chat_privacy)
    # why a hand-over would be refused today (German), None when it would go out: only then a button
    refusal: str | None = None
    consent_revoked_on: date | None = None  # the patient revoked their consent: no hand-over


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


def overdue(
    uow: UnitOfWork,
    *,
    practice_id: int,
    page: int = 1,
    per_page: int = 10,
    bucket: AgeBucket | None = None,
    handover_possible: bool | None = None,
    search: str = "",
    on: date | None = None,
) -> OverduePage:
    """Overdue invoices not handed over, oldest first, filtered by age, legal basis and text."""
    on, page = on or today(), max(page, 1)
    deadline = uow.settings.reminder_deadline_days
    ids = select(Invoice.id).where(
        *overdue_filters(
            practice_id, on, bucket=bucket, handover_possible=handover_possible, deadline_days=deadline
        )
    )
    if text := search.strip().lower():
        like = f"%{text}%"
        ids = ids.join(Patient, col(Patient.id) == col(Invoice.patient_id)).where(
            or_(
                func.lower(col(Invoice.number)).like(like),
                func.lower(col(Patient.last_name)).like(like),
                func.lower(col(Patient.first_name)).like(like),
            )
        )
    order = (col(Invoice.due_date), col(Invoice.id))
    with uow:
        # Without a name search the count reads the covering index alone (100,000 invoices).
        total = uow.session.exec(select(func.count()).select_from(ids.subquery())).one()
        # The page's ids first, then only those rows with their patients.
        page_ids = ids.order_by(*order).offset((page - 1) * per_page).limit(per_page)
        rows = uow.session.exec(
            select(Invoice, Patient.first_name, Patient.last_name, Patient.zip)
            .join(Patient, col(Patient.id) == col(Invoice.patient_id))
            .where(col(Invoice.id).in_(page_ids.scalar_subquery()))
            .order_by(*order)
        ).all()
        free = uow.settings.free_months
        spans = spans_by_invoice(uow.session, [(inv.id or 0, inv.patient_id) for inv, *_ in rows])
        items = [
            _item(
                inv,
                f"{first} {last}",
                on,
                deadline,
                zip_,
                spans[inv.id or 0],
                refusal(uow.session, practice_id, inv, on=on, free_months=free, deadline_days=deadline),
            )
            for inv, first, last, zip_ in rows
        ]
        return OverduePage(items, int(total), page, per_page)


def _item(
    inv: Invoice,
    patient: str,
    on: date,
    deadline_days: int,
    patient_zip: str,
    consents: tuple[ConsentSpan, ...],
    refused: str | None,
) -> OverdueItem:
    days = days_overdue(due_date=inv.due_date, on=on)
    item = OverdueItem(
        inv.number,
        patient,
        inv.due_date,
        days,
        age_bucket(days),
        inv.open_amount,
        inv.reminder_date,
        inv.handover_announced,
        consents,
        False,
        patient_zip,
        refused,
    )
    basis = legal_basis(item, on=on, deadline_days=deadline_days) is not None
    return replace(item, has_legal_basis=basis, consent_revoked_on=standing_revocation(consents, on))


def ageing(uow: UnitOfWork, *, practice_id: int, on: date | None = None) -> list[BucketSum]:
    """Count and open amount per ageing bucket, aggregated in SQL."""
    on = on or today()
    bucket = age_bucket_sql(on)
    with uow:
        rows = uow.session.exec(
            select(bucket, func.count(), type_coerce(func.sum(OPEN_AMOUNT), Cents))
            .where(*overdue_filters(practice_id, on))
            .group_by(bucket)
        ).all()
    found = {name: (int(count), amount or Decimal("0.00")) for name, count, amount in rows}
    return [BucketSum(b, *found.get(b.value, (0, Decimal("0.00")))) for b in AgeBucket]
