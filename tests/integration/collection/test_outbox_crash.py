"""A worker killed with SIGKILL between sending and committing: after a restart, one case, one payment."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from pathlib import Path

from sqlmodel import select

from core.bootstrap import App
from core.db.models import AuditEvent
from core.domain.dates import utcnow
from core.services.collection import claims, delivery, payments
from tests.integration.collection.claims_helpers import (
    STAFF,
    agency_cases,
    agency_payments,
    all_payments,
    claim_of,
    cli,
    cli_env,
    client,
    kill,
    outbox_items,
    product,
    ready_invoice,
    start_worker,
    wait_for,
)
from tests.peers.sandbox import SandboxHandle

LEASE = 0.5


def _kill_once_the_agency_has_booked(
    sandbox: SandboxHandle, env: dict[str, str], cwd: Path, key: str
) -> None:
    """Start a worker whose answer the sandbox holds back; SIGKILL it once the write is booked."""
    before = sandbox.state()[key]
    sandbox.faults(timeout_rate=1.0, timeout_seconds=3)
    worker = start_worker({**env, "FINANCE1159_MAX_ATTEMPTS": "1"}, "doomed", cwd=cwd)
    try:
        wait_for(lambda: sandbox.state()[key] == before + 1, what=f"the sandbox to book {key}")
    finally:
        kill(worker)
        sandbox.faults()


def _lease_runs_out(app: App) -> None:
    wait_for(
        lambda: all(i.locked_until is None or i.locked_until < utcnow() for i in outbox_items(app)),
        what="the dead worker's lease to run out",
    )


def _restart(app: App, env: dict[str, str], cwd: Path) -> None:
    """The real worker command, one round."""
    _lease_runs_out(app)
    done = cli(env, "run", "--once", cwd=cwd)
    assert done.returncode == 0, done.stderr
    assert "Eine Runde erledigt." in done.stdout


async def _restart_in_process(app: App, sandbox: SandboxHandle) -> None:
    """A new worker in this process (cheaper than a third process; same code path)."""
    _lease_runs_out(app)
    async with client(sandbox) as finance:
        assert await delivery.run_once(app.uow(), finance=finance) == 1


def test_a_worker_killed_after_the_agency_created_the_case_leaves_exactly_one_case_after_restart(
    sqlite_url: str, tmp_path: Path, sandbox: SandboxHandle
) -> None:
    app = product(sqlite_url, tmp_path, sandbox)
    ready_invoice(app, "R-1")
    claims.queue(app.uow(), practice_id=app.practice_id, actor=STAFF, number="R-1")
    env = cli_env(app, OUTBOX_LEASE_SECONDS=str(LEASE))

    _kill_once_the_agency_has_booked(sandbox, env, tmp_path, "cases")
    [item] = outbox_items(app)
    assert item.state == "pending" and item.locked_by == "doomed"  # sent, never committed
    assert claim_of(app, "R-1").case_id is None
    _restart(app, env, tmp_path)

    [case] = agency_cases(sandbox)
    claim = claim_of(app, "R-1")
    assert case["reference"] == "R-1" and claim.case_id == case["case_id"]
    assert claim.delivery == "submitted" and [i.state for i in outbox_items(app)] == ["done"]
    with app.uow() as uow:
        [event] = uow.session.exec(select(AuditEvent).where(AuditEvent.action == "claim.submitted")).all()
    assert event.details["already_existed"] is True  # the repeat was answered with the first case
    app.close()


async def test_a_worker_killed_after_the_agency_booked_a_payment_leaves_exactly_one_payment_after_restart(
    sqlite_url: str, tmp_path: Path, sandbox: SandboxHandle
) -> None:
    app = product(sqlite_url, tmp_path, sandbox)
    ready_invoice(app, "R-1", amount="120,00")
    async with client(sandbox) as finance:
        await claims.create(
            app.uow(), finance=finance, practice_id=app.practice_id, actor=STAFF, number="R-1"
        )
    payments.record(app.uow(), practice_id=app.practice_id, actor=STAFF, number="R-1", amount="40,00")
    env = cli_env(app, OUTBOX_LEASE_SECONDS=str(LEASE))

    _kill_once_the_agency_has_booked(sandbox, env, tmp_path, "payments")
    assert [p.delivery for p in all_payments(app)] == ["queued"]
    await _restart_in_process(app, sandbox)

    [reported] = agency_payments(sandbox)
    [ours] = all_payments(app)
    assert reported["amount"] == Decimal("40.00") and reported["reference"] == ours.reference
    assert (ours.delivery, ours.remote_id) == ("sent", reported["payment_id"])
    assert agency_cases(sandbox)[0]["paid_to_creditor"] == Decimal("40.00")
    app.close()


async def test_a_worker_killed_while_its_request_is_still_in_flight_leaves_exactly_one_case(
    sqlite_url: str, tmp_path: Path, sandbox: SandboxHandle
) -> None:
    app = product(sqlite_url, tmp_path, sandbox)
    ready_invoice(app, "R-1")
    claims.queue(app.uow(), practice_id=app.practice_id, actor=STAFF, number="R-1")
    env = cli_env(app, OUTBOX_LEASE_SECONDS=str(LEASE))
    sandbox.faults(latency_ms=800)
    worker = start_worker(env, "doomed", cwd=tmp_path)
    try:
        wait_for(lambda: sandbox.state()["api_requests"] >= 1, what="the request to arrive")
    finally:
        kill(worker)
    sandbox.faults()
    await _restart_in_process(app, sandbox)
    await asyncio.sleep(0.8)  # the orphaned request ends its latency and is processed too
    assert [c["reference"] for c in agency_cases(sandbox)] == ["R-1"]
    assert claim_of(app, "R-1").case_id == agency_cases(sandbox)[0]["case_id"]
    app.close()
