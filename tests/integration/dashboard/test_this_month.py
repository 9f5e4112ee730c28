"""*Übersicht*'s "this month" and the month chart use one definition: payments dated in the future
(later this month or next month) are not collected yet, in the headline figure nor in the bar."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

from core.db.models import Payment
from core.services.people.access import Actor, Role
from core.services.read import figures
from tests.factories import make_app
from tests.integration.books.books_helpers import build_october

ON = date(2026, 11, 27)
STAFF = Actor(Role.STAFF, "dashboard:anna")


def test_future_dated_payments_count_neither_in_this_month_nor_in_its_bar(tmp_path: Path) -> None:
    app = make_app(f"sqlite:///{tmp_path / 'm.db'}", tmp_path)
    claim = build_october(app)["R-101"]
    with app.uow() as uow:
        for day, ref in ((date(2026, 11, 29), "9101"), (date(2026, 12, 3), "9102")):
            uow.session.add(
                Payment(
                    practice_id=app.practice_id, invoice_id=claim.invoice_id, claim_id=claim.id,
                    source="agency", amount=Decimal("352.58"), paid_on=day, reference=ref,
                    delivery="none", recorded_by="test",
                )
            )  # fmt: skip
        uow.commit()
    kpi = figures.overview(app.uow(), practice_id=app.practice_id, actor=STAFF, on=ON)
    months = figures.collected_by_month(app.uow(), practice_id=app.practice_id, actor=STAFF, months=2, on=ON)
    assert kpi.collected_month == months[-1][1] == Decimal("30.00")
    assert kpi.collected_year == sum((amount for _, amount in months), Decimal(0)) == Decimal("255.50")
    later = figures.overview(app.uow(), practice_id=app.practice_id, actor=STAFF, on=date(2026, 12, 5))
    assert later.collected_month == Decimal("352.58")
    app.close()
