"""One pull from 1159 Finance: changed cases and new payments, mirrored, and the cursors moved on.

Several workers may run it at once: on PostgreSQL an advisory lock lets one of them pull while the
others skip; everything it applies is idempotent anyway (payments are unique by the agency's id).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Sequence
from dataclasses import dataclass

from sqlalchemy import func, text
from sqlmodel import col, select

from core.db.engine import UnitOfWork, is_postgres
from core.db.models import Claim
from core.finance1159 import wire
from core.finance1159.client import Finance1159Client
from core.sync import cursors
from core.sync.cases import apply_cases
from core.sync.pages import all_pages
from core.sync.payments import apply_payments

_LOCK_BASE = 1159_0000


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
    since_cases = cursors.newer_than(cursors.position(uow.fresh(), practice_id, cursors.CASES))
    since_payments = cursors.newer_than(cursors.position(uow.fresh(), practice_id, cursors.PAYMENTS))
    # A first (full) pull reads one case per claim handed over: ask for all those pages at once.
    expected = 1 if since_cases else _pages_of(_handed_over(uow.fresh(), practice_id))
    changed = 0

    def apply_page(cases: Sequence[wire.Case]) -> None:
        nonlocal changed
        changed += apply_cases(uow.fresh(), practice_id, cases)

    def pull_cases() -> Awaitable[tuple[list[wire.Case], bool]]:
        return all_pages(
            lambda page: finance.list_cases(updated_since=since_cases, page=page, per_page=wire.MAX_PER_PAGE),
            concurrency,
            apply_page,
            expected_pages=expected,
        )

    # Both streams at once; the connection pool (finance1159_concurrency) bounds the total.
    (cases, cases_stable), (payments, payments_stable) = await asyncio.gather(
        pull_cases(),
        all_pages(
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
    added = apply_payments(uow.fresh(), practice_id, payments)
    if cases_stable:
        cursors.advance(
            uow.fresh(), practice_id, cursors.CASES, max((c.updated_at for c in cases), default=None)
        )
    if payments_stable:
        cursors.advance(
            uow.fresh(), practice_id, cursors.PAYMENTS, max((p.created_at for p in payments), default=None)
        )
    return SyncReport(len({c.case_id for c in cases}), changed, added)


def _handed_over(uow: UnitOfWork, practice_id: int) -> int:
    with uow:
        return int(
            uow.session.exec(
                select(func.count()).where(Claim.practice_id == practice_id, col(Claim.case_id).is_not(None))
            ).one()
        )


def _pages_of(items: int) -> int:
    return max(-(-items // wire.MAX_PER_PAGE), 1)
