"""The practice's books: settings (chart, basis, DATEV numbers, accounts), closed months, exports."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import JSON, Column, Field, LargeBinary, SQLModel, UniqueConstraint

from core.db.types import UTCDateTime
from core.domain.dates import utcnow

__all__ = ["BookExport", "BookMonth", "BookSettings"]


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


class BookMonth(SQLModel, table=True):
    """A closed month: its journal entries as locked, so later changes become corrections."""

    __table_args__ = (UniqueConstraint("practice_id", "month"),)
    id: int | None = Field(default=None, primary_key=True)
    practice_id: int = Field(foreign_key="practice.id", index=True)
    month: str  # YYYY-MM
    closed_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))
    closed_by: str = ""
    entries: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))


class BookExport(SQLModel, table=True):
    """Every file handed out for a month, with its SHA-256; `final` ones are a closed month's."""

    id: int | None = Field(default=None, primary_key=True)
    practice_id: int = Field(foreign_key="practice.id", index=True)
    month: str = Field(index=True)  # YYYY-MM
    format: str  # pdf | csv | datev
    name: str
    data: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    sha256: str
    final: bool = False
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))
    created_by: str = ""
