"""Error mapping and retries of the client, against httpx.MockTransport (no network)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from core.domain.errors import AgencyRejected, PeerUnavailable
from core.finance1159 import errors
from core.finance1159.client import Finance1159Client
from core.finance1159.wire import PaymentIn
from tests.leaks import shows_anywhere

SECRET = "very-secret-key-771"
Handler = Callable[[httpx.Request], httpx.Response]


def client_for(handler: Handler, max_attempts: int = 3) -> Finance1159Client:
    http = httpx.AsyncClient(base_url="https://agency.test/api/v1", transport=httpx.MockTransport(handler))
    return Finance1159Client(
        http,
        client_id="praxis-1",
        api_key=SecretStr(SECRET),
        max_attempts=max_attempts,
        backoff_base=0.001,
        backoff_max=0.002,
    )


def envelope(status: int, message: str, information: str = "", dataset: Any = None) -> Handler:
    body = {"error": True, "message": message, "information": information, "dataset": dataset}
    return lambda request: httpx.Response(status, json=body)


@pytest.mark.parametrize(
    ("status", "message", "expected"),
    [
        (403, "AUTHENTICATION_FAILED", errors.AuthenticationFailed),
        (404, "NOT_FOUND", errors.CaseNotFound),
        (400, "INVALID_JSON", errors.InvalidRequest),
        (400, "INVALID_PARAMETER", errors.InvalidRequest),
        (400, "CASE_CLOSED", errors.CaseClosed),
        (400, "AMOUNT_EXCEEDS_OUTSTANDING", errors.AmountExceedsOutstanding),
        (400, "WITHDRAWAL_NOT_POSSIBLE", errors.WithdrawalNotPossible),
        (400, "SOMETHING_NEW", errors.Finance1159Rejected),
    ],
)
async def test_each_error_envelope_becomes_its_typed_error(status: int, message: str, expected: type) -> None:
    async with client_for(envelope(status, message, "amount", 17)) as client:
        with pytest.raises(expected) as caught:
            await client.get_case(17)
    error = caught.value
    assert isinstance(error, AgencyRejected) and isinstance(error, errors.Finance1159Rejected)
    assert (error.code, error.information, error.dataset, error.status_code) == (
        message,
        "amount",
        17,
        status,
    )
    assert error.user_message and SECRET not in str(error) and SECRET not in error.user_message


async def test_invalid_parameter_names_the_field_for_the_user() -> None:
    async with client_for(envelope(400, "INVALID_PARAMETER", "debtor.zip: missing")) as client:
        with pytest.raises(errors.InvalidRequest) as caught:
            await client.get_case(1)
    assert "debtor.zip" in caught.value.user_message


async def test_not_found_on_a_debtor_says_debtor() -> None:
    async with client_for(envelope(404, "NOT_FOUND", "", 9)) as client:
        with pytest.raises(errors.DebtorNotFound):
            await client.get_debtor(9)


@pytest.mark.parametrize(
    "response",
    [
        httpx.Response(200, text="<html>hello</html>"),
        httpx.Response(200, json={"case": {}}),  # no "error" flag
        httpx.Response(200, json={"error": False, "case": {"case_id": 1}}),  # case incomplete
        httpx.Response(200, json=[1, 2]),
        httpx.Response(404, text="Not Found"),  # wrong base URL: no envelope
    ],
)
async def test_an_answer_outside_the_contract_is_an_unexpected_response(response: httpx.Response) -> None:
    async with client_for(lambda request: response) as client:
        with pytest.raises(errors.UnexpectedResponse):
            await client.get_case(1)


async def test_server_errors_are_retried_then_reported_as_unavailable() -> None:
    calls: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return httpx.Response(503)

    async with client_for(handler, max_attempts=4) as client:
        with pytest.raises(errors.AgencyUnavailable) as caught:
            await client.get_case(1)
        assert client.request_count == 4
    assert len(calls) == 4 and isinstance(caught.value, PeerUnavailable)
    assert "nicht erreichbar" in caught.value.user_message


@pytest.mark.parametrize(
    "failure", [httpx.ConnectError, httpx.ReadTimeout, httpx.RemoteProtocolError, httpx.ReadError]
)
async def test_transient_transport_failures_are_retried_until_success(failure: type[Exception]) -> None:
    calls = 0

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        if calls < 3:
            raise failure("boom", request=request)  # type: ignore[call-arg]
        return httpx.Response(201, json={"error": False, "payment_id": 5})

    async with client_for(handler) as client:
        payment = PaymentIn(case_id=1, amount=Decimal("1.00"), date=date(2026, 11, 1), reference="Z-1")
        assert await client.report_payment(payment) == 5
    assert calls == 3


async def test_a_final_rejection_is_not_retried() -> None:
    calls = 0

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        return httpx.Response(
            400, json={"error": True, "message": "CASE_CLOSED", "information": "", "dataset": 1}
        )

    async with client_for(handler) as client:
        with pytest.raises(errors.CaseClosed):
            await client.get_case(1)
    assert calls == 1


async def test_every_request_carries_the_credentials() -> None:
    seen: list[httpx.Headers] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers)
        return httpx.Response(
            200, json={"error": False, "payments": [], "page": 1, "per_page": 100, "total": 0}
        )

    async with client_for(handler) as client:
        await client.list_payments()
    assert seen[0]["X-Auth-Id"] == "praxis-1" and seen[0]["X-Auth-Key"] == SECRET


async def test_the_api_key_never_shows_in_repr_errors_or_logs(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)

    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    client = client_for(handler)
    assert SECRET not in repr(client) and "praxis-1" in repr(client)
    with pytest.raises(errors.AgencyUnavailable) as caught:
        await client.get_case(1)
    await client.aclose()
    assert not shows_anywhere(SECRET, caught.value)
    assert caplog.records and SECRET not in caplog.text


@pytest.mark.parametrize(("status", "message"), [(403, "AUTHENTICATION_FAILED"), (200, "INVALID_PARAMETER")])
async def test_a_listing_answered_with_an_error_envelope_raises_the_typed_error(
    status: int, message: str
) -> None:
    # Pages are decoded straight from the bytes; an answer that is not a page still shows its envelope.
    expected = errors.AuthenticationFailed if status == 403 else errors.InvalidRequest
    async with client_for(envelope(status, message, "page")) as client:
        with pytest.raises(expected):
            await client.list_cases(page=1)


@pytest.mark.parametrize(
    "response",
    [
        httpx.Response(
            200, json={"error": False, "cases": [{"case_id": 1}], "page": 1, "per_page": 1, "total": 1}
        ),
        httpx.Response(200, json={"error": False, "payments": [], "page": 1}),  # no total
        httpx.Response(200, text="{not json"),
    ],
)
async def test_a_listing_outside_the_contract_is_an_unexpected_response(response: httpx.Response) -> None:
    async with client_for(lambda request: response) as client:
        with pytest.raises(errors.UnexpectedResponse) as caught:
            await client.list_cases(page=1) if b"cases" in response.content else await client.list_payments()
    assert "GET /" in str(caught.value)


async def test_a_listing_page_is_read_with_exact_amounts() -> None:
    payment = {
        "payment_id": 5, "case_id": 17, "amount": 12.30, "date": "2026-11-02", "source": "agency",
        "reference": None, "created_at": "2026-11-02T10:00:00+01:00",
    }  # fmt: skip
    body = {"error": False, "payments": [payment], "page": 1, "per_page": 100, "total": 1}
    async with client_for(lambda request: httpx.Response(200, json=body)) as client:
        page = await client.list_payments()
    assert page.items[0].amount == Decimal("12.30") and type(page.items[0].amount) is Decimal
    assert page.is_last and page.items[0].created_at.utcoffset() is not None
