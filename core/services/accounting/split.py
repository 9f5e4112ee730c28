"""§ 367 BGB: what a debtor's payment to the agency pays — costs first, then interest, then principal.

1159 Finance reports no split of its own (neither in the API nor in the statement CSV), so every
payment is split here, in date order, against the costs and interest the agency had charged up
to and including the payment day. Payments the debtor made to the practice directly are in the
practice's cash book as revenue already; they reduce only the principal still open.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from core.domain.money import ZERO

__all__ = ["COST_KINDS", "Charge", "Paid", "Split", "split_payments"]

COST_KINDS = ("collection_fee", "expenses", "reminder_fee")


@dataclass(frozen=True)
class Split:
    costs: Decimal
    interest: Decimal
    principal: Decimal


@dataclass(frozen=True)
class Charge:
    day: date
    kind: str  # a Fee.type
    amount: Decimal


@dataclass(frozen=True)
class Paid:
    key: int  # the payment's id
    day: date
    amount: Decimal
    to_agency: bool


def split_payments(charges: list[Charge], payments: list[Paid]) -> dict[int, Split]:
    """The split of every agency payment of one claim, by payment id."""
    costs = interest = ZERO
    pending = sorted(charges, key=lambda c: c.day)
    out: dict[int, Split] = {}
    for pay in sorted(payments, key=lambda p: (p.day, p.key)):
        while pending and pending[0].day <= pay.day:
            charge = pending.pop(0)
            if charge.kind == "interest":
                interest += charge.amount
            elif charge.kind in COST_KINDS:
                costs += charge.amount
        if not pay.to_agency:
            continue
        to_costs = min(pay.amount, costs)
        to_interest = min(pay.amount - to_costs, interest)
        costs, interest = costs - to_costs, interest - to_interest
        out[pay.key] = Split(to_costs, to_interest, pay.amount - to_costs - to_interest)
    return out
