"""SQL twins of the invoice rules, for filtering and aggregating in the database.

Each expression repeats one domain rule so that listings are paged and summed in SQL; each is
held against its rule on the same rows, on SQLite and PostgreSQL, by
tests/integration/test_rule_sql_twins.py. Change the rule in the domain, then here.

- `has_legal_basis`  ↔ `core.domain.claims.legal_basis(...) is not None`
- `age_bucket_sql`, `in_bucket` ↔ `core.domain.dates.age_bucket(days_overdue(...))`
- `OPEN_AMOUNT`      ↔ `Invoice.open_amount`
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, case, or_, type_coerce
from sqlmodel import col

from core.db.models import Invoice
from core.db.types import Cents
from core.domain.claims import REMINDER_DEADLINE_DAYS, InvoiceStatus
from core.domain.dates import BUCKET_UPPER_DAYS, AgeBucket, bucket_bounds

__all__ = ["OPEN_AMOUNT", "OPEN_STATES", "age_bucket_sql", "has_legal_basis", "in_bucket", "overdue_filters"]

OPEN_STATES = (InvoiceStatus.OPEN, InvoiceStatus.PARTLY_PAID)
OPEN_AMOUNT = type_coerce(col(Invoice.amount) - col(Invoice.paid_before) - col(Invoice.paid_direct), Cents)



def has_legal_basis(on: date, deadline_days: int) -> ColumnElement[bool]:
    """Consent given by `on`, or a reminder after the due date that announced the hand-over and
    whose deadline passed before `on`. IS NOT NULL first: each AND is then never NULL, so the
    negation keeps the invoices without any consent or reminder."""
    reminder = col(Invoice.reminder_date)
    return or_(
        and_(col(Invoice.consent_date).is_not(None), col(Invoice.consent_date) <= on),
        and_(
            reminder.is_not(None),
            reminder > col(Invoice.due_date),
            col(Invoice.handover_announced),
            reminder < on - timedelta(days=deadline_days),
        ),
    )


def age_bucket_sql(on: date) -> Any:
    """The invoice's ageing bucket on `on` (the bucket's value), from the domain's bounds."""
    due = col(Invoice.due_date)
    whens = [(due >= on - timedelta(days=upper), bucket.value) for bucket, upper in BUCKET_UPPER_DAYS]
    return case(*whens, else_=AgeBucket.D90_PLUS.value)


def in_bucket(bucket: AgeBucket, on: date) -> list[ColumnElement[bool]]:
    """Conditions that hold for invoices whose days overdue on `on` fall into `bucket`."""
    due = col(Invoice.due_date)
    lower, upper = bucket_bounds(bucket)
    conditions: list[ColumnElement[bool]] = []
    if lower is not None:
        conditions.append(due <= on - timedelta(days=lower))
    if upper is not None:
        conditions.append(due >= on - timedelta(days=upper))
    return conditions


def overdue_filters(
    practice_id: int,
    on: date,
    *,
    bucket: AgeBucket | None = None,
    handover_possible: bool | None = None,
    deadline_days: int = REMINDER_DEADLINE_DAYS,
) -> list[ColumnElement[bool]]:
    """Overdue on `on`: open, not handed over, due before `on`, money still open."""
    filters: list[ColumnElement[bool]] = [
        col(Invoice.practice_id) == practice_id,
        col(Invoice.status).in_(OPEN_STATES),
        col(Invoice.due_date) < on,
        OPEN_AMOUNT > 0,
    ]
    if bucket is not None:
        filters += in_bucket(bucket, on)
    if handover_possible is not None:
        basis = has_legal_basis(on, deadline_days)
        filters.append(basis if handover_possible else ~basis)
    return filters
