"""1159 Finance's payouts: listed in its monthly statement, recognised on the bank, reconciled."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from core.bootstrap import App
from core.domain.errors import NotFound
from core.services.accounting import statements
from core.services.accounting.ledger import period
from core.services.accounting.payout_month import payout_differences
from core.services.accounting.payouts import BankPayout, ListedPayout, compare_payouts
from core.services.payments_in.bank_formats import read_statement
from core.services.payments_in.bank_import import import_statement
from core.services.people.access import OPERATOR

CORPUS = Path(__file__).parents[2] / "bank_corpus"
# The agency's November: three payouts (no case, no invoice) beside an ordinary booking.
NOVEMBER = """Fall-Nr;Rechnungsnummer;Buchungsdatum;Buchungsart;Betrag
;;03.11.2026;Auszahlung;1.234,56
;;10.11.2026;Auszahlung;100,00
;;14.11.2026;Auszahlung;50,00
"""


def _november(app: App) -> None:
    kept = statements.receive_statement(
        app.uow(),
        practice_id=app.practice_id,
        month="2026-11",
        message_key="<nov@1159finance.com>",
        attachments=[("Monatsabrechnung_2026-11.csv", "text/csv", NOVEMBER.encode())],
    )
    assert kept.parse_error == "" and len(kept.rows) == 3
    assert kept.reconciliation["ok"] is True  # payouts are no case bookings: nothing to differ there
    statement = read_statement((CORPUS / "camt053_payouts_november.xml").read_bytes())
    result = import_statement(app.uow(), practice_id=app.practice_id, actor=OPERATOR, statement=statement)
    assert (result.new, result.payouts) == (4, 3)


def test_payouts_missing_on_the_bank_or_differing_in_amount_are_listed_for_the_month(app: App) -> None:
    _november(app)
    found = payout_differences(app.uow(), practice_id=app.practice_id, actor=OPERATOR, month="2026-11")
    assert [(d.what, d.text) for d in found] == [
        (
            "amount_differs",
            "Auszahlung vom 10.11.2026 über 100,00 € laut Abrechnung, aber auf dem Konto am 12.11.2026 "
            "99,00 € (Betrag abweichend).",
        ),
        (
            "missing_on_bank",
            "Auszahlung vom 14.11.2026 über 50,00 € laut Abrechnung fehlt auf dem Kontoauszug.",
        ),
        (
            "not_on_statement",
            "Auszahlung von 1159 Finance am 27.11.2026 über 10,00 € auf dem Kontoauszug steht nicht in der "
            "Abrechnung.",
        ),
    ]
    assert found[0].bank is not None and found[0].bank.booked_on == date(2026, 11, 12)
    assert found[0].listed is not None and found[0].listed.amount == Decimal("100.00")


def test_a_month_without_a_statement_is_refused_in_german(app: App) -> None:
    with pytest.raises(NotFound, match="Für 12/2026 liegt keine Monatsabrechnung"):
        payout_differences(app.uow(), practice_id=app.practice_id, actor=OPERATOR, month="2026-12")


def test_a_payout_listed_at_the_end_of_the_previous_month_is_no_difference_in_the_next() -> None:
    span = period("2026-12")
    october_end = [ListedPayout(date(2026, 11, 30), Decimal("75.00"))]
    bank = [BankPayout(date(2026, 12, 2), Decimal("75.00")), BankPayout(date(2026, 12, 3), Decimal("5.00"))]
    found = compare_payouts(span, [], bank, october_end)
    assert [(d.what, d.bank) for d in found] == [("not_on_statement", bank[1])]
    assert [d.what for d in compare_payouts(span, [], bank)] == ["not_on_statement", "not_on_statement"]
