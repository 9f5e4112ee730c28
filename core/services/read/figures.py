"""The dashboard's key figures and the money collected per month, aggregated in SQL."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

from sqlalchemy import ColumnElement, and_, extract
from sqlmodel import Session, col, func, select

from core.db.engine import UnitOfWork
from core.db.models import Claim, Fee, Payment
from core.domain.claim_lifecycle import OPEN
from core.domain.dates import today
from core.finance1159 import wire
from core.services.people.access import Actor, Permission, require
from core.services.read.sums import money_or_zero as _money
from core.services.read.sums import sum_cents as _sum

__all__ = ["Overview", "collected_by_month", "overview"]


@dataclass(frozen=True)
class Overview:
    open_claims: int
    in_collection: Decimal
    collected_month: Decimal
    collected_year: Decimal
    success_rate: float | None  # paid in full / finished (paid or uncollectible)
    finished: int
    debtor_fees_year: Decimal
    case_fees_year: Decimal


def overview(uow: UnitOfWork, *, practice_id: int, actor: Actor, on: date | None = None) -> Overview:
    require(actor, Permission.VIEW)
    on = on or today()
    year_start, month_start = date(on.year, 1, 1), date(on.year, on.month, 1)
    with uow:
        s = uow.session
        open_count, in_collection = s.exec(
            select(func.count(), _sum(func.coalesce(col(Claim.outstanding), col(Claim.principal)))).where(
                Claim.practice_id == practice_id,
                col(Claim.closed_at).is_(None),
                col(Claim.delivery).in_(OPEN),
            )
        ).one()
        collected = [_agency_paid(s, practice_id, since, on) for since in (year_start, month_start)]
        paid, finished = s.exec(
            select(
                func.count().filter(col(Claim.agency_status) == wire.CaseStatus.PAID),
                func.count(),
            ).where(
                Claim.practice_id == practice_id,
                col(Claim.agency_status).in_((wire.CaseStatus.PAID, wire.CaseStatus.UNCOLLECTIBLE)),
            )
        ).one()
        fees = s.exec(
            select(_sum(Fee.amount)).where(Fee.practice_id == practice_id, col(Fee.charged_on) >= year_start)
        ).one()
        case_fees = s.exec(
            select(_sum(Claim.case_fee)).where(
                Claim.practice_id == practice_id,
                col(Claim.case_id).is_not(None),
                col(Claim.created_at) >= datetime(on.year, 1, 1, tzinfo=UTC),
            )
        ).one()
    return Overview(
        int(open_count),
        _money(in_collection),
        collected[1],
        collected[0],
        (paid / finished) if finished else None,
        int(finished),
        _money(fees),
        _money(case_fees),
    )


def _collected(practice_id: int, since: date, on: date) -> ColumnElement[bool]:
    """The one definition of money collected in a period, shared by the headline figures and the
    month chart: the agency's payments dated from `since` up to `on`. A payment dated after `on`
    (booked ahead, or next month's) is not yet collected and counts in no period before its date."""
    return and_(
        col(Payment.practice_id) == practice_id,
        col(Payment.source) == "agency",
        col(Payment.paid_on) >= since,
        col(Payment.paid_on) <= on,
    )


def _agency_paid(session: Session, practice_id: int, since: date, on: date) -> Decimal:
    total = session.exec(select(_sum(Payment.amount)).where(_collected(practice_id, since, on))).one()
    return _money(total)


def _month_keys(on: date, months: int) -> list[str]:
    keys = []
    year, month = on.year, on.month
    for _ in range(months):
        keys.append(f"{year:04d}-{month:02d}")
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return keys[::-1]


def collected_by_month(
    uow: UnitOfWork, *, practice_id: int, actor: Actor, months: int = 12, on: date | None = None
) -> list[tuple[str, Decimal]]:
    """Money the agency collected per month (the last `months`, oldest first, empty months as 0)."""
    require(actor, Permission.VIEW)
    on = on or today()
    keys = _month_keys(on, months)
    since = date(int(keys[0][:4]), int(keys[0][5:]), 1)
    y, m = extract("year", col(Payment.paid_on)), extract("month", col(Payment.paid_on))
    with uow:
        rows = uow.session.exec(
            select(y, m, _sum(Payment.amount)).where(_collected(practice_id, since, on)).group_by(y, m)
        ).all()
    found = {f"{int(yy):04d}-{int(mm):02d}": amount for yy, mm, amount in rows}
    return [(k, _money(found.get(k))) for k in keys]
