"""The practice's case fee and its free first contract months (core/domain/case_fees.py)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from core.domain.case_fees import DEFAULT_FREE_MONTHS, case_fee, describe_fee, free_until, is_free

FEE = Decimal("2.50")


def test_handovers_are_free_during_the_first_six_months_of_the_contract() -> None:
    start = date(2026, 1, 15)
    assert case_fee(contract_start=start, on=date(2026, 7, 14), fee=FEE, free_months=6) == Decimal("0.00")
    assert case_fee(contract_start=start, on=date(2026, 7, 15), fee=FEE, free_months=6) == FEE
    assert case_fee(contract_start=start, on=date(2027, 1, 1), fee=Decimal("5.00"), free_months=6) == Decimal(
        "5.00"
    )


def test_without_a_contract_start_no_case_fee_is_charged() -> None:
    assert case_fee(contract_start=None, on=date(2026, 6, 15), fee=FEE, free_months=6) == Decimal("0.00")
    assert free_until(None, 6) is None
    assert is_free(contract_start=None, on=date(2030, 1, 1), free_months=6)


def test_the_number_of_free_months_is_the_practices_setting() -> None:
    start = date(2026, 1, 15)
    assert case_fee(contract_start=start, on=date(2026, 4, 15), fee=FEE, free_months=3) == FEE
    assert case_fee(contract_start=start, on=date(2026, 4, 15), fee=FEE, free_months=12) == Decimal("0.00")
    assert case_fee(contract_start=start, on=start, fee=FEE, free_months=0) == FEE
    assert DEFAULT_FREE_MONTHS == 6


@pytest.mark.parametrize(
    ("start", "months", "first_charged"),
    [
        (date(2026, 1, 15), 6, date(2026, 7, 15)),
        (date(2026, 8, 1), 6, date(2027, 2, 1)),
        (date(2025, 11, 1), 6, date(2026, 5, 1)),
        (date(2026, 8, 31), 6, date(2027, 2, 28)),  # capped at the 28th, as 1159 Finance counts
        (date(2026, 1, 29), 1, date(2026, 2, 28)),
    ],
)
def test_the_first_charged_day_is_the_free_months_after_the_contract_start(
    start: date, months: int, first_charged: date
) -> None:
    assert free_until(start, months) == first_charged
    day_before = date.fromordinal(first_charged.toordinal() - 1)
    assert case_fee(contract_start=start, on=day_before, fee=FEE, free_months=months) == Decimal("0.00")
    assert case_fee(contract_start=start, on=first_charged, fee=FEE, free_months=months) == FEE


def test_the_fee_is_described_for_the_overview_before_a_handover() -> None:
    start = date(2026, 3, 1)
    free = describe_fee(contract_start=start, on=date(2026, 5, 1), fee=FEE, free_months=6)
    charged = describe_fee(contract_start=start, on=date(2026, 9, 1), fee=FEE, free_months=6)
    assert free == "kostenlos (erste 6 Vertragsmonate, bis 01.09.2026)"
    assert charged == "2,50 € Fallgebühr für die Praxis"
