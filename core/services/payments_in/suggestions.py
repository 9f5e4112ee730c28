"""STAND-IN ONLY (branch `bank`): the real module comes from branch `payments`, which owns it.

It exists here so the bank import and its tests run; at merge the lead keeps the `payments`
version and drops this file. It records nothing: `suggest` answers None ("suggested before")
for every call, so nothing in the bank branch depends on what it does.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from core.db.engine import UnitOfWork

__all__ = ["Suggestion", "suggest"]


@dataclass(frozen=True)
class Suggestion:
    id: int
    number: str
    amount: Decimal


def suggest(
    uow: UnitOfWork,
    *,
    practice_id: int,
    number: str,
    amount: Decimal,
    paid_on: date,
    source: str,
    evidence: str,
    reason: str,
    confidence: str,
    payer: str = "",
    transaction_key: str = "",
) -> Suggestion | None:
    """Stand-in for the `payments` branch's suggestion; records nothing here."""
    return None
