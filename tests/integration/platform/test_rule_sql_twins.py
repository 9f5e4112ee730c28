"""The SQL twins of domain rules give the domain's answer on the same rows, on SQLite and PostgreSQL.

The listing filters and sums in SQL (core/services/invoicing/invoice_sql.py); the domain decides
one invoice at a time (legal_basis, age_bucket). Every combination that matters is stored once
and both are asked: a drift in either copy fails here.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from sqlmodel import col, select

from core.bootstrap import App
from core.db.models import Consent, Invoice, Patient
from core.domain.claims import legal_basis
from core.domain.consents import ConsentSpan
from core.domain.dates import AgeBucket, age_bucket, days_overdue
from core.services.collection.consent_spans import spans_by_invoice
from core.services.invoicing.invoice_sql import OPEN_AMOUNT, age_bucket_sql, has_legal_basis, in_bucket
from tests.factories import add_practice

ON = date(2026, 6, 15)
# Days overdue on ON: not yet due, due today, and both sides of every bucket bound.
DAYS = (-2, 0, 1, 30, 31, 60, 61, 90, 91, 400)
# Reminder relative to the due date: none, before, on the day, after; with DAYS 30 and 31 the
# deadline's last day and the day after it, with DAYS -2 and 1 a reminder dated after ON.
REMINDERS = (None, -5, 0, 10, 16, 17)
DEADLINE = 14
# Consent of the invoice's patient: (given, revoked, for this invoice only) rows, each case its own
# patient. None, long ago, on ON, after ON; revoked before ON, on ON, after ON; a new consent after
# a revocation; a consent only for another invoice; a revoked one of another invoice.
OTHER = "other"
CONSENTS: tuple[tuple[tuple[date, date | None, object], ...], ...] = (
    (),
    ((date(2025, 3, 1), None, None),),
    ((ON, None, True),),
    ((ON + timedelta(days=1), None, True),),
    ((date(2025, 3, 1), date(2026, 1, 1), None),),
    ((date(2025, 3, 1), ON, True),),
    ((date(2025, 3, 1), ON + timedelta(days=1), None),),
    ((date(2025, 3, 1), date(2026, 1, 1), None), (date(2026, 2, 1), None, None)),
    ((date(2025, 3, 1), None, OTHER),),
    ((date(2025, 3, 1), date(2026, 1, 1), OTHER),),
)


@dataclass(frozen=True)
class Facts:
    due_date: date
    reminder_date: date | None
    handover_announced: bool
    consents: tuple[ConsentSpan, ...]


def store_every_combination(app: App) -> int:
    add_practice(app)
    combos = list(itertools.product(DAYS, REMINDERS, (False, True), range(len(CONSENTS)), ("0", "40.00")))
    with app.uow() as uow:
        session = uow.session
        patients = [
            Patient(
                practice_id=app.practice_id, patient_key=f"p{n}", first_name="Erika", last_name=f"M{n}",
                street="Musterstraße 12", zip="01001", city="Musterstadt",
            )  # fmt: skip
            for n in range(len(combos))
        ]
        session.add_all(patients)
        session.flush()
        invoices, others = [], {}
        for n, (days, reminder, announced, _, paid) in enumerate(combos):
            due = ON - timedelta(days=days)
            invoices.append(
                Invoice(
                    practice_id=app.practice_id, patient_id=patients[n].id or 0, number=f"T-{n}",
                    invoice_date=due - timedelta(days=14), due_date=due, amount=Decimal("120.00"),
                    paid_before=Decimal(paid), paid_direct=Decimal("0.05") if n % 3 else Decimal("0"),
                    reminder_date=None if reminder is None else due + timedelta(days=reminder),
                    handover_announced=announced,
                )
            )  # fmt: skip
            if any(scope == OTHER for *_, scope in CONSENTS[combos[n][3]]):
                others[n] = Invoice(
                    practice_id=app.practice_id, patient_id=patients[n].id or 0, number=f"X-{n}",
                    invoice_date=due, due_date=due, amount=Decimal("120.00"),
                )  # fmt: skip
        session.add_all([*invoices, *others.values()])
        session.flush()
        for n, combo in enumerate(combos):
            for given, revoked, scope in CONSENTS[combo[3]]:
                target = {None: None, True: invoices[n].id, OTHER: others.get(n, invoices[n]).id}[scope]
                session.add(
                    Consent(
                        practice_id=app.practice_id, patient_id=patients[n].id or 0, invoice_id=target,
                        given_on=given, revoked_on=revoked,
                    )
                )  # fmt: skip
        uow.commit()
    return len(combos)


def test_the_legal_basis_in_sql_is_the_domains_on_every_combination(app: App) -> None:
    stored = store_every_combination(app)
    with app.uow() as uow:
        basis = has_legal_basis(ON, DEADLINE)
        ours = col(Invoice.number).startswith("T-")
        rows = uow.session.exec(select(Invoice, basis).where(ours)).all()
        without = set(uow.session.exec(select(Invoice.number).where(ours, ~basis)).all())
        spans = spans_by_invoice(uow.session, [(inv.id or 0, inv.patient_id) for inv, _ in rows])
    assert len(rows) == stored

    def facts(inv: Invoice) -> Facts:
        return Facts(inv.due_date, inv.reminder_date, inv.handover_announced, spans[inv.id or 0])

    domain = {
        inv.number for inv, _ in rows if legal_basis(facts(inv), on=ON, deadline_days=DEADLINE) is not None
    }
    assert domain == {inv.number for inv, in_sql in rows if in_sql}
    # NOT of the SQL twin is never NULL: exactly the invoices the domain gives no basis.
    assert without == {inv.number for inv, _ in rows} - domain
    assert 0 < len(without) < stored
    # Both sides of the deadline and of today are among the rows, with and without a basis.
    reminders = {inv.reminder_date - ON for inv, _ in rows if inv.reminder_date and not spans[inv.id or 0]}
    assert {timedelta(days=-DEADLINE), timedelta(days=-DEADLINE - 1)} <= reminders
    assert any(offset.days > 0 for offset in reminders)
    # A revocation bars an announced reminder whose deadline passed; one dated after ON does not.
    ready = [inv for inv, _ in rows if inv.handover_announced and inv.reminder_date and inv.due_date < ON]
    revoked = [i for i in ready if any(s.revoked and s.revoked <= ON for s in spans[i.id or 0])]
    assert revoked and not any(i.number in domain and not _new_consent(spans[i.id or 0]) for i in revoked)


def _new_consent(spans: tuple[ConsentSpan, ...]) -> bool:
    return any(s.revoked is None and s.covers and s.given_on <= ON for s in spans)


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
