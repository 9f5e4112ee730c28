"""One pull from 1159 Finance: changed cases and new payments, mirrored, and the cursors moved on.

Several workers may run it at once: on PostgreSQL an advisory lock lets one of them pull while the
others skip; everything it applies is idempotent anyway (payments are unique by the agency's id).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import text
from sqlalchemy.engine import Connection

from core.db.engine import UnitOfWork, is_postgres
from core.db.models import Claim
from core.finance1159 import wire
from core.finance1159.client import Finance1159Client
from core.sync import cursors
from core.sync.cursors import CASES, PAYMENTS
from core.sync.pages import all_pages
from core.sync.payments import apply_payments
from core.sync.storing import CaseStore

__all__ = ["SyncReport", "sync_once"]

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
                # The lock's connection also reads where the pull starts: a worker's first pull
                # would otherwise wait for a second connection before its first request.
                start = _starting_point(lock_conn, practice_id)
                return await _sync(uow, finance, practice_id, concurrency, start)
            finally:
                lock_conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": _LOCK_BASE + practice_id})
                lock_conn.commit()
    with uow.fresh() as reading:
        start = _starting_point(reading.session.connection(), practice_id)
    return await _sync(uow, finance, practice_id, concurrency, start)


async def _sync(
    uow: UnitOfWork,
    finance: Finance1159Client,
    practice_id: int,
    concurrency: int,
    start: tuple[datetime | None, datetime | None, int],
) -> SyncReport:
    since_cases, since_payments, expected = start
    async with CaseStore(uow, practice_id, read_all=expected > 1) as store:

        def list_cases(page: int) -> Awaitable[wire.Page[wire.Case]]:
            store.requests_out()
            return finance.list_cases(updated_since=since_cases, page=page, per_page=wire.MAX_PER_PAGE)

        def list_payments(page: int) -> Awaitable[wire.Page[wire.Payment]]:
            return finance.list_payments(since=since_payments, page=page, per_page=wire.MAX_PER_PAGE)

        # Both streams at once; the connection pool (finance1159_concurrency) bounds the total.
        (_, cases_stable), (payments, payments_stable) = await asyncio.gather(
            all_pages(list_cases, concurrency, store.add, expected_pages=expected),
            all_pages(list_payments, concurrency),
        )
        # A case changed while the pages were read joins the listing and shifts the later pages,
        # so another case may have slipped between two of them: read the same span again
        # (applying is idempotent and skips what is unchanged). If the agency is busy every
        # time, the cursor stays.
        for _ in range(2):
            if cases_stable:
                break
            _, cases_stable = await all_pages(list_cases, concurrency, store.add)
        await store.finish()
    added = apply_payments(uow.fresh(), practice_id, payments)  # after the cases: claims know their case
    seen: dict[str, datetime | None] = {}
    if cases_stable:
        seen[CASES] = store.newest
    if payments_stable:
        seen[PAYMENTS] = max((p.created_at for p in payments), default=None)
    cursors.advance_streams(uow.fresh(), practice_id, seen)
    return SyncReport(len(store.seen), store.changed, added)


def _starting_point(connection: Connection, practice_id: int) -> tuple[datetime | None, datetime | None, int]:
    """Where each stream goes on from, and how many pages of cases to ask for at once: a first
    (full) pull reads one case per claim handed over, so it knows about how many there are."""
    # Plain statements, as in cursors.positions: they run before the first request goes out.
    seen = cursors.positions(connection, practice_id)
    pages = 1
    if seen[CASES] is None:
        handed_over = connection.execute(_HANDED_OVER, {"practice_id": practice_id}).scalar_one()
        pages = max(-(-int(handed_over) // wire.MAX_PER_PAGE), 1)
    return cursors.newer_than(seen[CASES]), cursors.newer_than(seen[PAYMENTS]), pages


_HANDED_OVER = text(
    f"SELECT COUNT(*) FROM {Claim.__tablename__} WHERE practice_id = :practice_id AND case_id IS NOT NULL"
)
