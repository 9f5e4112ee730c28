"""Sums in SQL as exact Decimals, and an empty sum as zero: shared by the dashboard's read models."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import type_coerce
from sqlmodel import func

from core.db.types import Cents
from core.domain.money import ZERO

__all__ = ["money_or_zero", "sum_cents"]


def sum_cents(column: Any) -> Any:
    return type_coerce(func.sum(column), Cents)


def money_or_zero(value: Decimal | None) -> Decimal:
    return value if value is not None else ZERO
