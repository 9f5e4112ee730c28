"""The practice's books: how the tax advisor keeps them (chart, basis, DATEV numbers, accounts)."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import JSON, Column, Field, SQLModel

from core.db.types import UTCDateTime
from core.domain.dates import utcnow


class BookSettings(SQLModel, table=True):
    """One row per practice; without a row the SKR03 presets and cash basis apply."""

    practice_id: int = Field(foreign_key="practice.id", primary_key=True)
    chart: str = "SKR03"  # SKR03 | SKR04
    basis: str = "cash"  # cash (EÜR, § 4 Abs. 3 EStG) | accrual
    consultant_number: str = ""  # DATEV Beraternummer, 4–7 digits
    client_number: str = ""  # DATEV Mandantennummer, 1–5 digits
    fiscal_year_start: int = 1  # month the fiscal year begins
    # role → {"number": "1360", "name": "Geldtransit"}; roles in core/services/accounting/chart.py
    accounts: dict[str, dict[str, str]] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    updated_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))
    updated_by: str = ""
