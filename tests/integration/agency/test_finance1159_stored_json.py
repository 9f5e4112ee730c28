"""The sandbox sends list pages from each case's stored JSON: it must always equal a fresh rendering."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx

from core.finance1159.sandbox import store
from core.finance1159.sandbox.runtime import DB_FILE
from core.finance1159.wire import PaymentIn
from tests.integration.agency.test_finance1159_api import claim
from tests.peers.sandbox import SandboxHandle, make_finance_client


def get(sandbox: SandboxHandle, path: str, **params: Any) -> Any:
    headers = {"X-Auth-Id": sandbox.client_id, "X-Auth-Key": sandbox.api_key}
    response = httpx.get(sandbox.base_url + path, headers=headers, params=params)
    assert response.status_code == 200, response.text
    # Amounts as their exact text, so that 5.0 and 5.00 count as different answers.
    return json.loads(response.content, parse_float=str)


def listed(sandbox: SandboxHandle) -> list[dict[str, Any]]:
    cases: list[dict[str, Any]] = []
    page = 1
    while True:
        body = get(sandbox, "/cases", page=page, per_page=7)
        cases += body["cases"]
        if page * 7 >= body["total"]:
            return cases
        page += 1


def assert_listing_is_current(sandbox: SandboxHandle) -> list[dict[str, Any]]:
    """Every listed case (stored JSON) equals GET /cases/{id}, which renders the case afresh."""
    cases = listed(sandbox)
    assert [c["case_id"] for c in cases] == sorted(c["case_id"] for c in cases)
    for case in cases:
        assert case == get(sandbox, f"/cases/{case['case_id']}")["case"]
    return cases


async def test_listing_follows_every_change_of_a_case(sandbox: SandboxHandle) -> None:
    finance = make_finance_client(sandbox)
    try:
        for n in range(12):
            extra: dict[str, Any] = {"reminder_fees": Decimal("5.00")} if n % 3 == 0 else {}
            await finance.create_claim(claim(f"R-{n}", f"{80 + n * 41}.50", **extra))
        assert_listing_is_current(sandbox)
        sandbox.advance(3)  # letters: fees and a new status
        sandbox.pay(4, "10.00")
        await finance.report_payment(
            PaymentIn(case_id=5, amount=Decimal("20.50"), date=sandbox_day(sandbox), reference="P-1")
        )
        await finance.withdraw_case((await finance.create_claim(claim("R-oops"))).case_id)
        sandbox.control("/bulk_cases", {"count": 30})
        sandbox.advance(40)  # payments, settled cases, instalments
        sandbox.control("/touch", {"fraction": 0.5})
        cases = assert_listing_is_current(sandbox)
    finally:
        await finance.aclose()
    assert {"paid", "withdrawn", "in_collection"} <= {c["status"] for c in cases}
    assert any(c["fees"] for c in cases) and any(c["closed_at"] for c in cases)


def sandbox_day(sandbox: SandboxHandle) -> date:
    return date.fromisoformat(sandbox.state()["now"][:10])


async def test_a_write_past_the_sandbox_transaction_is_still_listed(sandbox: SandboxHandle) -> None:
    finance = make_finance_client(sandbox)
    try:
        case_id = (await finance.create_claim(claim("R-direct"))).case_id
    finally:
        await finance.aclose()
    with sqlite3.connect(sandbox.data_dir / DB_FILE, isolation_level=None) as conn:
        conn.execute("UPDATE cases SET status = 'legal' WHERE case_id = ?", (case_id,))
        conn.execute(
            "INSERT INTO fees (case_id, type, amount, date) VALUES (?, 'expenses', '3.10', '2026-11-02')",
            (case_id,),
        )
    [case] = assert_listing_is_current(sandbox)
    assert case["status"] == "legal" and case["fees"][-1] == {
        "type": "expenses",
        "amount": "3.10",
        "date": "2026-11-02",
    }


def test_a_file_from_before_the_stored_json_is_migrated(
    tmp_path: Path, sandbox_factory: Callable[..., SandboxHandle]
) -> None:
    data = tmp_path / "old"
    data.mkdir()
    with sqlite3.connect(data / DB_FILE) as conn:
        conn.executescript(store.SCHEMA.replace(" json TEXT,", ""))
        conn.execute(
            "INSERT INTO cases (case_id, client_id, reference, debtor_id, status, principal, interest,"
            " claim, created_at, updated_at) VALUES (1, 'test-praxis', 'OLD-1', 1, 'received', '42.00',"
            " '0.00', '{}', '2026-11-01T10:00:00.000000+00:00', '2026-11-01T10:00:00.000000+00:00')"
        )
    old = sandbox_factory(data_dir=data)
    [case] = assert_listing_is_current(old)
    assert case["reference"] == "OLD-1" and case["outstanding"] == "42.00" and case["closed_at"] is None
