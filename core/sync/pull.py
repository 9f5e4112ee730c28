"""One pull from 1159 Finance: changed cases and new payments, mirrored, and the cursors moved on.

Several workers may run it at once: on PostgreSQL an advisory lock lets one of them pull while the
others skip; everything it applies is idempotent anyway (payments are unique by the agency's id).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import String, text

from core.db.engine import UnitOfWork, is_postgres
from core.db.models import Claim, SyncCursor
from core.finance1159 import wire
from core.finance1159.client import Finance1159Client
from core.sync import cursors
from core.sync.cases import (
    Form,
    KnownClaims,
    apply_cases,
    known_claims,
    plan_cases,
    read_known_claims,
    write_plan,
)
from core.sync.cursors import CASES, PAYMENTS
from core.sync.pages import all_pages
from core.sync.payments import apply_payments

_LOCK_BASE = 1159_0000
_BATCH = 200  # cases stored per transaction


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
    since_cases, since_payments, expected = _starting_point(uow.fresh(), practice_id)
    requests_out = asyncio.Event()

    async def read_known() -> KnownClaims | None:
        # A full pull reads every claim at once, in a thread, once its first requests are out.
        if expected == 1:
            return None
        await requests_out.wait()
        return await asyncio.to_thread(read_known_claims, uow.fresh(), practice_id)

    known = asyncio.ensure_future(read_known())
    form = Form.of(uow.engine.dialect)
    writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sync-writer")
    written: list[Future[int]] = []
    changed = 0
    arrived: list[wire.Case] = []
    seen: set[int] = set()
    newest: datetime | None = None

    def store(at_least: int) -> None:
        # Pages are stored in batches: a transaction and its queries cost about as much as
        # mirroring a hundred cases, and the loop reading the next pages waits meanwhile.
        nonlocal changed
        if len(arrived) < at_least:
            return
        ready = known.result() if known.done() and known.exception() is None else None
        stored, fees, missing = known_claims(ready, arrived)
        if missing:  # an incremental pull, or claims handed over since the full one began
            changed += apply_cases(uow.fresh(), practice_id, missing)
        if stored:
            # Planned here, written by one thread in order: SQLite's and the driver's own work
            # then runs beside the HTTP work instead of holding up the event loop.
            plan = plan_cases(form, stored, fees, [c for c in arrived if c.case_id in stored])
            written.append(writer.submit(write_plan, uow.fresh(), plan))
        arrived.clear()

    def apply_page(cases: Sequence[wire.Case]) -> None:
        nonlocal newest
        seen.update(c.case_id for c in cases)
        latest = max(c.updated_at for c in cases)
        newest = latest if newest is None else max(newest, latest)
        arrived.extend(cases)
        store(_BATCH)

    def list_cases(page: int) -> Awaitable[wire.Page[wire.Case]]:
        requests_out.set()
        return finance.list_cases(updated_since=since_cases, page=page, per_page=wire.MAX_PER_PAGE)

    def pull_cases() -> Awaitable[tuple[list[wire.Case], bool]]:
        return all_pages(
            list_cases,
            concurrency,
            apply_page,
            expected_pages=expected,
        )

    try:
        # Both streams at once; the connection pool (finance1159_concurrency) bounds the total.
        (_, cases_stable), (payments, payments_stable) = await asyncio.gather(
            pull_cases(),
            all_pages(
                lambda page: finance.list_payments(
                    since=since_payments, page=page, per_page=wire.MAX_PER_PAGE
                ),
                concurrency,
            ),
        )
        # A case changed while the pages were read joins the listing and shifts the later pages,
        # so another case may have slipped between two of them: read the same span again
        # (applying is idempotent and skips what is unchanged). If the agency is busy every
        # time, the cursor stays.
        for _ in range(2):
            if cases_stable:
                break
            _, cases_stable = await pull_cases()
        store(1)
        changed += sum([await asyncio.wrap_future(done) for done in written])
    finally:
        writer.shutdown(wait=True)  # nothing is written after the pull returned
        await asyncio.gather(known, return_exceptions=True)  # the thread ends on its own
    added = apply_payments(uow.fresh(), practice_id, payments)
    if cases_stable:
        cursors.advance(uow.fresh(), practice_id, cursors.CASES, newest)
    if payments_stable:
        cursors.advance(
            uow.fresh(), practice_id, cursors.PAYMENTS, max((p.created_at for p in payments), default=None)
        )
    return SyncReport(len(seen), changed, added)


def _starting_point(uow: UnitOfWork, practice_id: int) -> tuple[datetime | None, datetime | None, int]:
    """Where each stream goes on from, and how many pages of cases to ask for at once: a first
    (full) pull reads one case per claim handed over, so it knows about how many there are."""
    # Plain statements: they run before the first request goes out, and the ORM's would first
    # have to be compiled (milliseconds, in a worker's first pull).
    with uow:
        connection = uow.session.connection()
        rows = connection.execute(_POSITIONS, {"practice_id": practice_id})
        seen: dict[str, datetime | None] = {CASES: None, PAYMENTS: None}
        seen.update((stream, position) for stream, position in rows)
        pages = 1
        if seen[CASES] is None:
            handed_over = connection.execute(_HANDED_OVER, {"practice_id": practice_id}).scalar_one()
            pages = max(-(-int(handed_over) // wire.MAX_PER_PAGE), 1)
    return cursors.newer_than(seen[CASES]), cursors.newer_than(seen[PAYMENTS]), pages


_CURSORS = SyncCursor.__table__  # type: ignore[attr-defined]
_POSITIONS = text(f"SELECT stream, position FROM {_CURSORS.name} WHERE practice_id = :practice_id").columns(
    stream=String, position=_CURSORS.c.position.type
)
_HANDED_OVER = text(
    f"SELECT COUNT(*) FROM {Claim.__tablename__} WHERE practice_id = :practice_id AND case_id IS NOT NULL"
)
