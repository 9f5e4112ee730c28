"""The sandbox keeps a listing's ids and rendered pages while its database is unchanged
(core/finance1159/sandbox/listing.py): kept pages must always equal what a fresh query would give."""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx

from core.finance1159.sandbox.runtime import DB_FILE
from tests.integration.agency.test_finance1159_api import good_claim_body
from tests.peers.sandbox import SandboxHandle

Case = dict[str, Any]


def get(sandbox: SandboxHandle, path: str, **params: Any) -> dict[str, Any]:
    headers = {"X-Auth-Id": sandbox.client_id, "X-Auth-Key": sandbox.api_key}
    response = httpx.get(sandbox.base_url + path, headers=headers, params=params, timeout=10)
    assert response.status_code == 200, response.text
    # Amounts as their exact text, so that 5.0 and 5.00 count as different answers.
    return json.loads(response.content, parse_float=str)


def pages(sandbox: SandboxHandle, count: int, per_page: int = 100, **filters: Any) -> list[dict[str, Any]]:
    """Pages 1 to `count` of GET /cases, whole bodies."""
    return [get(sandbox, "/cases", page=n, per_page=per_page, **filters) for n in range(1, count + 1)]


def listing(sandbox: SandboxHandle, **filters: Any) -> tuple[int, list[Case]]:
    """The total and every case of a listing, paged through with 100 a page."""
    cases: list[Case] = []
    page = 1
    while True:
        body = get(sandbox, "/cases", page=page, per_page=100, **filters)
        cases += body["cases"]
        if page * 100 >= body["total"]:
            assert len(cases) == body["total"]
            return body["total"], cases
        page += 1


def bulk(sandbox: SandboxHandle, count: int) -> list[int]:
    created = sandbox.control("/bulk_cases", {"count": count})
    return list(range(created["first_case_id"], created["last_case_id"] + 1))


def test_paging_twice_gives_the_same_pages_with_every_case_once_in_order(sandbox: SandboxHandle) -> None:
    ids = bulk(sandbox, 250)
    first_pass = pages(sandbox, 4)
    second_pass = pages(sandbox, 4)
    assert second_pass == first_pass
    assert [(b["page"], b["per_page"], b["total"], len(b["cases"])) for b in first_pass] == [
        (1, 100, 250, 100),
        (2, 100, 250, 100),
        (3, 100, 250, 50),
        (4, 100, 250, 0),
    ]
    cases = [case for body in first_pass for case in body["cases"]]
    assert [case["case_id"] for case in cases] == ids
    far = get(sandbox, "/cases", page=1000, per_page=100)
    assert (far["cases"], far["total"], far["page"]) == ([], 250, 1000)
    # Another page size is a listing of its own, not a kept page of the first.
    halves = pages(sandbox, 5, per_page=50)
    assert [len(b["cases"]) for b in halves] == [50] * 5
    assert [case for body in halves for case in body["cases"]] == cases
    for case in cases[::31]:  # a kept page holds what the case renders to afresh
        assert get(sandbox, f"/cases/{case['case_id']}")["case"] == case


def test_a_payment_shows_in_the_very_next_listing(sandbox: SandboxHandle) -> None:
    ids = bulk(sandbox, 250)
    _, before = listing(sandbox)
    assert get(sandbox, "/payments")["total"] == 0
    target = ids[120]
    sandbox.pay(target, "10.00")
    total, after = listing(sandbox)
    assert total == 250 and [c["case_id"] for c in after] == ids
    [changed] = [case for case, old in zip(after, before, strict=True) if case != old]
    old = before[120]
    assert changed["case_id"] == target and changed["paid_to_agency"] == "10.00"
    assert Decimal(changed["outstanding"]) == Decimal(old["outstanding"]) - Decimal("10.00")
    assert changed["updated_at"] > old["updated_at"]
    payments = get(sandbox, "/payments")
    assert payments["total"] == 1 and payments["payments"][0]["case_id"] == target


def test_a_new_case_and_a_reset_show_in_the_very_next_listing(sandbox: SandboxHandle) -> None:
    ids = bulk(sandbox, 250)
    assert get(sandbox, "/cases", page=3, per_page=100)["total"] == 250
    headers = {"X-Auth-Id": sandbox.client_id, "X-Auth-Key": sandbox.api_key}
    created = httpx.post(sandbox.base_url + "/claims", json=good_claim_body(), headers=headers, timeout=10)
    assert created.status_code == 201, created.text
    page = get(sandbox, "/cases", page=3, per_page=100)
    assert page["total"] == 251
    assert [c["case_id"] for c in page["cases"]] == [*ids[200:], created.json()["case_id"]]
    sandbox.reset()
    emptied = get(sandbox, "/cases", page=3, per_page=100)
    assert (emptied["total"], emptied["cases"]) == (0, [])
    assert listing(sandbox) == (0, [])


def test_a_write_by_another_connection_shows_in_the_next_listing(sandbox: SandboxHandle) -> None:
    ids = bulk(sandbox, 3)
    assert [c["status"] for c in listing(sandbox)[1]] == ["received"] * 3
    with sqlite3.connect(sandbox.data_dir / DB_FILE, isolation_level=None) as conn:
        conn.execute("UPDATE cases SET status = 'legal' WHERE case_id = ?", (ids[1],))
    assert [c["status"] for c in listing(sandbox)[1]] == ["received", "legal", "received"]


def test_filters_give_their_own_results_while_the_full_listing_is_kept(sandbox: SandboxHandle) -> None:
    ids = bulk(sandbox, 250)
    _, cases = listing(sandbox)
    since = (datetime.fromisoformat(cases[0]["updated_at"]) + timedelta(microseconds=1)).isoformat()
    assert listing(sandbox, updated_since=since) == (0, [])
    assert listing(sandbox, status="paid") == (0, [])
    settled, partly = [ids[7], ids[180]], ids[99]
    for case_id in settled:
        sandbox.pay(case_id, cases[ids.index(case_id)]["outstanding"])
    sandbox.pay(partly, "1.00")
    total, full = listing(sandbox)  # kept from here on: nothing changes below
    assert total == 250 and [c["case_id"] for c in full] == ids
    for _ in range(2):  # once queried, once kept
        assert [c["case_id"] for c in listing(sandbox, status="paid")[1]] == settled
        assert [c["case_id"] for c in listing(sandbox, updated_since=since)[1]] == sorted([*settled, partly])
        total_received, received = listing(sandbox, status="received")
        assert total_received == 248 and [c["case_id"] for c in received] == [
            case_id for case_id in ids if case_id not in settled
        ]
        page = get(sandbox, "/cases", page=2, per_page=100, status="received")
        assert [c["case_id"] for c in page["cases"]] == [c["case_id"] for c in received[100:200]]
    assert listing(sandbox) == (250, full)
    assert {c["case_id"]: c["status"] for c in full if c["status"] != "received"} == dict.fromkeys(
        settled, "paid"
    )
