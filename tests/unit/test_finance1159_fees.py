"""The simulated agency's fees follow the RVG table and the caps of PRODUCT.md."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.finance1159.sandbox.fees import allocate, collection_costs, rvg_full_fee

OLD, NEW = date(2025, 1, 15), date(2026, 11, 1)


@pytest.mark.parametrize(
    ("value", "old", "new"),
    [
        ("120", "49", "51.50"),
        ("500", "49", "51.50"),
        ("500.01", "88", "93.00"),
        ("1000", "88", "93.00"),
        ("2000", "166", "176.00"),
        ("10000", "614", "652.00"),
        ("13000", "666", "707.00"),
        ("50000", "1279", "1357.00"),
        ("65000", "1373", "1456.50"),
    ],
)
def test_the_full_fee_matches_anlage_2_rvg_before_and_after_june_2025(value: str, old: str, new: str) -> None:
    assert rvg_full_fee(Decimal(value), OLD) == Decimal(old)
    assert rvg_full_fee(Decimal(value), NEW) == Decimal(new)


def test_the_collection_fee_is_nine_tenths_plus_twenty_percent_expenses() -> None:
    costs = collection_costs(Decimal("120.00"), OLD)
    assert (costs.fee, costs.expenses) == (Decimal("44.10"), Decimal("8.82"))  # agency-formats.md example
    costs = collection_costs(Decimal("120.00"), NEW)
    assert (costs.fee, costs.expenses) == (Decimal("46.35"), Decimal("9.27"))


def test_expenses_stop_at_twenty_euros() -> None:
    assert collection_costs(Decimal("5000"), NEW).expenses == Decimal("20.00")


amounts = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("100000"), places=2)


@given(principal=amounts)
def test_costs_never_exceed_a_small_claim_and_expenses_never_twenty_euros(principal: Decimal) -> None:
    costs = collection_costs(principal, NEW)
    assert costs.expenses <= Decimal("20.00")
    assert costs.fee > 0 or principal < Decimal("0.02")
    if principal <= Decimal("50"):
        assert costs.total <= principal


def test_debtor_money_pays_costs_then_interest_then_principal() -> None:
    split = allocate(Decimal("60"), open_costs=Decimal("55.62"), open_interest=Decimal("3.00"))
    assert (split.costs, split.interest, split.principal) == (
        Decimal("55.62"),
        Decimal("3.00"),
        Decimal("1.38"),
    )
    split = allocate(Decimal("20"), open_costs=Decimal("55.62"), open_interest=Decimal("3.00"))
    assert (split.costs, split.interest, split.principal) == (Decimal("20"), Decimal("0"), Decimal("0"))
