"""The dashboard's overdue listing: the one overdue query (invoicing/invoices.py), for viewers."""

from __future__ import annotations

from datetime import date

from core.db.engine import UnitOfWork
from core.domain.dates import AgeBucket
from core.services.invoicing import invoices
from core.services.invoicing.invoices import OverduePage
from core.services.people.access import Actor, Permission, require

__all__ = ["overdue"]


def overdue(
    uow: UnitOfWork,
    *,
    practice_id: int,
    actor: Actor,
    bucket: AgeBucket | None = None,
    handover_possible: bool | None = None,
    search: str = "",
    page: int = 1,
    per_page: int = 25,
    on: date | None = None,
) -> OverduePage:
    """Overdue invoices not handed over, oldest first, filtered by age, legal basis and text."""
    require(actor, Permission.VIEW)
    return invoices.overdue(
        uow,
        practice_id=practice_id,
        page=page,
        per_page=per_page,
        bucket=bucket,
        handover_possible=handover_possible,
        search=search,
        on=on,
    )
