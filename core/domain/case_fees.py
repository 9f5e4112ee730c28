"""The practice's case fee: what one hand-over costs it, free during the first contract months.

The one rule; the hand-over, its preview and the dashboard's fee page use it. The fee is
computed once at hand-over and stored with the claim, so no SQL repeats it. The 1159 Finance
sandbox keeps its own copy in core/finance1159/sandbox/statement.py: it plays the agency.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from core.domain.dates import format_date
from core.domain.money import ZERO, format_eur

__all__ = ["DEFAULT_FREE_MONTHS", "case_fee", "describe_fee", "free_until", "is_free"]

DEFAULT_FREE_MONTHS = 6


def free_until(contract_start: date | None, free_months: int) -> date | None:
    """The first day a hand-over costs the fee: `free_months` after the contract start.

    The day is capped at the 28th (as 1159 Finance counts), so every month has it. None without
    a contract: then nothing is charged yet.
    """
    if contract_start is None:
        return None
    index = contract_start.month - 1 + free_months
    return date(contract_start.year + index // 12, index % 12 + 1, min(contract_start.day, 28))


def is_free(*, contract_start: date | None, on: date, free_months: int) -> bool:
    """A hand-over on `on` costs nothing: no contract yet, or before `free_until`."""
    first_charged = free_until(contract_start, free_months)
    return first_charged is None or on < first_charged


def case_fee(*, contract_start: date | None, on: date, fee: Decimal, free_months: int) -> Decimal:
    """The practice's fee for one hand-over on `on`: nothing while free, else `fee`."""
    return ZERO if is_free(contract_start=contract_start, on=on, free_months=free_months) else fee


def describe_fee(*, contract_start: date | None, on: date, fee: Decimal, free_months: int) -> str:
    """The fee as staff read it before a hand-over."""
    charged = case_fee(contract_start=contract_start, on=on, fee=fee, free_months=free_months)
    if charged == ZERO:
        end = free_until(contract_start or on, free_months)
        return f"kostenlos (erste {free_months} Vertragsmonate, bis {format_date(end)})"
    return f"{format_eur(charged)} Fallgebühr für die Praxis"
