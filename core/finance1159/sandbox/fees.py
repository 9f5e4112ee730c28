"""What the simulated agency may charge a debtor (PRODUCT.md), and how debtor money is booked.

Collection fee: a 0,9 fee (Nr. 2300 VV RVG, undisputed claim, since 1 Oct 2021) on the principal
as Gegenstandswert, from the value table of § 13 Abs. 1 RVG. Two versions of the table apply:
  - until 31 May 2025 (KostRÄG 2021): up to 500 € → 49 €; +39 € per started 500 € up to 2 000;
    +56 € per 1 000 up to 10 000; +52 € per 3 000 up to 25 000; +81 € per 5 000 up to 50 000;
    +94 € per 15 000 up to 200 000; +132 € per 30 000 up to 500 000; +165 € per 50 000 above.
  - from 1 June 2025 (KostBRÄG 2025, BGBl. 2025 I Nr. 109): 500 € → 51,50 €; +41,50 €; +59,50 €;
    +55 €; +86 €; +99,50 €; +140 €; +175 € for the same steps.
  Checked against Anlage 2 RVG, e.g. old 1 000 € → 88 €, 10 000 € → 614 €, 50 000 € → 1 279 €;
  new 1 000 € → 93 €, 10 000 € → 652 €, 50 000 € → 1 357 €.
Expenses: Nr. 7002 VV RVG, 20 % of the fee, at most 20 €.
Cap: for a claim up to 50 € the costs (fee + expenses) may not exceed the claim.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_CEILING, ROUND_DOWN, ROUND_HALF_UP, Decimal

__all__ = [
    "Allocation",
    "CENT",
    "COLLECTION_RATE",
    "CollectionCosts",
    "EXPENSES_MAX",
    "EXPENSES_RATE",
    "SMALL_CLAIM_LIMIT",
    "TABLE_2025_FROM",
    "allocate",
    "collection_costs",
    "rvg_full_fee",
]

CENT = Decimal("0.01")
COLLECTION_RATE = Decimal("0.9")
EXPENSES_RATE = Decimal("0.20")
EXPENSES_MAX = Decimal("20.00")
SMALL_CLAIM_LIMIT = Decimal("50.00")
TABLE_2025_FROM = date(2025, 6, 1)

# (value up to, step, increment per started step); the first row is the base fee up to 500 €.
_TABLE_2021: tuple[tuple[int, int, Decimal], ...] = (
    (2_000, 500, Decimal("39")),
    (10_000, 1_000, Decimal("56")),
    (25_000, 3_000, Decimal("52")),
    (50_000, 5_000, Decimal("81")),
    (200_000, 15_000, Decimal("94")),
    (500_000, 30_000, Decimal("132")),
    (10**12, 50_000, Decimal("165")),
)
_TABLE_2025: tuple[tuple[int, int, Decimal], ...] = (
    (2_000, 500, Decimal("41.50")),
    (10_000, 1_000, Decimal("59.50")),
    (25_000, 3_000, Decimal("55")),
    (50_000, 5_000, Decimal("86")),
    (200_000, 15_000, Decimal("99.50")),
    (500_000, 30_000, Decimal("140")),
    (10**12, 50_000, Decimal("175")),
)


def rvg_full_fee(value: Decimal, on: date) -> Decimal:
    """The 1,0 fee of § 13 Abs. 1 RVG for a Gegenstandswert, by the table in force `on`."""
    base, table = (Decimal("51.50"), _TABLE_2025) if on >= TABLE_2025_FROM else (Decimal("49"), _TABLE_2021)
    fee = base
    lower = Decimal(500)
    for upper, step, increment in table:
        if value <= lower:
            break
        covered = min(value, Decimal(upper)) - lower
        steps = (covered / step).to_integral_value(ROUND_CEILING)  # every started step counts
        fee += steps * increment
        lower = Decimal(upper)
    return fee


@dataclass(frozen=True)
class CollectionCosts:
    fee: Decimal
    expenses: Decimal

    @property
    def total(self) -> Decimal:
        return self.fee + self.expenses


def collection_costs(principal: Decimal, on: date) -> CollectionCosts:
    """The 0,9 collection fee and its expenses, with the small-claim cap applied."""
    fee = (rvg_full_fee(principal, on) * COLLECTION_RATE).quantize(CENT, ROUND_HALF_UP)
    expenses = min((fee * EXPENSES_RATE).quantize(CENT, ROUND_HALF_UP), EXPENSES_MAX)
    if principal <= SMALL_CLAIM_LIMIT and fee + expenses > principal:
        # Scale fee and expenses down together, rounding down so the sum never exceeds the claim.
        fee = (principal / (1 + EXPENSES_RATE)).quantize(CENT, ROUND_DOWN)
        expenses = min((fee * EXPENSES_RATE).quantize(CENT, ROUND_DOWN), principal - fee)
    return CollectionCosts(fee, expenses)


@dataclass(frozen=True)
class Allocation:
    costs: Decimal
    interest: Decimal
    principal: Decimal


def allocate(amount: Decimal, *, open_costs: Decimal, open_interest: Decimal) -> Allocation:
    """Debtor money goes to costs first, then interest, then principal (§ 367 BGB)."""
    to_costs = min(amount, max(open_costs, Decimal(0)))
    to_interest = min(amount - to_costs, max(open_interest, Decimal(0)))
    return Allocation(to_costs, to_interest, amount - to_costs - to_interest)
