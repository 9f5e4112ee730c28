"""Fees for the dashboard: what 1159 Finance charged debtors, and the practice's own case fees."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

from sqlalchemy import extract
from sqlmodel import col, func, select

from core.db.engine import UnitOfWork
from core.db.models import Claim, Fee, Practice
from core.domain.case_fees import free_until, is_free
from core.domain.claim_lifecycle import fee_label
from core.domain.dates import today
from core.domain.money import ZERO
from core.services.people.access import Actor, Permission, require
from core.services.read.sums import money_or_zero as _money
from core.services.read.sums import sum_cents as _sum

__all__ = ["CaseFees", "case_fees", "fees_by_type_and_month"]


def fees_by_type_and_month(
    uow: UnitOfWork, *, practice_id: int, actor: Actor, year: int
) -> list[tuple[str, str, Decimal]]:
    """Fees 1159 Finance charged debtors in `year`: (JJJJ-MM, German type, sum), month by month."""
    require(actor, Permission.VIEW)
    m = extract("month", col(Fee.charged_on))
    with uow:
        rows = uow.session.exec(
            select(m, Fee.type, _sum(Fee.amount))
            .where(
                Fee.practice_id == practice_id,
                col(Fee.charged_on) >= date(year, 1, 1),
                col(Fee.charged_on) < date(year + 1, 1, 1),
            )
            .group_by(m, Fee.type)
            .order_by(m, Fee.type)
        ).all()
    return [
        (f"{year:04d}-{int(mm):02d}", fee_label(kind), _money(amount)) for mm, kind, amount in rows
    ]


@dataclass(frozen=True)
class CaseFees:
    contract_start: date | None
    free_until: date | None
    free_now: bool
    fee: Decimal
    free_months: int
    by_month: list[tuple[str, int, int, Decimal]]  # (JJJJ-MM, hand-overs, free ones, sum)


def case_fees(
    uow: UnitOfWork,
    *,
    practice_id: int,
    actor: Actor,
    year: int,
    on: date | None = None,
) -> CaseFees:
    """The practice's own case fees per month of `year`, and the free first months of the contract."""
    require(actor, Permission.VIEW)
    on = on or today()
    created = col(Claim.created_at)
    m = extract("month", created)
    with uow:
        practice = uow.session.get(Practice, practice_id)
        rows = uow.session.exec(
            select(m, func.count(), func.count().filter(col(Claim.case_fee) == 0), _sum(Claim.case_fee))
            .where(
                Claim.practice_id == practice_id,
                col(Claim.case_id).is_not(None),  # as the overview and the books: a case at the agency
                created >= datetime(year, 1, 1, tzinfo=UTC),
                created < datetime(year + 1, 1, 1, tzinfo=UTC),
            )
            .group_by(m)
            .order_by(m)
        ).all()
    start, free_months = practice.contract_start if practice else None, uow.settings.free_months
    return CaseFees(
        start,
        free_until(start, free_months),
        is_free(contract_start=start, on=on, free_months=free_months),
        practice.case_fee if practice else ZERO,
        free_months,
        [(f"{year:04d}-{int(mm):02d}", int(n), int(free), _money(total)) for mm, n, free, total in rows],
    )
