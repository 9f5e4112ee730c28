"""The month's bookings against a hand-computed October, account by account, per basis and chart.

October (books_data.build_october plus R-105), split by § 367 BGB (costs, interest, principal):
- R-101: 100,00 paid on 20.10. = 52,92 costs + 47,08 principal; case fee 2,50.
- R-102: 50,00 on 03.10. = principal (no fee yet); 75,50 on 17.10. = 5,00 costs + 70,50 principal;
  interest 1,23 charged 31.10., unpaid; 20,00 paid to the practice directly (its cash book).
- R-103: case fee 2,50.
- R-105: 20,00 on 08.10. = costs; 112,00 on 25.10. = 10,00 costs + 2,00 interest + 100,00
  principal; case fee 2,50.
Cash basis: clearing +357,50 −95,42 (costs kept 57,92+30,00, case fees 7,50) = 262,08;
revenue −267,58 (47,08+50,00+70,50+100,00); interest income −2,00; case fees +7,50; pass-through 0.
Accrual basis: the principal and interest shares go against receivables (−269,58), the charged
interest (1,23 + 2,00) from receivables to interest income: receivables −266,35, interest −3,23.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from core.bootstrap import App
from core.services.accounting import journal
from core.services.accounting.chart import presets
from core.services.accounting.journal import Book, Entry
from core.services.accounting.ledger import period
from tests.factories import make_app
from tests.integration.books.books_helpers import MONTH, add_paid_in_full_case, build_october

D = Decimal
ON = date(2026, 11, 27)
EXPECTED = {
    "cash": {"clearing": D("262.08"), "revenue": D("-267.58"), "interest": D("-2.00"), "case_fee": D("7.50")},
    "accrual": {
        "clearing": D("262.08"),
        "receivables": D("-266.35"),
        "interest": D("-3.23"),
        "case_fee": D("7.50"),
    },
}


@pytest.fixture
def app(database_url: str, tmp_path: Path) -> Iterator[App]:
    app = make_app(database_url, tmp_path)
    build_october(app)
    add_paid_in_full_case(app)
    yield app
    app.close()


def _entries(app: App, book: Book) -> list[Entry]:
    with app.uow() as uow:
        return journal.build(uow.session, practice_id=app.practice_id, book=book, span=period(MONTH, on=ON))


def _balances(entries: list[Entry]) -> dict[str, Decimal]:
    out: dict[str, Decimal] = {}
    for e in entries:
        out[e.debit] = out.get(e.debit, D(0)) + e.amount
        out[e.credit] = out.get(e.credit, D(0)) - e.amount
    return {k: v for k, v in out.items() if v}


@pytest.mark.parametrize("chart", ["SKR03", "SKR04"])
@pytest.mark.parametrize("basis", ["cash", "accrual"])
def test_the_bookings_match_the_hand_computed_month_account_by_account(
    app: App, basis: str, chart: str
) -> None:
    accounts = presets(chart)
    got = _balances(_entries(app, Book(chart=chart, basis=basis)))
    assert got == {accounts[role].number: amount for role, amount in EXPECTED[basis].items()}


def test_each_payment_is_split_costs_then_interest_then_principal(app: App) -> None:
    entries = [e for e in _entries(app, Book()) if e.reference == "R-105"]
    by_day: dict[int, dict[str, Decimal]] = {}
    for e in entries:
        by_day.setdefault(e.day.day, {})[e.kind] = e.amount
    assert by_day[8] == {"costs": D("20.00"), "costs_kept": D("20.00")}
    assert by_day[25] == {
        "costs": D("10.00"),
        "costs_kept": D("10.00"),
        "interest": D("2.00"),
        "principal": D("100.00"),
    }
    assert by_day[1] == {"case_fee": D("2.50")}
    interest = next(e for e in entries if e.kind == "interest")
    assert (interest.debit, interest.credit) == ("1360", "2650")  # interest income, no VAT revenue account
    assert interest.source == "Zahlung 9006 an 1159 Finance" and interest.case_id == 21
