"""Every endpoint of the contract, through the client and raw, against the sandbox over HTTP."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from core.finance1159 import errors
from core.finance1159.client import Finance1159Client, make_http_client
from core.finance1159.wire import CaseStatus, ClaimIn, DebtorIn, PaymentIn, from_json
from tests.peers.sandbox import SandboxHandle


def claim(reference: str = "R-2026-0042", principal: str = "120.00", **extra: Any) -> ClaimIn:
    debtor = DebtorIn(
        salutation="Herr",
        first_name="Max",
        last_name="Mustermann",
        street="Hauptstr. 5",
        zip="51373",
        city="Leverkusen",
        birth_date=date(1980, 5, 17),
        email="max@example.org",
    )
    return ClaimIn(
        reference=reference,
        debtor=debtor,
        invoice_date=date(2026, 8, 3),
        due_date=date(2026, 9, 2),
        reminder_date=date(2026, 9, 20),
        principal=Decimal(principal),
        **extra,
    )


def raw(sandbox: SandboxHandle, method: str, path: str, **kwargs: Any) -> tuple[int, dict[str, Any]]:
    headers = {"X-Auth-Id": sandbox.client_id, "X-Auth-Key": sandbox.api_key, **kwargs.pop("headers", {})}
    response = httpx.request(method, sandbox.base_url + path, headers=headers, **kwargs)
    return response.status_code, from_json(response.content)


async def test_a_claim_creates_a_case_with_the_documented_envelope(sandbox: SandboxHandle) -> None:
    status, body = raw(
        sandbox,
        "POST",
        "/claims",
        content=b'{"reference": "R-1", "debtor": {"first_name": "A",'
        b' "last_name": "B", "street": "S 1", "zip": "1", "city": "K"}, "invoice_date": "2026-08-01",'
        b' "due_date": "2026-08-15", "principal": 80.5, "subject": "Honorarforderung"}',
    )
    assert status == 201
    assert body == {"error": False, "case_id": 1, "debtor_id": 1, "status": "received"}


async def test_create_claim_returns_the_case_and_a_repeat_returns_the_same_case(
    finance_client: Finance1159Client, sandbox: SandboxHandle
) -> None:
    first = await finance_client.create_claim(claim(reminder_fees=Decimal("5.00"), interest=Decimal("1.23")))
    again = await finance_client.create_claim(claim())
    assert (first.status, first.already_existed) == (CaseStatus.RECEIVED, False)
    assert (again.case_id, again.debtor_id, again.already_existed) == (first.case_id, first.debtor_id, True)
    assert sandbox.state()["cases"] == 1
    case = await finance_client.get_case(first.case_id)
    assert case.reference == "R-2026-0042" and case.interest == Decimal("1.23")
    assert [(f.type, f.amount) for f in case.fees] == [("reminder_fee", Decimal("5.00"))]
    assert case.outstanding == Decimal("126.23")


async def test_get_debtor_returns_what_the_claim_carried(finance_client: Finance1159Client) -> None:
    created = await finance_client.create_claim(claim())
    debtor = await finance_client.get_debtor(created.debtor_id)
    assert (debtor.last_name, debtor.city, debtor.birth_date, debtor.country) == (
        "Mustermann",
        "Leverkusen",
        date(1980, 5, 17),
        "DE",
    )


async def test_unknown_ids_raise_not_found(finance_client: Finance1159Client) -> None:
    with pytest.raises(errors.CaseNotFound):
        await finance_client.get_case(999)
    with pytest.raises(errors.DebtorNotFound):
        await finance_client.get_debtor(999)
    with pytest.raises(errors.CaseNotFound):
        await finance_client.report_payment(
            PaymentIn(case_id=999, amount=Decimal("1"), date=date.today(), reference="Z-1")
        )


async def test_wrong_credentials_are_refused_with_403(sandbox: SandboxHandle) -> None:
    status, body = raw(sandbox, "GET", "/cases", headers={"X-Auth-Key": "wrong"})
    assert (status, body["error"], body["message"]) == (403, True, "AUTHENTICATION_FAILED")
    http = make_http_client(sandbox.base_url, concurrency=1)
    async with Finance1159Client(http, client_id=sandbox.client_id, api_key=SecretStr("nope")) as client:
        with pytest.raises(errors.AuthenticationFailed) as caught:
            await client.list_cases()
    assert "API-Schlüssel" in caught.value.user_message


def good_claim_body() -> dict[str, Any]:
    return {
        "reference": "R-9",
        "invoice_date": "2026-08-01",
        "due_date": "2026-08-15",
        "principal": 80,
        "subject": "Honorarforderung",
        "debtor": {"first_name": "A", "last_name": "B", "street": "S 1", "zip": "1", "city": "K"},
    }


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("reference", None),
        ("debtor", None),
        ("debtor", "Max Muster"),
        ("debtor.last_name", None),
        ("debtor.country", "Deutschland"),
        ("debtor.birth_date", "17.05.1980"),
        ("principal", "12.00"),
        ("principal", 12.345),
        ("principal", -1),
        ("principal", True),
        ("due_date", "02.09.2026"),
        ("due_date", "2026-07-01"),
        ("subject", None),
    ],
)
async def test_a_malformed_claim_names_the_field(sandbox: SandboxHandle, field: str, value: Any) -> None:
    body = good_claim_body()
    target, _, name = field.rpartition(".")
    holder = body[target] if target else body
    if value is None:
        holder.pop(name)
    else:
        holder[name] = value
    status, answer = raw(sandbox, "POST", "/claims", content=json.dumps(body).encode())
    assert (status, answer["error"], answer["message"]) == (400, True, "INVALID_PARAMETER"), answer
    assert answer["information"].startswith(field)
    assert sandbox.state()["cases"] == 0


async def test_bad_json_is_invalid_json(sandbox: SandboxHandle) -> None:
    status, body = raw(sandbox, "POST", "/claims", content=b"{not json")
    assert (status, body["message"]) == (400, "INVALID_JSON")


async def test_client_reports_invalid_parameter_with_the_field(finance_client: Finance1159Client) -> None:
    with pytest.raises(errors.InvalidRequest) as caught:
        await finance_client.list_cases(per_page=101)
    assert caught.value.information and caught.value.information.startswith("per_page")


async def test_list_cases_pages_and_filters(
    finance_client: Finance1159Client, sandbox: SandboxHandle
) -> None:
    for n in range(7):
        await finance_client.create_claim(claim(reference=f"R-{n}"))
    page = await finance_client.list_cases(page=2, per_page=3)
    assert [c.reference for c in page.items] == ["R-3", "R-4", "R-5"] and page.total == 7
    assert [c.reference async for c in finance_client.iter_cases(per_page=2)] == [f"R-{n}" for n in range(7)]
    assert (await finance_client.list_cases(reference="R-5")).items[0].reference == "R-5"
    assert (await finance_client.list_cases(status=CaseStatus.PAID)).total == 0
    status, body = raw(sandbox, "GET", "/cases", params={"per_page": "2"})
    assert set(body) == {"error", "cases", "page", "per_page", "total"} and body["per_page"] == 2
    assert raw(sandbox, "GET", "/cases")[1]["per_page"] == 50


async def test_updated_since_returns_only_changed_cases(
    finance_client: Finance1159Client, sandbox: SandboxHandle
) -> None:
    a = await finance_client.create_claim(claim(reference="R-A"))
    b = await finance_client.create_claim(claim(reference="R-B"))
    mark = (await finance_client.get_case(b.case_id)).updated_at + timedelta(microseconds=1)
    await finance_client.report_payment(
        PaymentIn(case_id=a.case_id, amount=Decimal("10"), date=date(2026, 11, 2), reference="Z-A")
    )
    changed = [c.reference async for c in finance_client.iter_cases(updated_since=mark)]
    assert changed == ["R-A"]
    future = datetime.now(UTC) + timedelta(days=400)
    assert (await finance_client.list_cases(updated_since=future.astimezone())).total == 0
    status, body = raw(sandbox, "GET", "/cases", params={"updated_since": "2026-11-01T10:00:00"})
    assert (status, body["message"]) == (400, "INVALID_PARAMETER")


async def test_creditor_payments_reduce_the_balance_and_settle_the_case(
    finance_client: Finance1159Client,
) -> None:
    created = await finance_client.create_claim(claim(principal="100.00"))
    first = await finance_client.report_payment(
        PaymentIn(case_id=created.case_id, amount=Decimal("0.10"), date=date(2026, 11, 1), reference="Z-1")
    )
    second = await finance_client.report_payment(
        PaymentIn(case_id=created.case_id, amount=Decimal("0.20"), date=date(2026, 11, 2), reference="Z-2")
    )
    assert (
        await finance_client.report_payment(
            PaymentIn(
                case_id=created.case_id, amount=Decimal("0.10"), date=date(2026, 11, 1), reference="Z-1"
            )
        )
        == first
    )
    case = await finance_client.get_case(created.case_id)
    assert case.paid_to_creditor == Decimal("0.30") and case.outstanding == Decimal("99.70")
    with pytest.raises(errors.AmountExceedsOutstanding):
        await finance_client.report_payment(
            PaymentIn(
                case_id=created.case_id, amount=Decimal("99.71"), date=date(2026, 11, 3), reference="Z-3"
            )
        )
    await finance_client.report_payment(
        PaymentIn(case_id=created.case_id, amount=Decimal("99.70"), date=date(2026, 11, 3), reference="Z-4")
    )
    case = await finance_client.get_case(created.case_id)
    assert (case.status, case.outstanding) == (
        CaseStatus.PAID,
        Decimal("0.00"),
    ) and case.closed_at is not None
    with pytest.raises(errors.CaseClosed):
        await finance_client.report_payment(
            PaymentIn(case_id=created.case_id, amount=Decimal("1"), date=date(2026, 11, 3), reference="Z-5")
        )
    payments = await finance_client.list_payments(case_id=created.case_id)
    assert [p.payment_id for p in payments.items][:2] == [first, second] and payments.total == 3
    assert {p.source for p in payments.items} == {"creditor"}


async def test_payments_since_filters_on_creation_time(finance_client: Finance1159Client) -> None:
    created = await finance_client.create_claim(claim())
    await finance_client.report_payment(
        PaymentIn(case_id=created.case_id, amount=Decimal("1"), date=date(2026, 11, 1), reference="Z-1")
    )
    page = await finance_client.list_payments()
    mark = page.items[0].created_at + timedelta(microseconds=1)
    await finance_client.report_payment(
        PaymentIn(case_id=created.case_id, amount=Decimal("2"), date=date(2026, 11, 1), reference="Z-2")
    )
    assert [p.reference async for p in finance_client.iter_payments(since=mark)] == ["Z-2"]


async def test_withdrawal_until_the_agency_has_collected(
    finance_client: Finance1159Client, sandbox: SandboxHandle
) -> None:
    mistake = await finance_client.create_claim(claim(reference="R-X"))
    withdrawn = await finance_client.withdraw_case(mistake.case_id)
    assert withdrawn.status == CaseStatus.WITHDRAWN and withdrawn.closed_at is not None
    assert (
        await finance_client.withdraw_case(mistake.case_id)
    ).status == CaseStatus.WITHDRAWN  # repeat is harmless
    collected = await finance_client.create_claim(claim(reference="R-Y"))
    sandbox.pay(collected.case_id, "5.00")
    with pytest.raises(errors.WithdrawalNotPossible) as caught:
        await finance_client.withdraw_case(collected.case_id)
    assert "nicht mehr zurückgezogen" in caught.value.user_message
    status, body = raw(sandbox, "POST", f"/cases/{mistake.case_id}/withdrawal")
    assert (status, body["message"], body["dataset"]) == (400, "CASE_CLOSED", mistake.case_id)
