"""Retries against injected faults: writes stay single, failures end as AgencyUnavailable."""

from __future__ import annotations

import logging
from datetime import date
from decimal import Decimal

import pytest

from core.finance1159 import errors
from core.finance1159.wire import ClaimIn, DebtorIn, PaymentIn
from tests.peers.sandbox import SandboxHandle, make_finance_client


def claim(reference: str) -> ClaimIn:
    debtor = DebtorIn(first_name="Erika", last_name="Muster", street="Weg 2", zip="51373", city="Leverkusen")
    return ClaimIn(
        reference=reference,
        debtor=debtor,
        invoice_date=date(2026, 8, 1),
        due_date=date(2026, 8, 31),
        principal=Decimal("80.00"),
    )


async def test_claims_survive_server_errors_and_exist_once(sandbox: SandboxHandle) -> None:
    sandbox.faults(error_rate=0.5)  # half refused (503), half done but answered with 500
    async with make_finance_client(sandbox, max_attempts=10) as client:
        created = [await client.create_claim(claim(f"R-{n}")) for n in range(12)]
        assert client.request_count > 12  # some requests were retried
    sandbox.faults()
    state = sandbox.state()
    assert state["cases"] == 12 and len({c.case_id for c in created}) == 12
    assert any(c.already_existed for c in created)  # a lost 500 answer was recovered from


async def test_a_payment_whose_answer_times_out_is_booked_once(sandbox: SandboxHandle) -> None:
    async with make_finance_client(sandbox, read_timeout=0.3) as client:
        case = await client.create_claim(claim("R-1"))
        sandbox.faults(timeout_rate=1.0, timeout_seconds=0.6)  # every answer comes too late
        payment = PaymentIn(
            case_id=case.case_id, amount=Decimal("10.00"), date=date(2026, 11, 2), reference="Z-1"
        )
        with pytest.raises(errors.AgencyUnavailable):
            await client.report_payment(payment)
        sandbox.faults()
        payment_id = await client.report_payment(payment)  # the retry finds the first booking
        assert (await client.get_case(case.case_id)).paid_to_creditor == Decimal("10.00")
    assert sandbox.state()["payments"] == 1 and payment_id == 1


async def test_some_timeouts_are_ridden_out_by_retries(sandbox: SandboxHandle) -> None:
    sandbox.faults(timeout_rate=0.3, timeout_seconds=0.5, latency_ms=5)
    async with make_finance_client(sandbox, read_timeout=0.2, max_attempts=8) as client:
        created = await client.create_claim(claim("R-1"))
        payment = PaymentIn(
            case_id=created.case_id, amount=Decimal("1.00"), date=date(2026, 11, 2), reference="Z"
        )
        for _ in range(3):
            await client.report_payment(payment)
        assert client.request_count > 4  # at least one answer came too late and was retried
    sandbox.faults()
    state = sandbox.state()
    assert (state["cases"], state["payments"]) == (1, 1)


async def test_an_unreachable_agency_is_unavailable_after_max_attempts(
    sandbox: SandboxHandle, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    sandbox.faults(error_rate=1.0)
    async with make_finance_client(sandbox, max_attempts=3) as client:
        with pytest.raises(errors.AgencyUnavailable) as caught:
            await client.list_cases()
        assert client.request_count == 3
    assert caught.value.exit_code == 3 and "nicht erreichbar" in caught.value.user_message
    assert sandbox.api_key not in caplog.text and sandbox.api_key not in str(caught.value)
    assert "retrying" in caplog.text


async def test_latency_alone_is_no_failure(sandbox: SandboxHandle) -> None:
    sandbox.faults(latency_ms=30)
    async with make_finance_client(sandbox) as client:
        assert (await client.list_cases()).total == 0
        assert client.request_count == 1
