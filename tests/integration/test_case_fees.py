"""The practice's case fees, on SQLite and PostgreSQL: the dashboard's overview, its chart per month
and the books count the same claims, those with a case at 1159 Finance."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from core.bootstrap import App
from core.db.models import Claim
from core.services.accounting import ledger
from core.services.people.access import Actor, Role
from core.services.read import fees, figures
from tests.factories import add_invoice

ON = date(2026, 11, 27)
STAFF = Actor(Role.STAFF, "dashboard:anna")


def claim(app: App, number: str, *, delivery: str, case_id: int | None) -> None:
    """A claim handed over (or not) on 10.10.2026, after the free months: 2,50 € case fee."""
    invoice = add_invoice(app, number=number, on=date(2026, 10, 10), due_days_ago=60)
    with app.uow() as uow:
        uow.session.add(
            Claim(
                practice_id=app.practice_id, invoice_id=invoice.id or 0, reference=number,
                delivery=delivery, legal_basis="consent", legal_basis_date=date(2026, 10, 10),
                principal=Decimal("120.00"), case_fee=Decimal("2.50"), case_id=case_id,
                created_by="test", created_at=datetime(2026, 10, 10, 9, tzinfo=UTC),
            )
        )  # fmt: skip
        uow.commit()


def test_only_claims_with_a_case_at_the_agency_cost_a_case_fee_in_every_view(app: App) -> None:
    claim(app, "R-1", delivery="submitted", case_id=17)
    claim(app, "R-2", delivery="withdrawn", case_id=18)  # withdrawn at the agency: the case was made
    claim(app, "R-3", delivery="queued", case_id=None)  # not sent yet
    claim(app, "R-4", delivery="withdrawn", case_id=None)  # withdrawn before it was sent
    claim(app, "R-5", delivery="failed", case_id=None)  # refused for good
    chart = fees.case_fees(app.uow(), practice_id=app.practice_id, actor=STAFF, year=2026, on=ON)
    assert chart.by_month == [("2026-10", 2, 0, Decimal("5.00"))]
    overview = figures.overview(app.uow(), practice_id=app.practice_id, actor=STAFF, on=ON)
    assert overview.case_fees_year == Decimal("5.00")
    with app.uow() as uow:
        books = ledger.case_fee_claims(
            uow.session, practice_id=app.practice_id, span=ledger.period("2026-10", on=ON)
        )
    assert sorted(c.reference for c in books) == ["R-1", "R-2"]
