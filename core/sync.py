"""The periodic pull from 1159 Finance: only what changed since the last pull, pages fetched concurrently.

Several workers may run it at once: on PostgreSQL an advisory lock lets one of them pull while the
others skip; everything it applies is idempotent anyway (payments are unique by the agency's id).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, TypeVar

from sqlalchemy import Row, text, update
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from core.db.engine import UnitOfWork, is_postgres
from core.db.models import Claim, Fee, Payment, SyncCursor
from core.domain.dates import utcnow
from core.finance1159 import wire
from core.finance1159.client import Finance1159Client
from core.services.case_mirror import add_agency_payment, apply_case, case_values, fee_key

T = TypeVar("T")
CASES, PAYMENTS = "cases", "payments"
_LOCK_BASE = 1159_0000
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SyncReport:
    cases_seen: int
    cases_changed: int
    payments_added: int
    skipped: bool = False


async def sync_once(
    uow: UnitOfWork, *, finance: Finance1159Client, practice_id: int, concurrency: int = 8
) -> SyncReport:
    """Pull changed cases and new payments and mirror them."""
    if is_postgres(uow.engine):
        with uow.engine.connect() as lock_conn:
            got = lock_conn.execute(
                text("SELECT pg_try_advisory_lock(:k)"), {"k": _LOCK_BASE + practice_id}
            ).scalar()
            if not got:
                return SyncReport(0, 0, 0, skipped=True)
            try:
                return await _sync(uow, finance, practice_id, concurrency)
            finally:
                lock_conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": _LOCK_BASE + practice_id})
                lock_conn.commit()
    return await _sync(uow, finance, practice_id, concurrency)


async def _sync(
    uow: UnitOfWork, finance: Finance1159Client, practice_id: int, concurrency: int
) -> SyncReport:
    since_cases = _after(_cursor(uow.fresh(), practice_id, CASES))
    since_payments = _after(_cursor(uow.fresh(), practice_id, PAYMENTS))
    changed = 0

    def apply_page(cases: Sequence[wire.Case]) -> None:
        # Each page is stored while the next ones are still on their way.
        nonlocal changed
        changed += _apply_cases(uow.fresh(), practice_id, list(cases))

    def pull_cases() -> Awaitable[tuple[list[wire.Case], bool]]:
        return _all_pages(
            lambda page: finance.list_cases(updated_since=since_cases, page=page, per_page=wire.MAX_PER_PAGE),
            concurrency,
            apply_page,
        )

    # Both streams at once; the connection pool (finance1159_concurrency) bounds the total.
    (cases, cases_stable), (payments, payments_stable) = await asyncio.gather(
        pull_cases(),
        _all_pages(
            lambda page: finance.list_payments(since=since_payments, page=page, per_page=wire.MAX_PER_PAGE),
            concurrency,
        ),
    )
    # A case changed while the pages were read joins the listing and shifts the later pages, so
    # another case may have slipped between two of them: read the same span again (applying is
    # idempotent and skips what is unchanged). If the agency is busy every time, the cursor stays.
    for _ in range(2):
        if cases_stable:
            break
        again, cases_stable = await pull_cases()
        cases = again + cases
    added = _apply_payments(uow.fresh(), practice_id, payments)  # after the cases: claims know their case
    if cases_stable:
        _advance(uow.fresh(), practice_id, CASES, max((c.updated_at for c in cases), default=None))
    if payments_stable:
        _advance(uow.fresh(), practice_id, PAYMENTS, max((p.created_at for p in payments), default=None))
    return SyncReport(len({c.case_id for c in cases}), changed, added)


def _after(position: datetime | None) -> datetime | None:
    """The agency's filters are inclusive: ask for what is newer than the newest already seen.

    Otherwise every pull reads the last change again, and all cases that share its time stamp
    (a batch the agency made in one go) with it.
    """
    return None if position is None else position + timedelta(microseconds=1)


async def _all_pages(
    fetch: Callable[[int], Awaitable[wire.Page[T]]],
    concurrency: int,
    on_page: Callable[[Sequence[T]], None] | None = None,
) -> tuple[list[T], bool]:
    """Every item of a listing, pages 2… concurrently, each handed to `on_page` as it arrives;
    and whether all pages reported the same total."""
    first = await fetch(1)
    items = list(first.items)
    if on_page is not None:
        on_page(first.items)
    pages = max((first.total + first.per_page - 1) // max(first.per_page, 1), 1)
    stable = True
    if pages > 1:
        gate = asyncio.Semaphore(concurrency)

        async def one(page: int) -> wire.Page[T]:
            async with gate:
                return await fetch(page)

        tasks = [asyncio.ensure_future(one(p)) for p in range(2, pages + 1)]
        try:
            for arrival in asyncio.as_completed(tasks):
                result = await arrival
                items.extend(result.items)
                stable = stable and result.total == first.total
                if on_page is not None:
                    on_page(result.items)
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
    return items, stable


_MIRROR_COLUMNS = (
    col(Claim.id),
    col(Claim.case_id),
    col(Claim.reference),
    col(Claim.delivery),
    col(Claim.agency_status),
    col(Claim.agency_updated_at),
    col(Claim.paid_to_agency),
    col(Claim.outstanding),
    col(Claim.fees_total),
)


def _claims_by_case(session: Session, practice_id: int, cases: list[wire.Case]) -> dict[int, Row[Any]]:
    """The mirror columns of the claims behind `cases` (plain rows: 10,000 ORM objects cost a second)."""
    found: dict[int, Row[Any]] = {}
    ids = [c.case_id for c in cases]
    refs = {c.reference: c.case_id for c in cases}
    for start in range(0, len(ids), 500):
        for row in session.execute(
            sa_select(*_MIRROR_COLUMNS).where(
                col(Claim.practice_id) == practice_id, col(Claim.case_id).in_(ids[start : start + 500])
            )
        ).all():
            found[row.case_id] = row
    missing = [r for r, cid in refs.items() if cid not in found]
    for start in range(0, len(missing), 500):
        # A claim whose creation answer was lost in a crash is found by its reference.
        for row in session.execute(
            sa_select(*_MIRROR_COLUMNS).where(
                col(Claim.practice_id) == practice_id, col(Claim.reference).in_(missing[start : start + 500])
            )
        ).all():
            found[refs[row.reference]] = row
    return found


def _apply_cases(uow: UnitOfWork, practice_id: int, cases: list[wire.Case]) -> int:
    """Mirror the cases. Plain changes of many claims go out as one bulk UPDATE; a new status, new
    fees or a claim not yet marked submitted go through apply_case (notifications, audit)."""
    changed = 0
    with uow:
        session = uow.session
        rows = _claims_by_case(session, practice_id, cases)
        fees = _fees_of(session, [r.id for r in rows.values()])
        unchanged: list[int] = []
        bulk: list[dict[str, Any]] = []
        for case in cases:
            row = rows.get(case.case_id)
            if row is None:
                continue
            if row.case_id == case.case_id and row.agency_updated_at == case.updated_at:
                unchanged.append(row.id)  # the agency changed nothing since we mirrored it
                continue
            plain = (
                row.case_id == case.case_id
                and row.delivery not in ("queued", "failed")
                and row.agency_status == case.status
                and fees.get(row.id, []) == fee_key((f.type, f.amount, f.date) for f in case.fees)
            )
            if plain:
                values = case_values(case)
                bulk.append({"id": row.id, **values})
                before = (row.paid_to_agency, row.outstanding, row.fees_total)
                changed += before != (values["paid_to_agency"], values["outstanding"], values["fees_total"])
            else:
                claim = session.get(Claim, row.id)
                assert claim is not None
                changed += apply_case(session, claim, case)
        for start in range(0, len(bulk), 1000):
            session.execute(update(Claim), bulk[start : start + 1000])  # by primary key, executemany
        now = utcnow()
        for start in range(0, len(unchanged), 500):
            session.execute(
                update(Claim)
                .where(col(Claim.id).in_(unchanged[start : start + 500]))
                .values(status_as_of=now)
                .execution_options(synchronize_session=False)
            )
        uow.commit()
    return changed


def _fees_of(session: Session, claim_ids: list[int]) -> dict[int, list[tuple[str, Decimal, date]]]:
    found: dict[int, list[tuple[str, Decimal, date]]] = {}
    for start in range(0, len(claim_ids), 500):
        for claim_id, kind, amount, charged_on in session.execute(
            sa_select(col(Fee.claim_id), col(Fee.type), col(Fee.amount), col(Fee.charged_on)).where(
                col(Fee.claim_id).in_(claim_ids[start : start + 500])
            )
        ).all():
            found.setdefault(claim_id, []).append((kind, amount, charged_on))
    return {claim_id: fee_key(rows) for claim_id, rows in found.items()}


def _apply_payments(uow: UnitOfWork, practice_id: int, payments: list[wire.Payment]) -> int:
    added = 0
    with uow:
        session = uow.session
        case_ids = sorted({p.case_id for p in payments})
        claims: dict[int, Claim] = {}
        for start in range(0, len(case_ids), 500):
            for claim in session.exec(
                select(Claim).where(
                    Claim.practice_id == practice_id, col(Claim.case_id).in_(case_ids[start : start + 500])
                )
            ).all():
                claims[claim.case_id or 0] = claim
        for payment in payments:
            found = claims.get(payment.case_id)
            if found is None:
                continue
            claim = found
            if payment.source == wire.PaymentSource.AGENCY:
                added += int(add_agency_payment(session, claim, payment))
            elif payment.reference:
                _confirm_ours(session, practice_id, payment)
        uow.commit()
    return added


def _confirm_ours(session: Session, practice_id: int, payment: wire.Payment) -> None:
    ours = session.exec(
        select(Payment).where(
            Payment.practice_id == practice_id,
            Payment.source == "practice",
            Payment.reference == payment.reference,
        )
    ).first()
    if ours is not None and ours.remote_id is None:
        ours.remote_id = payment.payment_id


def _cursor(uow: UnitOfWork, practice_id: int, stream: str) -> datetime | None:
    with uow:
        row = uow.session.exec(
            select(SyncCursor).where(SyncCursor.practice_id == practice_id, SyncCursor.stream == stream)
        ).first()
        return row.position if row else None


def _advance(uow: UnitOfWork, practice_id: int, stream: str, position: datetime | None) -> None:
    if position is None:
        return
    with uow:
        row = uow.session.exec(
            select(SyncCursor).where(SyncCursor.practice_id == practice_id, SyncCursor.stream == stream)
        ).first()
        if row is None:
            row = SyncCursor(practice_id=practice_id, stream=stream)
            uow.session.add(row)
        if row.position is None or position > row.position:
            row.position = position
        uow.commit()


def last_sync(uow: UnitOfWork, *, practice_id: int) -> datetime | None:
    return _cursor(uow, practice_id, CASES)


__all__ = ["SyncReport", "last_sync", "sync_once"]
