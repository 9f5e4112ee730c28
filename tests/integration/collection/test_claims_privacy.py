"""No health data leaves the practice: the invoice's `Leistung` is in no request 1159 Finance receives."""

from __future__ import annotations

import json
import re
from pathlib import Path

from core import sync
from core.services.collection import claim_preview, claims, payments, status, withdrawals
from tests.factories import add_patient
from tests.integration.collection.claims_helpers import (
    MANAGER,
    STAFF,
    RecordingSandbox,
    client,
    product,
    ready_invoice,
)

MARKER = "Diagnose-F32.1-Krankengymnastik-MARKER-7c1e"
ALLOWED = {
    "reference",
    "debtor",
    "invoice_date",
    "due_date",
    "reminder_date",
    "default_date",
    "principal",
    "subject",
}


async def test_the_leistung_text_is_in_no_request_body_sent_to_the_agency(
    sqlite_url: str, tmp_path: Path, recorded: RecordingSandbox
) -> None:
    app = product(sqlite_url, tmp_path, recorded.handle)
    patient = add_patient(app, first_name="Erika", last_name="Muster", email="erika@example.org")
    ready_invoice(app, "R-1", service_text=MARKER, patient=patient)
    ready_invoice(app, "R-2", service_text=f"GOÄ 1, 5, 800: {MARKER}")
    common = {"practice_id": app.practice_id}
    async with client(recorded.handle) as finance:
        preview = claim_preview.preview(app.uow(), actor=STAFF, number="R-1", **common)
        for number in ("R-1", "R-2"):
            await claims.create(app.uow(), finance=finance, actor=STAFF, number=number, **common)
        await payments.record_and_send(
            app.uow(), finance=finance, actor=STAFF, number="R-1", amount="10,00", **common
        )
        await withdrawals.withdraw(app.uow(), finance=finance, actor=MANAGER, number="R-2", **common)
        recorded.handle.advance(3)
        await status.fetch(app.uow(), finance=finance, actor=STAFF, number="R-1", **common)
        await sync.sync_once(app.uow(), finance=finance, **common)

    requests = recorded.recorder.requests
    endpoints = {(r.method, re.sub(r"/\d+", "/{id}", r.path.removeprefix("/api/v1"))) for r in requests}
    assert endpoints == {
        ("POST", "/claims"),
        ("POST", "/payments"),
        ("POST", "/cases/{id}/withdrawal"),
        ("GET", "/cases/{id}"),
        ("GET", "/cases"),
        ("GET", "/payments"),
    }
    for request in requests:
        assert MARKER.encode() not in request.body and MARKER not in request.path
        assert b"Krankengymnastik" not in request.body and "GO\u00c4".encode() not in request.body
    for claim in recorded.calls("POST", "/claims"):
        body = json.loads(claim.body)
        assert set(body) <= ALLOWED and body["subject"] == "Honorarforderung"
    # The overview says what is sent and what is withheld, and the treatment is not in what is sent.
    assert all(MARKER not in value for _, value in preview.sent)
    assert "Behandlung / Leistung" in preview.withheld
    app.close()
