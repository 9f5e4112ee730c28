"""The month's bookings against a hand-computed October, account by account, per basis and chart.

October (books_data.build_october plus R-105), split by § 367 BGB (costs, interest, principal):
- R-101: 100,00 paid on 20.10. = 52,92 costs + 47,08 principal; case fee 2,50.
- R-102: 50,00 on 03.10. = principal (no fee yet); 75,50 on 17.10. = 5,00 costs + 70,50 principal;
  interest 1,23 charged 31.10., unpaid; 20,00 paid to the practice directly (its cash book).
- R-103: case fee 2,50.
- R-105: 20,00 on 08.10. = costs; 112,00 on 25.10. = 10,00 costs + 2,00 interest + 100,00
  principal; case fee 2,50.
- Payout: 1159 Finance pays out 150,00 (its statement: 28.10.), the bank books it on 29.10.:
  bank +150,00, clearing −150,00, on both bases, dated by the bank.
Cash basis: clearing +357,50 −95,42 (costs kept 57,92+30,00, case fees 7,50) −150,00 payout =
112,08; bank +150,00; revenue −267,58 (47,08+50,00+70,50+100,00); interest income −2,00; case
fees +7,50; pass-through 0.
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
from core.services.accounting import journal, statements
from core.services.accounting.chart import presets
from core.services.accounting.journal import Book, Entry
from core.services.accounting.ledger import period
from tests.factories import make_app
from tests.integration.books.books_helpers import (
    MONTH,
    PAYOUT_ROW,
    STATEMENT_CSV,
    add_paid_in_full_case,
    add_payouts,
    bank_credit,
    build_october,
    import_bank,
)

D = Decimal
ON = date(2026, 11, 27)
EXPECTED = {
    "cash": {
        "clearing": D("112.08"),
        "bank": D("150.00"),
        "revenue": D("-267.58"),
        "interest": D("-2.00"),
        "case_fee": D("7.50"),
    },
    "accrual": {
        "clearing": D("112.08"),
        "bank": D("150.00"),
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
    add_payouts(app)
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


def _payouts(app: App, book: Book = Book(), month: str = MONTH) -> list[Entry]:
    with app.uow() as uow:
        span = period(month, on=date(2026, 12, 5))
        entries = journal.build(uow.session, practice_id=app.practice_id, book=book, span=span)
    return [e for e in entries if e.kind == "payout"]


def _statement(app: App, rows: str = PAYOUT_ROW) -> None:
    statements.receive_statement(
        app.uow(), practice_id=app.practice_id, month=MONTH, message_key="<okt@1159finance.com>",
        attachments=[("Monatsabrechnung_2026-10.csv", "text/csv", (STATEMENT_CSV + rows).encode())],
    )  # fmt: skip


@pytest.mark.parametrize("chart", ["SKR03", "SKR04"])
def test_the_payout_is_booked_from_the_bank_on_its_booking_day_naming_the_statement(
    app: App, chart: str
) -> None:
    _statement(app)
    [payout] = _payouts(app, Book(chart=chart))
    bank, clearing = presets(chart)["bank"].number, presets(chart)["clearing"].number
    assert (payout.day, payout.amount, payout.debit, payout.credit) == (date(2026, 10, 29), D("150.00"), bank,
                                                                        clearing)  # fmt: skip
    assert payout.text == "Auszahlung 1159 Finance" and payout.case_id is None
    assert payout.source == (
        "Kontoauszug (camt.053): Gutschrift vom 29.10.2026, Ref. OKT-1; Abrechnung 10/2026: Auszahlung vom "
        "28.10.2026"
    )


@pytest.fixture
def statement_only(database_url: str, tmp_path: Path) -> Iterator[App]:
    app = make_app(database_url, tmp_path)
    build_october(app)
    yield app
    app.close()


def test_without_the_bank_statement_the_payout_is_booked_from_the_agency_statement_marked(
    statement_only: App,
) -> None:
    app = statement_only
    _statement(app)
    [payout] = _payouts(app)
    booked = (payout.day, payout.amount, payout.debit, payout.credit)
    assert booked == (date(2026, 10, 28), D("150.00"), "1200", "1360")
    assert payout.text == "Auszahlung 1159 Finance laut Abrechnung"
    assert payout.source == "Abrechnung 10/2026: Auszahlung vom 28.10.2026; noch nicht auf dem Kontoauszug"
    # the bank statement, imported later, shows it on 03.11.: November books it, October no longer
    import_bank(app, bank_credit(date(2026, 11, 3), "150.00", "NOV-9"))
    assert _payouts(app) == []
    [november] = _payouts(app, month="2026-11")
    assert (november.day, november.text) == (date(2026, 11, 3), "Auszahlung 1159 Finance")


def test_a_payout_the_bank_does_not_show_once_imported_beyond_it_is_not_booked(statement_only: App) -> None:
    app = statement_only
    _statement(app)
    import_bank(app, bank_credit(date(2026, 11, 5), "80.00", "PAT-1", payer="Erika Mustermann"))
    assert [e.day for e in _payouts(app)] == [date(2026, 10, 28)]  # bank read up to 05.11.: may still come
    import_bank(app, bank_credit(date(2026, 11, 12), "80.00", "PAT-2", payer="Erika Mustermann"))
    assert _payouts(app) == []  # read beyond 07.11. (28.10. + 10 days): the money did not arrive
