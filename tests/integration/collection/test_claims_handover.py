"""Handing invoices over to 1159 Finance through the services, the outbox and the real sandbox."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select

from core import outbox, sync
from core.bootstrap import App
from core.db.models import AuditEvent, Claim, Invoice, Notification, OutboxItem, Patient
from core.domain.claims import InvoiceStatus
from core.domain.dates import utcnow
from core.domain.errors import AgencyRejected, NotAllowed, NotFound, PreconditionFailed, Refused
from core.domain.onboarding import OnboardingState
from core.services.collection import claim_preview, claims, delivery, status, withdrawals
from core.services.collection.claim_payload import claim_payload
from core.services.people.access import OPERATOR
from tests.integration.collection.claims_helpers import (
    MANAGER,
    STAFF,
    RecordingSandbox,
    agency_cases,
    all_claims,
    claim_of,
    client,
    dead_url,
    invoice_of,
    outbox_items,
    product,
    ready_invoice,
)
from tests.peers.sandbox import SandboxHandle


async def test_handing_over_an_invoice_creates_exactly_one_case_at_the_agency(
    database_url: str, tmp_path: Path, sandbox: SandboxHandle
) -> None:
    app = product(database_url, tmp_path, sandbox)
    ready_invoice(app, "R-1")
    async with client(sandbox) as finance:
        outcome = await claims.create(
            app.uow(), finance=finance, practice_id=app.practice_id, actor=STAFF, number="R-1"
        )
    cases = agency_cases(sandbox)
    assert [c["reference"] for c in cases] == ["R-1"]
    assert outcome.delivered and outcome.case_id == cases[0]["case_id"]
    assert "an 1159 Finance übergeben" in outcome.message
    claim = claim_of(app, "R-1")
    assert (claim.delivery, claim.case_id, claim.agency_status) == ("submitted", outcome.case_id, "received")
    assert invoice_of(app, "R-1").status == InvoiceStatus.IN_COLLECTION
    assert [i.state for i in outbox_items(app)] == ["done"]
    with app.uow() as uow:
        actions = uow.session.exec(select(AuditEvent.action)).all()
        notes = uow.session.exec(select(Notification.text)).all()
    assert "claim.create" in actions and "claim.submitted" in actions
    assert any("R-1" in n and "angelegt" in n for n in notes)
    app.close()


def _unknown(app: App) -> str:
    ready_invoice(app, "R-1")
    return "R-404"


def _not_overdue(app: App) -> str:
    ready_invoice(app, "R-1", due_days_ago=-5)
    return "R-1"


def _fully_paid(app: App) -> str:
    ready_invoice(app, "R-1", paid="120,00")
    return "R-1"


def _no_legal_basis(app: App) -> str:
    ready_invoice(app, "R-1", reminder=True, announced=False)
    return "R-1"


def _ready(app: App) -> str:
    return ready_invoice(app, "R-1").number


REFUSALS: dict[str, tuple[Callable[[App], str], type[Refused], str, OnboardingState]] = {
    "unknown invoice": (_unknown, NotFound, "Rechnung R-404 gibt es nicht", OnboardingState.ACTIVE),
    "not overdue": (_not_overdue, PreconditionFailed, "noch nicht überfällig", OnboardingState.ACTIVE),
    "fully paid": (_fully_paid, PreconditionFailed, "vollständig bezahlt", OnboardingState.ACTIVE),
    "no legal basis": (_no_legal_basis, PreconditionFailed, "Rechtsgrundlage", OnboardingState.ACTIVE),
    "onboarding not active": (_ready, PreconditionFailed, "noch nicht aktiv", OnboardingState.SIGNED),
}


@pytest.mark.parametrize("reason", list(REFUSALS))
async def test_a_refused_hand_over_names_its_reason_in_german_and_sends_and_stores_nothing(
    reason: str, sqlite_url: str, tmp_path: Path, recorded: RecordingSandbox
) -> None:
    setup, error, words, state = REFUSALS[reason]
    app = product(sqlite_url, tmp_path, recorded.handle, onboarding_state=state)
    number = setup(app)
    async with client(recorded.handle) as finance:
        with pytest.raises(error) as caught:
            claim_preview.preview(app.uow(), practice_id=app.practice_id, actor=STAFF, number=number)
        with pytest.raises(error) as caught_again:
            await claims.create(
                app.uow(), finance=finance, practice_id=app.practice_id, actor=STAFF, number=number
            )
    assert words in caught.value.user_message and words in caught_again.value.user_message
    assert caught.value.exit_code == 1
    assert recorded.recorder.requests == []
    assert all_claims(app) == [] and outbox_items(app) == []
    app.close()


async def test_an_invoice_already_handed_over_is_refused_the_second_time_and_nothing_is_sent(
    sqlite_url: str, tmp_path: Path, recorded: RecordingSandbox
) -> None:
    app = product(sqlite_url, tmp_path, recorded.handle)
    ready_invoice(app, "R-1")
    async with client(recorded.handle) as finance:
        await claims.create(
            app.uow(), finance=finance, practice_id=app.practice_id, actor=STAFF, number="R-1"
        )
        sent = len(recorded.recorder.requests)
        with pytest.raises(PreconditionFailed) as caught:
            await claims.create(
                app.uow(), finance=finance, practice_id=app.practice_id, actor=STAFF, number=" R-1 "
            )
    assert "bereits an 1159 Finance übergeben" in caught.value.user_message
    assert len(recorded.recorder.requests) == sent
    assert len(all_claims(app)) == 1 and len(outbox_items(app)) == 1
    assert len(agency_cases(recorded.handle)) == 1
    app.close()


async def test_a_claim_queued_while_the_agency_is_down_is_kept_and_delivered_once_it_is_back(
    sqlite_url: str, tmp_path: Path, sandbox: SandboxHandle
) -> None:
    app = product(sqlite_url, tmp_path, sandbox)
    ready_invoice(app, "R-1")
    sandbox.faults(error_rate=1.0)
    async with client(sandbox, max_attempts=3) as finance:
        outcome = await claims.create(
            app.uow(), finance=finance, practice_id=app.practice_id, actor=STAFF, number="R-1"
        )
        assert not outcome.delivered and "vorgemerkt" in outcome.message
        [item] = outbox_items(app)
        assert (item.state, item.attempts, item.locked_until) == ("pending", 1, None)
        assert "HTTP 50" in item.last_error
        st = status.load(app.uow(), practice_id=app.practice_id, number="R-1")
        assert st.status_label.startswith("vorgemerkt")
        sandbox.faults()
        # Not due yet (backoff), so a worker round leaves it; an explicit delivery sends it now.
        assert await delivery.run_once(app.uow(), finance=finance) == 0
        result = await delivery.deliver(app.uow(), finance=finance, item_id=item.id or 0)
    assert result.done
    # Half of the 50x answers were lost after the case was made: still exactly one case.
    assert [c["reference"] for c in agency_cases(sandbox)] == ["R-1"]
    assert claim_of(app, "R-1").case_id == agency_cases(sandbox)[0]["case_id"]
    app.close()


async def test_a_claim_the_agency_refuses_for_good_is_failed_with_its_reason_and_not_sent_again(
    sqlite_url: str, tmp_path: Path, recorded: RecordingSandbox
) -> None:
    from tests.factories import add_patient

    app = product(sqlite_url, tmp_path, recorded.handle)
    # The agency takes at most 200 characters a field (an invalid mail address, the earlier way
    # to provoke a refusal, is no longer sent at all: core/domain/contact_checks.py).
    patient = add_patient(app, city="K" * 201)
    ready_invoice(app, "R-1", patient=patient)
    async with client(recorded.handle) as finance:
        outcome = await claims.create(
            app.uow(), finance=finance, practice_id=app.practice_id, actor=STAFF, number="R-1"
        )
        assert not outcome.delivered and "abgelehnt" in outcome.message
        assert "debtor.city" in outcome.message
        await delivery.run_once(app.uow(), finance=finance)
        st = await status.fetch(
            app.uow(), finance=finance, practice_id=app.practice_id, actor=STAFF, number="R-1"
        )
    assert len(recorded.calls("POST", "/claims")) == 1
    [item] = outbox_items(app)
    assert item.state == "failed" and "INVALID_PARAMETER" in item.last_error
    assert st.delivery == "failed" and "debtor.city" in st.failure_reason
    assert st.status_label == "von 1159 Finance abgelehnt" and not st.stale
    # The invoice is back in the overdue list, so it can be corrected and handed over again later.
    assert invoice_of(app, "R-1").status == InvoiceStatus.OPEN
    app.close()


async def test_staff_may_not_withdraw_a_claim_and_a_manager_may(
    sqlite_url: str, tmp_path: Path, sandbox: SandboxHandle
) -> None:
    app = product(sqlite_url, tmp_path, sandbox)
    ready_invoice(app, "R-1")
    common: dict[str, Any] = {"practice_id": app.practice_id, "number": "R-1"}
    async with client(sandbox) as finance:
        await claims.create(app.uow(), finance=finance, actor=STAFF, **common)
        with pytest.raises(NotAllowed) as caught:
            await withdrawals.withdraw(app.uow(), finance=finance, actor=STAFF, **common)
        assert "nur Praxisleitungen" in caught.value.user_message
        assert agency_cases(sandbox)[0]["status"] == "received"
        message = await withdrawals.withdraw(app.uow(), finance=finance, actor=MANAGER, **common)
        assert "zurückgezogen" in message
        with pytest.raises(PreconditionFailed, match="bereits zurückgezogen"):
            await withdrawals.withdraw(app.uow(), finance=finance, actor=MANAGER, **common)
    [case] = agency_cases(sandbox)
    assert case["status"] == "withdrawn"
    claim = claim_of(app, "R-1")
    assert (claim.delivery, claim.agency_status) == ("withdrawn", "withdrawn")
    assert invoice_of(app, "R-1").status == InvoiceStatus.OPEN
    app.close()


async def test_withdrawing_a_claim_not_yet_sent_cancels_it_without_asking_the_agency(
    sqlite_url: str, tmp_path: Path, recorded: RecordingSandbox
) -> None:
    app = product(sqlite_url, tmp_path, recorded.handle)
    ready_invoice(app, "R-1")
    claims.queue(app.uow(), practice_id=app.practice_id, actor=STAFF, number="R-1")
    async with client(recorded.handle) as finance:
        message = await withdrawals.withdraw(
            app.uow(), finance=finance, practice_id=app.practice_id, actor=OPERATOR, number="R-1"
        )
        assert "noch nicht übermittelt" in message
        assert await delivery.run_once(app.uow(), finance=finance) == 0
    assert recorded.recorder.requests == []
    assert [i.state for i in outbox_items(app)] == ["cancelled"]
    assert invoice_of(app, "R-1").status == InvoiceStatus.OPEN
    app.close()


async def hand_over_losing_the_answer(app: App, agency: SandboxHandle, common: dict[str, Any]) -> None:
    """Hands the invoice over while the agency's answer comes too late: the agency holds the case,
    the claim has no case id and its outbox item waits for a retry."""
    agency.faults(timeout_rate=1)
    async with client(agency, max_attempts=1) as finance:
        outcome = await claims.create(app.uow(), finance=finance, actor=STAFF, **common)
    agency.faults(timeout_rate=0)
    assert not outcome.delivered


async def test_a_claim_withdrawn_after_its_answer_was_lost_is_withdrawn_at_the_agency_too(
    database_url: str, tmp_path: Path, recorded: RecordingSandbox
) -> None:
    # The agency created the case, but its answer came too late: the claim has no case id, and its
    # outbox item waits for a retry. Cancelling that item would leave a live case at the agency.
    app = product(database_url, tmp_path, recorded.handle)
    ready_invoice(app, "R-1")
    common: dict[str, Any] = {"practice_id": app.practice_id, "number": "R-1"}
    await hand_over_losing_the_answer(app, recorded.handle, common)
    assert claim_of(app, "R-1").case_id is None
    [case] = agency_cases(recorded.handle)
    async with client(recorded.handle) as finance:
        message = await withdrawals.withdraw(app.uow(), finance=finance, actor=MANAGER, **common)
        assert await delivery.run_once(app.uow(), finance=finance, include_postponed=True) == 0
    assert "bei 1159 Finance zurückgezogen" in message
    [after] = agency_cases(recorded.handle)  # still the one case, now withdrawn
    assert (after["case_id"], after["status"]) == (case["case_id"], "withdrawn")
    assert len(recorded.calls("POST", "/claims")) == 1  # looked up, never created again
    claim = claim_of(app, "R-1")
    assert (claim.delivery, claim.case_id, claim.agency_status) == ("withdrawn", case["case_id"], "withdrawn")
    assert [i.state for i in outbox_items(app)] == ["done", "done"]
    assert invoice_of(app, "R-1").status == InvoiceStatus.OPEN
    app.close()


async def test_a_claim_withdrawn_after_a_sending_that_never_arrived_is_looked_up_not_created(
    sqlite_url: str, tmp_path: Path, recorded: RecordingSandbox
) -> None:
    app = product(sqlite_url, tmp_path, recorded.handle)
    ready_invoice(app, "R-1")
    common: dict[str, Any] = {"practice_id": app.practice_id, "number": "R-1"}
    from tests.peers.sandbox import make_finance_client

    down = SandboxHandle(dead_url().removesuffix("/api/v1"), recorded.handle.config)
    async with make_finance_client(down, max_attempts=1) as finance:
        assert not (await claims.create(app.uow(), finance=finance, actor=STAFF, **common)).delivered
    down.close()
    async with client(recorded.handle) as finance:
        message = await withdrawals.withdraw(app.uow(), finance=finance, actor=MANAGER, **common)
    assert "nicht angekommen" in message
    assert [(r.method, r.path) for r in recorded.recorder.requests] == [("GET", "/api/v1/cases")]
    assert agency_cases(recorded.handle) == []
    claim = claim_of(app, "R-1")
    assert (claim.delivery, claim.case_id) == ("withdrawn", None)
    assert [i.state for i in outbox_items(app)] == ["done", "done"]
    assert invoice_of(app, "R-1").status == InvoiceStatus.OPEN
    app.close()


async def test_a_claim_withdrawn_after_a_worker_died_sending_it_is_withdrawn_at_the_agency(
    sqlite_url: str, tmp_path: Path, sandbox: SandboxHandle
) -> None:
    # A worker leased the item, sent the claim and died before it could record anything: no attempt
    # is counted, the lease has run out, and the agency holds the case.
    app = product(sqlite_url, tmp_path, sandbox)
    ready_invoice(app, "R-1")
    common: dict[str, Any] = {"practice_id": app.practice_id, "number": "R-1"}
    claims.queue(app.uow(), actor=STAFF, **common)
    [item] = outbox_items(app)
    with app.uow() as uow:
        row = uow.session.get(OutboxItem, item.id)
        claim = uow.session.get(Claim, row.subject_id if row else 0)
        invoice = uow.session.get(Invoice, claim.invoice_id if claim else 0)
        patient = uow.session.get(Patient, invoice.patient_id if invoice else 0)
        assert row is not None and claim is not None and invoice is not None and patient is not None
        row.locked_by, row.locked_until = "worker-that-died", utcnow() - timedelta(seconds=1)
        payload = claim_payload(invoice, patient, recipient=None, principal=claim.principal)
        uow.commit()
    async with client(sandbox) as finance:
        await finance.create_claim(payload)  # what the dead worker had sent
        message = await withdrawals.withdraw(app.uow(), finance=finance, actor=MANAGER, **common)
    assert "bei 1159 Finance zurückgezogen" in message
    [case] = agency_cases(sandbox)
    assert case["status"] == "withdrawn" and claim_of(app, "R-1").case_id == case["case_id"]
    app.close()


async def test_a_pending_claim_item_never_sends_a_claim_the_sync_found_and_the_withdrawal_closed(
    sqlite_url: str, tmp_path: Path, recorded: RecordingSandbox
) -> None:
    # The answer was lost; the withdrawal is asked for while the agency is unreachable; then a sync
    # finds the case by its reference and the withdrawal item, due first, withdraws it. The claim's
    # own item, due later, must neither send the claim again nor set it back to "submitted".
    from tests.peers.sandbox import make_finance_client

    app = product(sqlite_url, tmp_path, recorded.handle)
    ready_invoice(app, "R-1")
    common: dict[str, Any] = {"practice_id": app.practice_id, "number": "R-1"}
    await hand_over_losing_the_answer(app, recorded.handle, common)
    down = SandboxHandle(dead_url().removesuffix("/api/v1"), recorded.handle.config)
    async with make_finance_client(down, max_attempts=1) as finance:
        assert "vorgemerkt" in await withdrawals.withdraw(app.uow(), finance=finance, actor=MANAGER, **common)
    down.close()
    claim_item, withdrawal_item = outbox_items(app)
    async with client(recorded.handle) as finance:
        await sync.sync_once(app.uow(), finance=finance, practice_id=app.practice_id)
        assert claim_of(app, "R-1").case_id is not None
        assert (await delivery.deliver(app.uow(), finance=finance, item_id=withdrawal_item.id or 0)).done
        assert (await delivery.deliver(app.uow(), finance=finance, item_id=claim_item.id or 0)).done
    assert len(recorded.calls("POST", "/claims")) == 1
    [case] = agency_cases(recorded.handle)
    assert case["status"] == "withdrawn" and claim_of(app, "R-1").delivery == "withdrawn"
    assert [i.state for i in outbox_items(app)] == ["done", "done"]
    app.close()


def test_a_claim_item_is_cancelled_only_while_no_worker_has_taken_it_up(
    database_url: str, tmp_path: Path, sandbox: SandboxHandle
) -> None:
    # The withdrawal reads the item untouched; a worker takes it up before the withdrawal writes.
    # The cancel is a conditional UPDATE: it loses, and the claim is withdrawn through the agency.
    app = product(database_url, tmp_path, sandbox)
    ready_invoice(app, "R-1")
    claims.queue(app.uow(), practice_id=app.practice_id, actor=STAFF, number="R-1")
    [item] = outbox_items(app)
    with app.uow() as uow:
        read = uow.session.get(OutboxItem, item.id)
        assert read is not None and read.locked_by == ""
        assert outbox.lease(app.uow(), item.id or 0, "worker-a", timedelta(minutes=5)) is not None
        assert not outbox.cancel_untouched(uow.session, read)
        uow.commit()
    assert [i.state for i in outbox_items(app)] == ["pending"]
    # An item nobody took up is cancelled, once.
    ready_invoice(app, "R-2")
    claims.queue(app.uow(), practice_id=app.practice_id, actor=STAFF, number="R-2")
    untouched = outbox_items(app)[-1]
    with app.uow() as uow:
        assert outbox.cancel_untouched(uow.session, untouched)
        assert not outbox.cancel_untouched(uow.session, untouched)
        uow.commit()
    assert [i.state for i in outbox_items(app)] == ["pending", "cancelled"]
    app.close()


async def test_a_withdrawal_while_the_agency_is_down_waits_and_finishes_in_a_later_round(
    sqlite_url: str, tmp_path: Path, sandbox: SandboxHandle
) -> None:
    app = product(sqlite_url, tmp_path, sandbox)
    ready_invoice(app, "R-1")
    common: dict[str, Any] = {"practice_id": app.practice_id, "number": "R-1"}
    sandbox.faults(timeout_rate=1)
    async with client(sandbox, max_attempts=1) as finance:
        await claims.create(app.uow(), finance=finance, actor=STAFF, **common)
        message = await withdrawals.withdraw(app.uow(), finance=finance, actor=MANAGER, **common)
    assert "vorgemerkt" in message and claim_of(app, "R-1").delivery == "withdrawal_queued"
    sandbox.faults(timeout_rate=0)
    async with client(sandbox) as finance:
        assert await delivery.run_once(app.uow(), finance=finance, include_postponed=True) == 2
    [case] = agency_cases(sandbox)
    assert case["status"] == "withdrawn" and claim_of(app, "R-1").delivery == "withdrawn"
    app.close()


async def test_a_claim_withdrawn_before_it_was_sent_may_be_handed_over_after_all(
    sqlite_url: str, tmp_path: Path, sandbox: SandboxHandle
) -> None:
    app = product(sqlite_url, tmp_path, sandbox)
    ready_invoice(app, "R-1")
    common: dict[str, Any] = {"practice_id": app.practice_id, "number": "R-1"}
    claims.queue(app.uow(), actor=STAFF, **common)
    async with client(sandbox) as finance:
        assert "noch nicht übermittelt" in await withdrawals.withdraw(
            app.uow(), finance=finance, actor=MANAGER, **common
        )
        outcome = await claims.create(app.uow(), finance=finance, actor=STAFF, **common)
    assert outcome.delivered
    [case] = agency_cases(sandbox)
    [claim] = all_claims(app)
    assert (claim.delivery, claim.case_id) == ("submitted", case["case_id"])
    assert [i.state for i in outbox_items(app)] == ["cancelled", "done"]
    assert invoice_of(app, "R-1").status == InvoiceStatus.IN_COLLECTION
    app.close()


async def test_a_claim_withdrawn_at_the_agency_is_not_handed_over_again_and_the_refusal_says_why(
    sqlite_url: str, tmp_path: Path, recorded: RecordingSandbox
) -> None:
    app = product(sqlite_url, tmp_path, recorded.handle)
    ready_invoice(app, "R-1")
    common: dict[str, Any] = {"practice_id": app.practice_id, "number": "R-1"}
    async with client(recorded.handle) as finance:
        await claims.create(app.uow(), finance=finance, actor=STAFF, **common)
        await withdrawals.withdraw(app.uow(), finance=finance, actor=MANAGER, **common)
        sent = len(recorded.recorder.requests)
        with pytest.raises(PreconditionFailed) as caught:
            await claims.create(app.uow(), finance=finance, actor=STAFF, **common)
    assert "bei 1159 Finance zurückgezogen" in caught.value.user_message
    assert len(recorded.recorder.requests) == sent  # nothing more sent
    assert claim_of(app, "R-1").delivery == "withdrawn" and len(outbox_items(app)) == 2
    app.close()


async def test_a_claim_whose_case_already_collected_money_cannot_be_withdrawn(
    sqlite_url: str, tmp_path: Path, sandbox: SandboxHandle
) -> None:
    app = product(sqlite_url, tmp_path, sandbox)
    ready_invoice(app, "R-1")
    async with client(sandbox) as finance:
        outcome = await claims.create(
            app.uow(), finance=finance, practice_id=app.practice_id, actor=STAFF, number="R-1"
        )
        sandbox.advance(2)
        sandbox.pay(outcome.case_id or 0, "10.00")
        await status.fetch(app.uow(), finance=finance, practice_id=app.practice_id, actor=STAFF, number="R-1")
        with pytest.raises(PreconditionFailed, match="schon Geld eingenommen"):
            await withdrawals.withdraw(
                app.uow(), finance=finance, practice_id=app.practice_id, actor=MANAGER, number="R-1"
            )
    assert agency_cases(sandbox)[0]["status"] == "in_collection"
    app.close()


async def test_a_claim_created_while_nothing_listens_is_only_queued(
    sqlite_url: str, tmp_path: Path, sandbox: SandboxHandle
) -> None:
    app = product(sqlite_url, tmp_path, sandbox)
    ready_invoice(app, "R-1")
    from tests.peers.sandbox import make_finance_client

    down = SandboxHandle(dead_url().removesuffix("/api/v1"), sandbox.config)
    async with make_finance_client(down, max_attempts=2) as finance:
        outcome = await claims.create(
            app.uow(), finance=finance, practice_id=app.practice_id, actor=STAFF, number="R-1"
        )
    down.close()
    assert not outcome.delivered and "sobald 1159 Finance erreichbar ist" in outcome.message
    assert [i.state for i in outbox_items(app)] == ["pending"]
    assert "ClientConnectorError" in outbox_items(app)[0].last_error
    app.close()


async def test_a_claim_refused_for_good_can_be_handed_over_again_once_the_data_is_corrected(
    sqlite_url: str, tmp_path: Path, recorded: RecordingSandbox
) -> None:
    from tests.factories import add_patient

    app = product(sqlite_url, tmp_path, recorded.handle)
    patient = add_patient(app, city="K" * 201)  # more than the agency takes
    ready_invoice(app, "R-1", patient=patient)
    common: dict[str, Any] = {"practice_id": app.practice_id, "actor": STAFF, "number": "R-1"}
    async with client(recorded.handle) as finance:
        assert (await claims.create(app.uow(), finance=finance, **common)).failed
        with app.uow() as uow:
            from core.db.models import Patient

            row = uow.session.get(Patient, patient.id)
            assert row is not None
            row.city = "Köln"
            uow.commit()
        again = await claims.create(app.uow(), finance=finance, **common)
    assert again.delivered and not again.failed
    [claim] = all_claims(app)
    assert (claim.delivery, claim.failure_reason, claim.case_id) == ("submitted", "", again.case_id)
    assert [i.state for i in outbox_items(app)] == ["failed", "done"]
    assert [c["reference"] for c in agency_cases(recorded.handle)] == ["R-1"]
    assert invoice_of(app, "R-1").status == InvoiceStatus.IN_COLLECTION
    app.close()


async def test_a_withdrawal_the_agency_refuses_says_so_and_is_not_reported_as_queued(
    sqlite_url: str, tmp_path: Path, sandbox: SandboxHandle
) -> None:
    app = product(sqlite_url, tmp_path, sandbox)
    ready_invoice(app, "R-1")
    common: dict[str, Any] = {"practice_id": app.practice_id, "number": "R-1"}
    async with client(sandbox) as finance:
        outcome = await claims.create(app.uow(), finance=finance, actor=STAFF, **common)
        sandbox.pay(outcome.case_id or 0, "5.00")  # the practice has not synced since
        with pytest.raises(AgencyRejected) as caught:
            await withdrawals.withdraw(app.uow(), finance=finance, actor=MANAGER, **common)
        st = await status.fetch(app.uow(), finance=finance, actor=STAFF, **common)
    assert "zurückgezogen" in caught.value.user_message and "vorgemerkt" not in caught.value.user_message
    assert caught.value.exit_code == 1
    assert agency_cases(sandbox)[0]["status"] == "received"
    assert st.delivery == "submitted" and "nicht mehr zurückgezogen" in st.failure_reason
    assert outbox_items(app)[-1].state == "failed"
    app.close()


async def test_a_claim_sent_with_a_wrong_api_key_waits_and_tells_the_practice_instead_of_failing(
    sqlite_url: str, tmp_path: Path, sandbox: SandboxHandle
) -> None:
    from sqlmodel import select as sql_select

    app = product(sqlite_url, tmp_path, sandbox)
    ready_invoice(app, "R-1")
    async with _wrong_key_client(sandbox) as finance:
        outcome = await claims.create(
            app.uow(), finance=finance, practice_id=app.practice_id, actor=STAFF, number="R-1"
        )
    assert not outcome.delivered and not outcome.failed
    [item] = outbox_items(app)
    assert item.state == "pending" and "AUTHENTICATION_FAILED" in item.last_error
    with app.uow() as uow:
        notes = uow.session.exec(sql_select(Notification.text).where(Notification.kind == "failure")).all()
    assert any("API-Schlüssel prüfen" in n for n in notes)
    async with client(sandbox) as finance:  # the key is corrected
        assert (await delivery.deliver(app.uow(), finance=finance, item_id=item.id or 0)).done
    assert len(agency_cases(sandbox)) == 1
    app.close()


def _wrong_key_client(sandbox: SandboxHandle) -> Any:
    import httpx
    from pydantic import SecretStr

    from core.finance1159.client import Finance1159Client, make_http_client

    http = make_http_client(sandbox.base_url, concurrency=1, timeout=httpx.Timeout(2))
    return Finance1159Client(http, client_id=sandbox.client_id, api_key=SecretStr("falsch"), max_attempts=2)


async def test_a_claim_sent_while_the_agency_is_too_slow_is_queued_and_later_exists_once(
    sqlite_url: str, tmp_path: Path, sandbox: SandboxHandle
) -> None:
    app = product(sqlite_url, tmp_path, sandbox)
    ready_invoice(app, "R-1")
    sandbox.faults(latency_ms=400)  # every answer comes after the client gave up
    async with client(sandbox, read_timeout=0.15, max_attempts=2) as finance:
        outcome = await claims.create(
            app.uow(), finance=finance, practice_id=app.practice_id, actor=STAFF, number="R-1"
        )
        assert not outcome.delivered and "vorgemerkt" in outcome.message
        [item] = outbox_items(app)
        assert item.state == "pending" and "SocketTimeoutError" in item.last_error
        await asyncio.sleep(0.5)  # the slow agency still did the work, twice asked
        sandbox.faults()
        assert (await delivery.deliver(app.uow(), finance=finance, item_id=item.id or 0)).done
    assert [c["reference"] for c in agency_cases(sandbox)] == ["R-1"]
    app.close()
