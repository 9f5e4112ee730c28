"""The sandbox takes a company as debtor without a person's name, as the contract allows."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import httpx

from core.finance1159.client import Finance1159Client
from core.finance1159.wire import ClaimIn, DebtorIn, from_json
from tests.peers.sandbox import SandboxHandle


async def test_a_company_without_first_and_last_name_is_a_debtor_read_back_as_such(
    finance_client: Finance1159Client,
) -> None:
    debtor = DebtorIn(company="Becker Bau GmbH", street="Hafenstraße 1", zip="20457", city="Hamburg")
    claim = ClaimIn(
        reference="R-77",
        debtor=debtor,
        invoice_date=date(2026, 8, 3),
        due_date=date(2026, 9, 2),
        principal=Decimal("240.00"),
    )
    created = await finance_client.create_claim(claim)
    back = await finance_client.get_debtor(created.debtor_id)
    assert (back.company, back.first_name, back.last_name, back.city) == (
        "Becker Bau GmbH",
        None,
        None,
        "Hamburg",
    )


def test_without_a_company_the_first_name_is_still_required(sandbox: SandboxHandle) -> None:
    body = {
        "reference": "R-78",
        "invoice_date": "2026-08-01",
        "due_date": "2026-08-15",
        "principal": 80,
        "subject": "Honorarforderung",
        "debtor": {"last_name": "B", "street": "S 1", "zip": "1", "city": "K"},
    }
    headers = {"X-Auth-Id": sandbox.client_id, "X-Auth-Key": sandbox.api_key}
    response = httpx.post(sandbox.base_url + "/claims", content=json.dumps(body).encode(), headers=headers)
    answer = from_json(response.content)
    assert (response.status_code, answer["message"]) == (400, "INVALID_PARAMETER")
    assert answer["information"].startswith("debtor.first_name")
    assert sandbox.state()["cases"] == 0
