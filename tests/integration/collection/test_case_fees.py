"""The practice's case fees, on SQLite and PostgreSQL: the dashboard's overview, its chart per month
and the books count the same claims, those with a case at 1159 Finance."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from core.bootstrap import App
from core.db.models import Claim, Practice
from core.domain.onboarding import OnboardingState
from core.services.accounting import ledger
from core.services.collection import claim_preview
from core.services.demo import demo_data
from core.services.people.access import OPERATOR, Actor, Role
from core.services.read import fees, figures
from tests.factories import add_invoice, add_practice, make_app

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


def test_the_core_reads_the_free_months_from_the_settings_and_no_door_passes_them(
    sqlite_url: str, tmp_path: Path
) -> None:
    previews = {}
    for months in (3, 6):
        app = make_app(f"{sqlite_url[:-3]}-{months}.db", tmp_path / str(months), free_months=months)
        add_practice(app, onboarding_state=OnboardingState.ACTIVE, contract_start=ON - timedelta(days=130))
        add_invoice(app, number="R-1", due_days_ago=45, reminder=True, announced=True, on=ON)
        shown = claim_preview.preview(
            app.uow(), practice_id=app.practice_id, actor=STAFF, number="R-1", on=ON
        )
        chart = fees.case_fees(app.uow(), practice_id=app.practice_id, actor=STAFF, year=2026, on=ON)
        previews[months] = (shown.case_fee, shown.case_fee_text, chart.free_months, chart.free_now)
        app.close()
    assert previews[3] == (Decimal("2.50"), "2,50 € Fallgebühr für die Praxis", 3, False)
    assert previews[6] == (Decimal("0.00"), "kostenlos (erste 6 Vertragsmonate, bis 20.01.2027)", 6, True)


def test_the_demo_practice_takes_its_case_fee_and_mail_address_from_the_settings(
    sqlite_url: str, tmp_path: Path
) -> None:
    app = make_app(sqlite_url, tmp_path, case_fee=Decimal("4.00"), practice_email="empfang@praxis.test")
    demo_data.seed(
        app.uow(), practice_id=app.practice_id, actor=OPERATOR, data_dir=tmp_path, patients=3, invoices=5
    )
    with app.uow() as uow:
        practice = uow.session.get(Practice, app.practice_id)
        assert practice is not None and (practice.case_fee, practice.email) == (
            Decimal("4.00"),
            "empfang@praxis.test",
        )
    app.close()
