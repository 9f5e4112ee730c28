"""Reconciliation rules: one-to-one matching, date and amount differences, leftovers on either side."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from core.services.accounting.ledger import period
from core.services.accounting.reconcile import Line, reconcile

SPAN = period("2026-10", on=date(2026, 11, 1))


def line(ref: str, kind: str, day: int, amount: str, month: int = 10) -> Line:
    return Line(ref, "17", kind, date(2026, month, day), Decimal(amount))


def test_identical_bookings_match_one_to_one_and_a_surplus_twin_is_a_difference() -> None:
    ours = [line("R-1", "debtor_payment", 3, "50.00")] * 2
    theirs = [line("R-1", "debtor_payment", 3, "50.00")] * 3
    result = reconcile(span=SPAN, ours=ours, theirs=theirs)
    assert len(result.matched) == 2
    assert [d.what for d in result.differences] == ["only_statement"]
    assert result.totals_ours == {"debtor_payment": Decimal("100.00")}
    assert result.totals_theirs == {"debtor_payment": Decimal("150.00")}


def test_an_exact_match_is_preferred_over_a_near_one() -> None:
    ours = [line("R-1", "collection_fee", 5, "44.10"), line("R-1", "collection_fee", 6, "44.10")]
    theirs = [line("R-1", "collection_fee", 6, "44.10"), line("R-1", "collection_fee", 5, "44.10")]
    assert reconcile(span=SPAN, ours=ours, theirs=theirs).ok


def test_kinds_and_invoices_never_match_across() -> None:
    ours = [line("R-1", "expenses", 5, "8.82")]
    theirs = [line("R-2", "expenses", 5, "8.82"), line("R-1", "interest", 5, "8.82")]
    result = reconcile(span=SPAN, ours=ours, theirs=theirs)
    assert sorted(d.what for d in result.differences) == ["only_ours", "only_statement", "only_statement"]


def test_a_row_outside_the_month_is_named_so() -> None:
    result = reconcile(span=SPAN, ours=[], theirs=[line("R-1", "interest", 30, "1.00", month=9)])
    assert "außerhalb des Monats" in result.differences[0].text
    assert result.summary() == "1 Abweichung(en), 0 Buchungen stimmen überein."


def test_an_empty_month_on_both_sides_agrees() -> None:
    result = reconcile(span=SPAN, ours=[], theirs=[])
    assert result.ok and result.summary().startswith("Stimmt überein: 0 Buchungen")
    assert result.to_json()["differences"] == []
