"""The periodic pull: what changed at the agency is mirrored once, at a cost in proportion to the change."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlmodel import select

from core import sync
from core.db.models import Notification
from core.domain.claims import InvoiceStatus
from core.services.collection import claims, delivery
from tests.integration.collection.claims_helpers import (
    STAFF,
    agency_cases,
    all_payments,
    claim_of,
    client,
    invoice_of,
    outbox_items,
    product,
    ready_invoice,
)
from tests.peers.sandbox import SandboxHandle


async def test_sync_mirrors_agency_payments_once_and_marks_a_settled_invoice_complete(
    database_url: str, tmp_path: Path, sandbox: SandboxHandle
) -> None:
    app = product(database_url, tmp_path, sandbox)
    for n in range(3):
        ready_invoice(app, f"R-{n}", amount="100,00")
    async with client(sandbox) as finance:
        cases = [
            await claims.create(
                app.uow(), finance=finance, practice_id=app.practice_id, actor=STAFF, number=f"R-{n}"
            )
            for n in range(3)
        ]
        sandbox.pay(cases[0].case_id or 0, "100.00")  # settled in full
        sandbox.pay(cases[1].case_id or 0, "25.00")
        first = await sync.sync_once(app.uow(), finance=finance, practice_id=app.practice_id)
        second = await sync.sync_once(app.uow(), finance=finance, practice_id=app.practice_id)
    assert (first.cases_seen, first.cases_changed, first.payments_added) == (3, 2, 2)
    assert (second.cases_changed, second.payments_added) == (0, 0)
    assert sorted(p.amount for p in all_payments(app, "agency")) == [Decimal("25.00"), Decimal("100.00")]
    assert invoice_of(app, "R-0").status == InvoiceStatus.COMPLETE
    assert invoice_of(app, "R-1").status == InvoiceStatus.IN_COLLECTION
    assert claim_of(app, "R-1").paid_to_agency == Decimal("25.00")
    with app.uow() as uow:
        texts = uow.session.exec(select(Notification.text).where(Notification.kind == "complete")).all()
    assert len(texts) == 1 and "R-0 ist vollständig" in texts[0]
    assert sync.last_sync(app.uow(), practice_id=app.practice_id) is not None
    app.close()


async def test_an_incremental_sync_reads_only_what_changed_since_the_last_one(
    sqlite_url: str, tmp_path: Path, sandbox: SandboxHandle
) -> None:
    app = product(sqlite_url, tmp_path, sandbox)
    for n in range(5):
        ready_invoice(app, f"R-{n}")
    async with client(sandbox) as finance:
        created = [
            await claims.create(
                app.uow(), finance=finance, practice_id=app.practice_id, actor=STAFF, number=f"R-{n}"
            )
            for n in range(5)
        ]
        await sync.sync_once(app.uow(), finance=finance, practice_id=app.practice_id)
        sandbox.pay(created[3].case_id or 0, "10.00")
        before = finance.request_count
        report = await sync.sync_once(app.uow(), finance=finance, practice_id=app.practice_id)
        requests = finance.request_count - before
    # The case last seen may come again (the cursor is inclusive); the others do not.
    assert report.cases_seen <= 2 and report.cases_changed == 1 and report.payments_added == 1
    assert requests == 2  # one page of cases, one of payments
    app.close()


async def test_sync_finds_a_claim_whose_creation_answer_was_lost(
    sqlite_url: str, tmp_path: Path, sandbox: SandboxHandle
) -> None:
    app = product(sqlite_url, tmp_path, sandbox)
    ready_invoice(app, "R-1")
    claims.queue(app.uow(), practice_id=app.practice_id, actor=STAFF, number="R-1")
    async with client(sandbox, read_timeout=0.2, max_attempts=1) as finance:
        sandbox.faults(timeout_rate=1.0, timeout_seconds=0.5)  # the case is made, the answer is late
        [item] = outbox_items(app)
        assert not (await delivery.deliver(app.uow(), finance=finance, item_id=item.id or 0)).done
        sandbox.faults()
        assert claim_of(app, "R-1").case_id is None
        await sync.sync_once(app.uow(), finance=finance, practice_id=app.practice_id)
        claim = claim_of(app, "R-1")
        assert claim.case_id == agency_cases(sandbox)[0]["case_id"] and claim.delivery == "submitted"
        # The pending item still runs, finds the case by its reference, and makes no second one.
        assert (await delivery.deliver(app.uow(), finance=finance, item_id=item.id or 0)).done
    assert len(agency_cases(sandbox)) == 1 and claim_of(app, "R-1").case_id == claim.case_id
    app.close()


async def test_a_second_worker_skips_the_pull_while_another_holds_it_on_postgres(
    postgres_url: str, tmp_path: Path, sandbox: SandboxHandle
) -> None:
    app = product(postgres_url, tmp_path, sandbox)
    other = create_engine(postgres_url)
    with other.connect() as held:
        assert held.execute(
            text("SELECT pg_try_advisory_lock(:k)"), {"k": 1159_0000 + app.practice_id}
        ).scalar()
        async with client(sandbox) as finance:
            report = await sync.sync_once(app.uow(), finance=finance, practice_id=app.practice_id)
            assert report.skipped and finance.request_count == 0
        held.execute(text("SELECT pg_advisory_unlock_all()"))
    async with client(sandbox) as finance:
        assert not (await sync.sync_once(app.uow(), finance=finance, practice_id=app.practice_id)).skipped
    other.dispose()
    app.close()


async def test_a_listing_that_changes_while_it_is_paged_is_read_again_before_the_cursor_moves(
    sqlite_url: str, tmp_path: Path, sandbox: SandboxHandle
) -> None:
    import asyncio

    app = product(sqlite_url, tmp_path, sandbox)
    sandbox.control("/bulk_cases", {"count": 250})  # three pages
    sandbox.faults(latency_ms=200)
    async with client(sandbox, read_timeout=5) as finance:
        pulling = asyncio.create_task(
            sync.sync_once(app.uow(), finance=finance, practice_id=app.practice_id, concurrency=1)
        )
        await asyncio.sleep(0.3)  # page 1 is read, page 2 on its way: the agency adds a case
        await asyncio.to_thread(sandbox.control, "/bulk_cases", {"count": 1})
        first = await pulling
        sandbox.faults()
        requests = finance.request_count
        assert first.cases_seen == 251 and requests >= 3 + 3 + 1  # three pages twice, and payments
        assert sync.last_sync(app.uow(), practice_id=app.practice_id) is not None
        assert (await sync.sync_once(app.uow(), finance=finance, practice_id=app.practice_id)).cases_seen == 0
    app.close()
