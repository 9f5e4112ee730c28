"""Recognised payments a person confirms: stored once, booked and reported to the sandbox once,
refused in German when they can no longer be accepted."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from sqlmodel import select

from core.bootstrap import App
from core.db.models import Claim, Notification
from core.domain.claims import InvoiceStatus
from core.domain.errors import InvalidInput, PreconditionFailed
from core.finance1159.client import Finance1159Client
from core.services.collection import claims
from core.services.payments_in import decisions
from core.services.payments_in.suggestions import NOTE_KIND, list_open
from tests.integration.collection.claims_helpers import (
    STAFF,
    agency_payments,
    all_payments,
    client,
    invoice_of,
    outbox_items,
    product,
    ready_invoice,
)
from tests.integration.collection.payment_suggestion_helpers import from_bank, stored_suggestions
from tests.peers.sandbox import SandboxHandle


async def handed_over(app: App, finance: Finance1159Client, number: str = "R-1") -> int:
    ready_invoice(app, number, amount="120,00")
    outcome = await claims.create(
        app.uow(), finance=finance, practice_id=app.practice_id, actor=STAFF, number=number
    )
    assert outcome.case_id is not None
    return outcome.case_id


async def accept(app: App, finance: Finance1159Client, suggestion_id: int) -> decisions.Decision:
    return await decisions.accept_and_send(
        app.uow(), finance=finance, practice_id=app.practice_id, actor=STAFF, suggestion_id=suggestion_id
    )


async def test_a_payment_for_an_invoice_in_collection_waits_for_a_person_and_is_reported_once(
    database_url: str, tmp_path: Path, sandbox: SandboxHandle
) -> None:
    app = product(database_url, tmp_path, sandbox)
    async with client(sandbox) as finance:
        case_id = await handed_over(app, finance)
        suggestion = from_bank(app)
        assert suggestion is not None and suggestion.state == "open"
        assert suggestion.text.startswith("Zahlung erkannt: R-1, 50,00 € am ")
        assert suggestion.text.endswith("(Überweisung von E. M.) – an 1159 Finance melden?")
        assert all_payments(app) == [] and agency_payments(sandbox) == []  # nothing before a person says so

        decision = await accept(app, finance, suggestion.id)
        with pytest.raises(PreconditionFailed, match="bereits angenommen"):
            await accept(app, finance, suggestion.id)

    assert "An 1159 Finance gemeldet" in decision.message and "Noch offen: 70,00 €" in decision.message
    [reported] = agency_payments(sandbox)
    assert (reported["case_id"], reported["amount"]) == (case_id, Decimal("50.00"))
    [payment] = all_payments(app)
    assert (payment.origin, payment.evidence, payment.confirmed_by, payment.delivery) == (
        "bank",
        "Bankreferenz NOTPROVIDED-4711",
        STAFF.label,
        "sent",
    )
    assert [s.state for s in stored_suggestions(app)] == ["accepted"]
    assert list_open(app.uow(), practice_id=app.practice_id) == []
    app.close()


async def test_the_same_transaction_suggested_twice_is_stored_once(
    database_url: str, tmp_path: Path, sandbox: SandboxHandle
) -> None:
    app = product(database_url, tmp_path, sandbox)
    async with client(sandbox) as finance:
        await handed_over(app, finance)
    assert from_bank(app) is not None
    assert from_bank(app) is None
    assert len(stored_suggestions(app)) == 1
    app.close()


async def test_a_suggestion_accepted_after_it_was_rejected_is_refused_and_nothing_is_recorded(
    database_url: str, tmp_path: Path, sandbox: SandboxHandle
) -> None:
    app = product(database_url, tmp_path, sandbox)
    async with client(sandbox) as finance:
        await handed_over(app, finance)
        suggestion = from_bank(app)
        assert suggestion is not None
        decisions.reject(app.uow(), practice_id=app.practice_id, actor=STAFF, suggestion_id=suggestion.id)
        with pytest.raises(PreconditionFailed) as refused:
            await accept(app, finance, suggestion.id)
    assert refused.value.user_message == (
        f"Vorschlag {suggestion.id} wurde abgelehnt und kann nicht mehr angenommen werden."
    )
    assert all_payments(app) == [] and agency_payments(sandbox) == []
    app.close()


async def test_a_suggestion_for_a_withdrawn_claim_is_refused_in_german_and_stays_open(
    database_url: str, tmp_path: Path, sandbox: SandboxHandle
) -> None:
    app = product(database_url, tmp_path, sandbox)
    async with client(sandbox) as finance:
        await handed_over(app, finance)
        suggestion = from_bank(app)
        assert suggestion is not None
        with app.uow() as uow:
            claim = uow.session.exec(select(Claim)).one()
            claim.delivery = "withdrawn"  # type: ignore[assignment]
            uow.session.add(claim)
            uow.commit()
        with pytest.raises(PreconditionFailed, match="wurde zurückgezogen") as refused:
            await accept(app, finance, suggestion.id)
    assert "Bitte ablehnen oder einer anderen Rechnung zuordnen" in refused.value.user_message
    assert all_payments(app) == [] and agency_payments(sandbox) == []
    assert [s.state for s in stored_suggestions(app)] == ["open"]  # the refusal rolled the decision back
    app.close()


async def test_a_suggestion_larger_than_what_is_open_is_refused_with_the_open_amount(
    database_url: str, tmp_path: Path, sandbox: SandboxHandle
) -> None:
    app = product(database_url, tmp_path, sandbox)
    async with client(sandbox) as finance:
        await handed_over(app, finance)
        suggestion = from_bank(app, amount="150.00")
        assert suggestion is not None
        with pytest.raises(InvalidInput, match=r"150,00 € ist mehr als offen ist \(120,00 €\)"):
            await accept(app, finance, suggestion.id)
    assert all_payments(app) == [] and agency_payments(sandbox) == []
    assert [i.kind for i in outbox_items(app)] == ["claim"]  # nothing queued for 1159 Finance
    assert [s.state for s in stored_suggestions(app)] == ["open"]  # a person may still reassign it
    app.close()


async def test_a_suggestion_assigned_to_another_invoice_is_booked_there(
    database_url: str, tmp_path: Path, sandbox: SandboxHandle
) -> None:
    app = product(database_url, tmp_path, sandbox)
    async with client(sandbox) as finance:
        await handed_over(app, finance, "R-1")
        await handed_over(app, finance, "R-2")
        suggestion = from_bank(app, "R-1")
        assert suggestion is not None
        moved = decisions.assign(
            app.uow(), practice_id=app.practice_id, actor=STAFF, suggestion_id=suggestion.id, number="R-2"
        )
        await accept(app, finance, suggestion.id)
    assert moved.message == f"Vorschlag {suggestion.id} der Rechnung R-2 zugeordnet."
    assert invoice_of(app, "R-1").paid_direct == Decimal("0.00")
    assert invoice_of(app, "R-2").paid_direct == Decimal("50.00")
    app.close()


def test_a_match_for_an_invoice_not_in_collection_marks_it_paid_at_once(
    database_url: str, tmp_path: Path, sandbox: SandboxHandle
) -> None:
    app = product(database_url, tmp_path, sandbox)
    ready_invoice(app, "R-1", amount="120,00")

    suggestion = from_bank(app, amount="120.00")

    assert suggestion is not None and suggestion.state == "accepted"
    invoice = invoice_of(app, "R-1")
    assert (invoice.open_amount, invoice.status) == (Decimal("0.00"), InvoiceStatus.PAID)
    [payment] = all_payments(app)
    assert (payment.origin, payment.delivery, payment.confirmed_by) == ("bank", "none", "automatisch")
    assert outbox_items(app) == []  # a paid invoice is never handed over, nothing to report
    app.close()


@pytest.mark.parametrize("auto", [False, True])
async def test_exact_matches_are_accepted_without_a_person_only_when_the_setting_is_on(
    auto: bool, database_url: str, tmp_path: Path, sandbox: SandboxHandle
) -> None:
    app = product(database_url, tmp_path, sandbox, payments_auto_accept_exact=auto)
    async with client(sandbox) as finance:
        await handed_over(app, finance)
        exact = from_bank(app)
        probable = from_bank(app, amount="20.00", confidence="wahrscheinlich")
    assert exact is not None and probable is not None
    assert (exact.state, probable.state) == ("accepted" if auto else "open", "open")
    assert len(outbox_items(app)) == (2 if auto else 1)  # the claim's, and the exact payment's report
    app.close()


def chat_questions(app: App) -> list[tuple[str, int | None]]:
    with app.uow() as uow:
        notes = uow.session.exec(select(Notification).where(Notification.kind == NOTE_KIND)).all()
        return [(n.text, n.subject_id) for n in notes]


async def test_the_chat_is_asked_once_and_only_about_payments_for_the_agency(
    database_url: str, tmp_path: Path, sandbox: SandboxHandle
) -> None:
    app = product(database_url, tmp_path, sandbox)
    async with client(sandbox) as finance:
        await handed_over(app, finance, "R-1")
    ready_invoice(app, "R-2", amount="120,00")
    for_agency = from_bank(app, "R-1")
    from_bank(app, "R-1")  # the same transaction again
    too_much = from_bank(app, "R-2", amount="130.00")  # not in collection; waits for a person
    assert for_agency is not None and too_much is not None and too_much.state == "open"
    assert chat_questions(app) == [(for_agency.text, for_agency.id)]
    app.close()
