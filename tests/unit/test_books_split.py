"""§ 367 BGB: a payment pays costs first, then interest, then principal, in date order."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from core.services.accounting.split import Charge, Paid, Split, split_payments

D = Decimal


def _day(n: int) -> date:
    return date(2026, 10, n)


def test_a_payment_pays_costs_then_interest_then_principal() -> None:
    charges = [Charge(_day(5), "collection_fee", D("44.10")), Charge(_day(5), "expenses", D("8.82")),
               Charge(_day(6), "interest", D("3.00"))]  # fmt: skip
    got = split_payments(charges, [Paid(1, _day(20), D("100.00"), to_agency=True)])
    assert got == {1: Split(D("52.92"), D("3.00"), D("44.08"))}


def test_a_small_payment_pays_only_costs_and_the_next_one_carries_on() -> None:
    charges = [Charge(_day(5), "reminder_fee", D("30.00")), Charge(_day(5), "interest", D("2.00"))]
    pays = [Paid(2, _day(25), D("112.00"), True), Paid(1, _day(8), D("20.00"), True)]
    assert split_payments(charges, pays) == {
        1: Split(D("20.00"), D("0"), D("0.00")),
        2: Split(D("10.00"), D("2.00"), D("100.00")),
    }


def test_fees_charged_after_the_payment_day_do_not_count_and_same_day_fees_do() -> None:
    charges = [Charge(_day(10), "collection_fee", D("5.00")), Charge(_day(11), "collection_fee", D("7.00"))]
    assert split_payments(charges, [Paid(1, _day(10), D("50.00"), True)]) == {
        1: Split(D("5.00"), D("0"), D("45.00"))
    }


def test_a_direct_payment_to_the_practice_is_not_split_and_leaves_costs_open() -> None:
    charges = [Charge(_day(5), "collection_fee", D("10.00"))]
    pays = [Paid(1, _day(6), D("20.00"), to_agency=False), Paid(2, _day(7), D("15.00"), to_agency=True)]
    assert split_payments(charges, pays) == {2: Split(D("10.00"), D("0"), D("5.00"))}
