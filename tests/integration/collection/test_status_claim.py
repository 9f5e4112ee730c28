"""Claim status ("Forderung anzeigen"): fees and payments as 1159 Finance reports them, fetched now."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from core.domain.errors import NotFound
from core.services.collection import claims, payments, status, withdrawals
from tests.integration.collection.claims_helpers import (
    STAFF,
    agency_cases,
    all_payments,
    client,
    product,
    ready_invoice,
)
from tests.peers.sandbox import SandboxHandle


async def test_status_shows_the_fees_and_payments_the_agency_reports_now(
    database_url: str, tmp_path: Path, sandbox: SandboxHandle
) -> None:
    app = product(database_url, tmp_path, sandbox)
    ready_invoice(app, "R-1", amount="120,00")
    common = {"practice_id": app.practice_id, "actor": STAFF, "number": "R-1"}
    async with client(sandbox) as finance:
        outcome = await claims.create(app.uow(), finance=finance, **common)
        await payments.record_and_send(app.uow(), finance=finance, amount="20,00", **common)
        sandbox.advance(2)  # reviewed; the first letter charges collection costs
        sandbox.pay(outcome.case_id or 0, "30.00")
        st = await status.fetch(app.uow(), finance=finance, **common)
        again = await status.fetch(app.uow(), finance=finance, **common)
    [case] = agency_cases(sandbox)
    assert st.case_id == case["case_id"] and st.status == "in_collection" and st.status_label == "im Inkasso"
    assert {f.label for f in st.fees} == {"Inkassokosten", "Auslagen"}
    assert st.fees_total == sum((f["amount"] for f in case["fees"]), Decimal("0")) > 0
    assert st.paid_to_agency == Decimal("30.00") and st.paid_to_practice == Decimal("20.00")
    assert st.outstanding == case["outstanding"] == Decimal("70.00") + st.fees_total
    assert sorted((p.source, p.amount) for p in st.payments) == [
        ("agency", Decimal("30.00")),
        ("practice", Decimal("20.00")),
    ]
    assert not st.stale and st.as_of is not None and not st.complete
    # Asking twice stores nothing twice.
    assert again.fees == st.fees and len(again.payments) == 2 and len(all_payments(app)) == 2
    app.close()


async def test_status_while_the_agency_is_down_shows_the_last_known_state_marked_as_such(
    sqlite_url: str, tmp_path: Path, sandbox: SandboxHandle
) -> None:
    app = product(sqlite_url, tmp_path, sandbox)
    ready_invoice(app, "R-1")
    common = {"practice_id": app.practice_id, "actor": STAFF, "number": "R-1"}
    async with client(sandbox, max_attempts=2) as finance:
        await claims.create(app.uow(), finance=finance, **common)
        sandbox.faults(error_rate=1.0)
        st = await status.fetch(app.uow(), finance=finance, **common)
    assert st.stale and "nicht erreichbar" in st.note and "letzte bekannte Stand" in st.note
    assert st.status == "received" and st.principal == Decimal("120.00")
    app.close()


async def test_status_of_an_invoice_not_handed_over_says_how_to_hand_it_over(
    sqlite_url: str, tmp_path: Path, sandbox: SandboxHandle
) -> None:
    app = product(sqlite_url, tmp_path, sandbox)
    ready_invoice(app, "R-1")
    async with client(sandbox) as finance:
        with pytest.raises(NotFound) as caught:
            await status.fetch(
                app.uow(), finance=finance, practice_id=app.practice_id, actor=STAFF, number="R-1"
            )
    assert "noch nicht an 1159 Finance übergeben" in caught.value.user_message
    # The core names the action; each door says how to do it there (the chat: /forderung R-1).
    assert "„Forderung anlegen“" in caught.value.user_message
    assert (caught.value.next_action, caught.value.subject) == ("claim.create", "R-1")
    assert sandbox.state()["api_requests"] == 0
    app.close()


async def test_open_cases_lists_queued_submitted_and_failed_claims_but_not_withdrawn_ones(
    sqlite_url: str, tmp_path: Path, sandbox: SandboxHandle
) -> None:
    from core.services.people.access import OPERATOR

    app = product(sqlite_url, tmp_path, sandbox)
    for n in range(3):
        ready_invoice(app, f"R-{n}")
    async with client(sandbox) as finance:
        await claims.create(
            app.uow(), finance=finance, practice_id=app.practice_id, actor=STAFF, number="R-0"
        )
        await claims.create(
            app.uow(), finance=finance, practice_id=app.practice_id, actor=STAFF, number="R-1"
        )
        claims.queue(app.uow(), practice_id=app.practice_id, actor=STAFF, number="R-2")
        await withdrawals.withdraw(
            app.uow(), finance=finance, practice_id=app.practice_id, actor=OPERATOR, number="R-1"
        )
    listed = status.open_cases(app.uow(), practice_id=app.practice_id, actor=STAFF)
    assert [(s.number, s.delivery) for s in listed] == [("R-0", "submitted"), ("R-2", "queued")]
    app.close()
