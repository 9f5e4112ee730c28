"""Payments received by the practice: checked, stored once, and reported to the sandbox exactly once."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from cli.claim_cmds import render_status
from core import sync
from core.bootstrap import App
from core.domain.claims import InvoiceStatus
from core.domain.dates import format_date, today
from core.domain.errors import InvalidInput, PreconditionFailed, Refused
from core.finance1159.client import Finance1159Client
from core.services.collection import claims, delivery, payments, status
from tests.integration.collection.claims_helpers import (
    STAFF,
    RecordingSandbox,
    agency_payments,
    all_payments,
    claim_of,
    client,
    invoice_of,
    outbox_items,
    product,
    ready_invoice,
)
from tests.peers.sandbox import SandboxHandle


async def _handed_over(app: App, finance: Finance1159Client, number: str = "R-1") -> int:
    outcome = await claims.create(
        app.uow(), finance=finance, practice_id=app.practice_id, actor=STAFF, number=number
    )
    assert outcome.case_id is not None
    return outcome.case_id


async def _pay(app: App, finance: Finance1159Client, amount: str, number: str = "R-1", **kw: object):  # type: ignore[no-untyped-def]
    return await payments.record_and_send(
        app.uow(),
        finance=finance,
        practice_id=app.practice_id,
        actor=STAFF,
        number=number,
        amount=amount,
        **kw,  # type: ignore[arg-type]
    )


async def test_a_partial_payment_on_a_claim_is_stored_and_reported_to_the_agency_once(
    database_url: str, tmp_path: Path, sandbox: SandboxHandle
) -> None:
    app = product(database_url, tmp_path, sandbox)
    ready_invoice(app, "R-1", amount="120,00")
    async with client(sandbox) as finance:
        case_id = await _handed_over(app, finance)
        outcome = await _pay(app, finance, "50,00")
    assert outcome.passed_on and outcome.delivered
    assert outcome.open_amount == Decimal("70.00") and "Noch offen: 70,00 €" in outcome.message
    assert "An 1159 Finance gemeldet" in outcome.message
    [reported] = agency_payments(sandbox)
    assert (reported["case_id"], reported["amount"], reported["source"]) == (
        case_id,
        Decimal("50.00"),
        "creditor",
    )
    [ours] = all_payments(app)
    assert (ours.delivery, ours.remote_id, ours.reference) == (
        "sent",
        reported["payment_id"],
        reported["reference"],
    )
    invoice = invoice_of(app, "R-1")
    assert invoice.paid_direct == Decimal("50.00") and invoice.status == InvoiceStatus.IN_COLLECTION
    app.close()


# A date as typed, or how far from today (worked out when the test runs: collected just before
# midnight, "tomorrow" would be today by then).
BAD_PAYMENTS: dict[str, tuple[str, str | timedelta | None, str]] = {
    "malformed": ("zwölf Euro", None, "kein gültiger Betrag"),
    "ambiguous": ("12,345", None, "mehrdeutig"),
    "zero": ("0,00", None, "nicht 0"),
    "negative": ("-5,00", None, "negativ"),
    "above the open amount": ("120,01", None, "mehr als offen ist"),
    "dated in the future": ("10,00", timedelta(days=1), "in der Zukunft"),
    "impossible date": ("10,00", "31.02.2026", "gibt es nicht im Kalender"),
}


@pytest.mark.parametrize("case", list(BAD_PAYMENTS))
async def test_a_bad_payment_is_refused_in_german_and_nothing_is_stored_or_sent(
    case: str, sqlite_url: str, tmp_path: Path, recorded: RecordingSandbox
) -> None:
    amount, paid_on, words = BAD_PAYMENTS[case]
    if isinstance(paid_on, timedelta):
        paid_on = format_date(today() + paid_on)
    app = product(sqlite_url, tmp_path, recorded.handle)
    ready_invoice(app, "R-1", amount="120,00")
    async with client(recorded.handle) as finance:
        await _handed_over(app, finance)
        sent = len(recorded.recorder.requests)
        with pytest.raises(InvalidInput) as caught:
            await _pay(app, finance, amount, paid_on=paid_on)
    assert words in caught.value.user_message and caught.value.exit_code == 1
    assert all_payments(app) == [] and len(outbox_items(app)) == 1  # the claim's only
    assert invoice_of(app, "R-1").paid_direct == Decimal("0.00")
    assert len(recorded.recorder.requests) == sent
    app.close()


async def test_a_payment_on_an_invoice_not_handed_over_is_stored_but_not_reported(
    sqlite_url: str, tmp_path: Path, recorded: RecordingSandbox
) -> None:
    app = product(sqlite_url, tmp_path, recorded.handle)
    ready_invoice(app, "R-1", amount="120,00")
    async with client(recorded.handle) as finance:
        outcome = await _pay(app, finance, "20")
    assert not outcome.passed_on and recorded.recorder.requests == []
    assert [p.delivery for p in all_payments(app)] == ["none"]
    assert invoice_of(app, "R-1").status == InvoiceStatus.PARTLY_PAID
    app.close()


async def test_a_payment_on_a_fully_paid_invoice_is_refused(
    sqlite_url: str, tmp_path: Path, sandbox: SandboxHandle
) -> None:
    app = product(sqlite_url, tmp_path, sandbox)
    ready_invoice(app, "R-1", amount="120,00")
    async with client(sandbox) as finance:
        await _pay(app, finance, "120,00")
        with pytest.raises(PreconditionFailed, match="bereits vollständig bezahlt"):
            await _pay(app, finance, "1,00")
    assert len(all_payments(app)) == 1
    app.close()


async def test_a_payment_on_an_invoice_the_agency_collected_in_full_is_refused_and_not_sent(
    sqlite_url: str, tmp_path: Path, recorded: RecordingSandbox
) -> None:
    app = product(sqlite_url, tmp_path, recorded.handle)
    ready_invoice(app, "R-1", amount="120,00")
    async with client(recorded.handle) as finance:
        case_id = await _handed_over(app, finance)
        recorded.handle.pay(case_id, "120.00")
        await sync.sync_once(app.uow(), finance=finance, practice_id=app.practice_id)
        assert invoice_of(app, "R-1").status == InvoiceStatus.COMPLETE
        posts = len(recorded.calls("POST", "/payments"))
        with pytest.raises(Refused, match="vollständig"):
            await _pay(app, finance, "20,00")
    assert len(recorded.calls("POST", "/payments")) == posts == 0
    assert all_payments(app, "practice") == []
    app.close()


async def test_a_payment_above_what_the_agency_still_claims_is_refused_before_sending(
    sqlite_url: str, tmp_path: Path, recorded: RecordingSandbox
) -> None:
    app = product(sqlite_url, tmp_path, recorded.handle)
    ready_invoice(app, "R-1", amount="120,00")
    async with client(recorded.handle) as finance:
        case_id = await _handed_over(app, finance)
        recorded.handle.pay(case_id, "100.00")
        await status.fetch(app.uow(), finance=finance, practice_id=app.practice_id, actor=STAFF, number="R-1")
        with pytest.raises(InvalidInput, match="20,00 €"):
            await _pay(app, finance, "50,00")
        await _pay(app, finance, "20,00")
    assert [p["source"] for p in agency_payments(recorded.handle)] == ["agency", "creditor"]
    assert len(recorded.calls("POST", "/payments")) == 1
    app.close()


async def test_a_payment_the_agency_refuses_for_good_is_failed_with_its_reason_shown_in_the_status(
    sqlite_url: str, tmp_path: Path, recorded: RecordingSandbox
) -> None:
    app = product(sqlite_url, tmp_path, recorded.handle)
    ready_invoice(app, "R-1", amount="120,00")
    async with client(recorded.handle) as finance:
        case_id = await _handed_over(app, finance)
        # The debtor paid the agency meanwhile; the practice does not know it yet.
        recorded.handle.pay(case_id, "100.00")
        outcome = await _pay(app, finance, "50,00")
        assert outcome.passed_on and not outcome.delivered
        await delivery.run_once(app.uow(), finance=finance)  # nothing is retried blindly
        st = await status.fetch(
            app.uow(), finance=finance, practice_id=app.practice_id, actor=STAFF, number="R-1"
        )
    assert len(recorded.calls("POST", "/payments")) == 1
    [payment] = all_payments(app, "practice")
    assert payment.delivery == "failed" and "höher als die offene Forderung" in payment.failure_reason
    assert outbox_items(app)[-1].state == "failed"
    assert "AMOUNT_EXCEEDS_OUTSTANDING" in outbox_items(app)[-1].last_error
    [line] = [p for p in st.payments if p.source == "practice"]
    assert line.delivery == "failed" and "höher als die offene Forderung" in line.failure_reason
    shown = render_status(st)  # what `inkasso claim status` prints
    assert "50,00 € – direkt an die Praxis, von 1159 Finance abgelehnt (Grund: Der Betrag ist höher" in shown
    app.close()


async def test_payments_reported_through_a_flaky_agency_arrive_exactly_once_each(
    sqlite_url: str, tmp_path: Path, sandbox: SandboxHandle
) -> None:
    app = product(sqlite_url, tmp_path, sandbox)
    ready_invoice(app, "R-1", amount="120,00")
    async with client(sandbox, max_attempts=12) as finance:
        await _handed_over(app, finance)
        # Half the answers fail; of those, half after the agency already booked the payment.
        sandbox.faults(error_rate=0.5)
        for _ in range(8):
            await _pay(app, finance, "5,00")
        for item in outbox_items(app):
            if item.state == "pending":
                await delivery.deliver(app.uow(), finance=finance, item_id=item.id or 0)
        sandbox.faults()
        assert finance.request_count > 9  # retries happened
    reported = agency_payments(sandbox)
    ours = all_payments(app, "practice")
    assert len(reported) == len(ours) == 8
    assert sorted(p["reference"] for p in reported) == sorted(p.reference for p in ours)
    assert {p.delivery for p in ours} == {"sent"}
    assert claim_of(app, "R-1").delivery == "submitted"
    app.close()


async def test_a_payment_recorded_before_its_claim_reached_the_agency_waits_for_the_claim(
    sqlite_url: str, tmp_path: Path, sandbox: SandboxHandle
) -> None:
    app = product(sqlite_url, tmp_path, sandbox)
    ready_invoice(app, "R-1", amount="120,00")
    claims.queue(app.uow(), practice_id=app.practice_id, actor=STAFF, number="R-1")
    async with client(sandbox) as finance:
        outcome = await _pay(app, finance, "30,00")
        assert outcome.passed_on and not outcome.delivered
        assert "sobald die Verbindung steht" in outcome.message
        claim_item, payment_item = outbox_items(app)
        assert payment_item.state == "pending" and payment_item.attempts == 0
        assert (await delivery.deliver(app.uow(), finance=finance, item_id=claim_item.id or 0)).done
        assert (await delivery.deliver(app.uow(), finance=finance, item_id=payment_item.id or 0)).done
    case = claim_of(app, "R-1")
    [reported] = agency_payments(sandbox)
    assert reported["case_id"] == case.case_id and reported["amount"] == Decimal("30.00")
    app.close()


async def test_a_payment_reported_after_the_agency_closed_the_case_is_failed_with_the_reason(
    sqlite_url: str, tmp_path: Path, recorded: RecordingSandbox
) -> None:
    app = product(sqlite_url, tmp_path, recorded.handle)
    ready_invoice(app, "R-1", amount="120,00")
    async with client(recorded.handle) as finance:
        case_id = await _handed_over(app, finance)
        recorded.handle.pay(case_id, "120.00")  # settled at the agency; the practice has not synced
        outcome = await _pay(app, finance, "10,00")
        assert outcome.passed_on and not outcome.delivered
        await sync.sync_once(app.uow(), finance=finance, practice_id=app.practice_id)
    [payment] = all_payments(app, "practice")
    assert payment.delivery == "failed" and "bereits abgeschlossen" in payment.failure_reason
    assert "CASE_CLOSED" in outbox_items(app)[-1].last_error
    assert invoice_of(app, "R-1").status == InvoiceStatus.COMPLETE
    assert len(recorded.calls("POST", "/payments")) == 1
    app.close()
