"""The SQL twins of domain rules give the domain's answer on the same rows, on SQLite and PostgreSQL.

The listing filters and sums in SQL (core/services/invoicing/invoice_sql.py); the domain decides
one invoice at a time (legal_basis, age_bucket). Every combination that matters is stored once
and both are asked: a drift in either copy fails here.
"""

from __future__ import annotations

import itertools
from datetime import date, timedelta
from decimal import Decimal

from sqlmodel import col, select

from core.bootstrap import App
from core.db.models import Invoice
from core.domain.claims import legal_basis
from core.domain.dates import AgeBucket, age_bucket, days_overdue
from core.services.invoicing.invoice_sql import OPEN_AMOUNT, age_bucket_sql, has_legal_basis, in_bucket
from tests.factories import add_patient

ON = date(2026, 6, 15)
# Days overdue on ON: not yet due, due today, and both sides of every bucket bound.
DAYS = (-2, 0, 1, 30, 31, 60, 61, 90, 91, 400)
# Reminder relative to the due date: none, before, on the day, after; with DAYS 30 and 31 the
# deadline's last day and the day after it, with DAYS -2 and 1 a reminder dated after ON.
REMINDERS = (None, -5, 0, 10, 16, 17)
DEADLINE = 14
# Consent: none, long ago, on ON, after ON.
CONSENTS = (None, date(2025, 3, 1), ON, ON + timedelta(days=1))


def store_every_combination(app: App) -> int:
    patient = add_patient(app)
    combos = itertools.product(DAYS, REMINDERS, (False, True), CONSENTS, ("0", "40.00"))
    with app.uow() as uow:
        for n, (days, reminder, announced, consent, paid) in enumerate(combos):
            due = ON - timedelta(days=days)
            uow.session.add(
                Invoice(
                    practice_id=app.practice_id, patient_id=patient.id or 0, number=f"T-{n}",
                    invoice_date=due - timedelta(days=14), due_date=due, amount=Decimal("120.00"),
                    paid_before=Decimal(paid), paid_direct=Decimal("0.05") if n % 3 else Decimal("0"),
                    reminder_date=None if reminder is None else due + timedelta(days=reminder),
                    handover_announced=announced, consent_date=consent,
                )
            )  # fmt: skip
        uow.commit()
    return n + 1


def test_the_legal_basis_in_sql_is_the_domains_on_every_combination(app: App) -> None:
    stored = store_every_combination(app)
    with app.uow() as uow:
        basis = has_legal_basis(ON, DEADLINE)
        rows = uow.session.exec(select(Invoice, basis)).all()
        without = set(uow.session.exec(select(Invoice.number).where(~basis)).all())
    assert len(rows) == stored
    domain = {inv.number for inv, _ in rows if legal_basis(inv, on=ON, deadline_days=DEADLINE) is not None}
    assert domain == {inv.number for inv, in_sql in rows if in_sql}
    # NOT of the SQL twin is never NULL: exactly the invoices the domain gives no basis.
    assert without == {inv.number for inv, _ in rows} - domain
    assert 0 < len(without) < stored
    # Both sides of the deadline and of today are among the rows, with and without a basis.
    reminders = {inv.reminder_date - ON for inv, _ in rows if inv.reminder_date and not inv.consent_date}
    assert {timedelta(days=-DEADLINE), timedelta(days=-DEADLINE - 1)} <= reminders
    assert any(offset.days > 0 for offset in reminders)


def test_the_ageing_bucket_in_sql_is_the_domains_on_every_bound(app: App) -> None:
    store_every_combination(app)
    with app.uow() as uow:
        rows = uow.session.exec(select(Invoice, age_bucket_sql(ON))).all()
        members = {
            bucket: set(uow.session.exec(select(Invoice.number).where(*in_bucket(bucket, ON))).all())
            for bucket in AgeBucket
        }
    domain = {inv.number: age_bucket(days_overdue(due_date=inv.due_date, on=ON)) for inv, _ in rows}
    assert {inv.number: AgeBucket(in_sql) for inv, in_sql in rows} == domain
    for bucket in AgeBucket:
        assert members[bucket] == {number for number, b in domain.items() if b == bucket}, bucket
        assert members[bucket]


def test_the_open_amount_in_sql_is_the_invoices_own(app: App) -> None:
    store_every_combination(app)
    with app.uow() as uow:
        rows = uow.session.exec(select(Invoice, OPEN_AMOUNT).order_by(col(Invoice.id))).all()
    assert all(in_sql == inv.open_amount and isinstance(in_sql, Decimal) for inv, in_sql in rows)
    assert {inv.open_amount for inv, _ in rows} == {
        Decimal("120.00"), Decimal("119.95"), Decimal("80.00"), Decimal("79.95")
    }  # fmt: skip
