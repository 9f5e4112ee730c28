"""SQL twins of the invoice rules, for filtering and aggregating in the database.

Each expression repeats one domain rule so that listings are paged and summed in SQL; each is
held against its rule on the same rows, on SQLite and PostgreSQL, by
tests/integration/test_rule_sql_twins.py. Change the rule in the domain, then here.

- `HAS_LEGAL_BASIS`  ↔ `core.domain.claims.legal_basis(...) is not None`
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
from core.domain.claims import InvoiceStatus
from core.domain.dates import BUCKET_UPPER_DAYS, AgeBucket, bucket_bounds

__all__ = ["HAS_LEGAL_BASIS", "OPEN_AMOUNT", "OPEN_STATES", "age_bucket_sql", "in_bucket", "overdue_filters"]

OPEN_STATES = (InvoiceStatus.OPEN, InvoiceStatus.PARTLY_PAID)
OPEN_AMOUNT = type_coerce(col(Invoice.amount) - col(Invoice.paid_before) - col(Invoice.paid_direct), Cents)

# Consent, or a reminder after the due date that announced the hand-over. IS NOT NULL first: the
# whole AND is then never NULL, so NOT(HAS_LEGAL_BASIS) keeps the invoices without any reminder.
HAS_LEGAL_BASIS: ColumnElement[bool] = or_(
    col(Invoice.consent_date).is_not(None),
    and_(
        col(Invoice.reminder_date).is_not(None),
        col(Invoice.reminder_date) > col(Invoice.due_date),
        col(Invoice.handover_announced),
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
        filters.append(HAS_LEGAL_BASIS if handover_possible else ~HAS_LEGAL_BASIS)
    return filters
