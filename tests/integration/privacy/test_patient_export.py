"""Art. 15 GDPR: the export holds everything planted about a patient and every disclosure to
1159 Finance, rebuilt exactly as it was sent, with its date and legal basis."""

from __future__ import annotations

import json
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlmodel import select
from typer.testing import CliRunner

from cli.main import app as cli_app
from core.db.models import AuditEvent, InvoiceRecipient
from core.domain.dates import today
from core.domain.errors import NotAllowed, NotFound
from core.services.collection import claims, payments
from core.services.privacy.export import export_patient
from tests.factories import add_patient
from tests.integration.collection.claims_helpers import (
    MANAGER,
    STAFF,
    RecordingSandbox,
    cli_env,
    client,
    product,
    ready_invoice,
)

TREATMENT = "Manuelle Therapie HWS, Befund-MARKER-93f1"


def _as_exported(body: bytes) -> object:
    """A request body as the export writes it: amounts as text with two places, never floats."""
    return json.loads(body, parse_float=lambda text: f"{Decimal(text):.2f}")


def _events(app, action: str) -> list[AuditEvent]:  # type: ignore[no-untyped-def]
    with app.uow() as uow:
        return list(uow.session.exec(select(AuditEvent).where(AuditEvent.action == action)).all())


async def _planted(database_url: str, tmp_path: Path, recorded: RecordingSandbox):  # type: ignore[no-untyped-def]
    """Anneliese Privatsphäre with three invoices: R-1 on consent (handed over, a payment reported),
    R-2 with her mother as recipient on an announced reminder (handed over), R-3 never handed over;
    and a stranger's invoice R-9 that must not appear."""
    app = product(database_url, tmp_path, recorded.handle)
    anneliese = add_patient(
        app, first_name="Anneliese", last_name="Privatsphäre", email="anneliese@example.org"
    )
    consent_day = today() - timedelta(days=90)
    ready_invoice(app, "R-1", patient=anneliese, service_text=TREATMENT, consent=consent_day, reminder=False)
    second = ready_invoice(app, "R-2", patient=anneliese, service_text="Lymphdrainage-MARKER-2")
    ready_invoice(app, "R-3", patient=anneliese, due_days_ago=-5)
    ready_invoice(app, "R-9", service_text="fremd")
    with app.uow() as uow:
        uow.session.add(
            InvoiceRecipient(
                practice_id=app.practice_id, invoice_id=second.id or 0, first_name="Hildegard",
                last_name="Privatsphäre", street="Elternweg 3", zip="50667", city="Köln",
            )
        )  # fmt: skip
        uow.commit()
    common = {"practice_id": app.practice_id}
    async with client(recorded.handle) as finance:
        for number in ("R-1", "R-2", "R-9"):
            await claims.create(app.uow(), finance=finance, actor=STAFF, number=number, **common)
        await payments.record_and_send(
            app.uow(), finance=finance, actor=STAFF, number="R-1", amount="20,00", **common
        )
    return app, second.reminder_date, consent_day


async def test_the_export_holds_everything_planted_and_every_disclosure_as_sent(
    database_url: str, tmp_path: Path, recorded: RecordingSandbox
) -> None:
    app, reminder_day, consent_day = await _planted(database_url, tmp_path, recorded)
    data = export_patient(app.uow(), practice_id=app.practice_id, actor=MANAGER, number="R-2")

    assert data["patient"]["first_name"] == "Anneliese" and data["patient"]["birth_date"] == "1970-05-17"
    assert data["patient"]["email"] == "anneliese@example.org"
    invoices = {i["number"]: i for i in data["invoices"]}
    assert set(invoices) == {"R-1", "R-2", "R-3"}  # never the stranger's R-9
    assert invoices["R-1"]["service_text"] == TREATMENT  # the patient may see their own treatment
    assert invoices["R-2"]["recipient"]["first_name"] == "Hildegard"
    assert invoices["R-1"]["claim"]["legal_basis"] == "consent" and invoices["R-3"]["claim"] is None
    assert [p["amount"] for p in invoices["R-1"]["payments"]] == ["20.00"]
    logged = {(e["action"], e["subject"]) for e in data["audit_events"]}
    assert {("claim.create", "invoice:R-1"), ("claim.create", "invoice:R-2")} <= logged
    assert ("claim.submitted", "invoice:R-2") in logged
    assert "payment.reported" in {e["action"] for e in data["audit_events"]}
    assert all("R-9" not in e["subject"] for e in data["audit_events"])

    # Every disclosure is what 1159 Finance received, byte for byte decoded, with date and basis.
    bodies = [_as_exported(r.body) for r in recorded.calls("POST", "/claims")]
    received = {b["reference"]: b for b in bodies}  # type: ignore[index]
    claims_sent = [d for d in data["disclosures"] if d["kind"] == "claim"]
    assert [d["invoice"] for d in claims_sent] == ["R-1", "R-2"]
    for disclosure in claims_sent:
        assert disclosure["sent"] == received[disclosure["invoice"]] and disclosure["sent_at"]
        assert "Behandlung / Leistung" in disclosure["never_sent"]
    by_invoice = {d["invoice"]: d for d in claims_sent}
    assert by_invoice["R-1"]["legal_basis"]["kind"] == "consent"
    assert by_invoice["R-1"]["legal_basis"]["date"] == consent_day.isoformat()
    assert by_invoice["R-2"]["legal_basis"]["kind"] == "announced_reminder"
    assert by_invoice["R-2"]["legal_basis"]["date"] == reminder_day.isoformat()
    assert by_invoice["R-2"]["sent"]["debtor"]["first_name"] == "Hildegard"  # the recipient, not her
    [reported] = [d for d in data["disclosures"] if d["kind"] == "payment_report"]
    assert reported["sent"] == _as_exported(recorded.calls("POST", "/payments")[0].body)
    assert reported["invoice"] == "R-1" and reported["sent_at"]

    assert data["information"]["recipients"] == ["1159 Finance (Inkassobüro)"]
    newest = max(date.fromisoformat(i["invoice_date"]) for i in data["invoices"])
    assert data["information"]["kept_until"] == f"{newest.year + 10}-12-31"
    [event] = _events(app, "privacy.export")
    assert event.actor == MANAGER.label and event.details["invoices"] == "R-1, R-2, R-3"
    app.close()


async def test_staff_may_not_export_and_an_unknown_number_is_named(
    sqlite_url: str, tmp_path: Path, recorded: RecordingSandbox
) -> None:
    app = product(sqlite_url, tmp_path, recorded.handle)
    ready_invoice(app, "R-1")
    with pytest.raises(NotAllowed) as refused:
        export_patient(app.uow(), practice_id=app.practice_id, actor=STAFF, number="R-1")
    assert "nur durch Praxisleitungen" in refused.value.user_message
    with pytest.raises(NotFound) as unknown:
        export_patient(app.uow(), practice_id=app.practice_id, actor=MANAGER, number="R-404")
    assert "Rechnung R-404 gibt es nicht" in unknown.value.user_message
    assert _events(app, "privacy.export") == []
    app.close()


def test_the_command_writes_a_new_file_and_never_overwrites_one(
    sqlite_url: str, tmp_path: Path, recorded: RecordingSandbox
) -> None:
    app = product(sqlite_url, tmp_path, recorded.handle)
    ready_invoice(app, "R-1", service_text=TREATMENT)
    env, runner, target = cli_env(app), CliRunner(), tmp_path / "auskunft.json"
    made = runner.invoke(cli_app, ["patient", "export", "R-1", "--out", str(target)], env=env)
    assert made.exit_code == 0, made.output
    assert json.loads(target.read_text())["invoices"][0]["service_text"] == TREATMENT
    assert target.stat().st_mode & 0o077 == 0  # health data: readable by the owner only
    target.write_text("frühere Auskunft")
    again = runner.invoke(cli_app, ["patient", "export", "R-1", "--out", str(target)], env=env)
    assert again.exit_code == 1 and "gibt es schon und wird nicht überschrieben" in again.output
    assert target.read_text() == "frühere Auskunft"
    assert len(_events(app, "privacy.export")) == 1  # the refused one exported nothing
    app.close()


async def test_a_claim_the_agency_refused_was_still_disclosed_and_is_listed_with_its_date(
    sqlite_url: str, tmp_path: Path, recorded: RecordingSandbox
) -> None:
    app = product(sqlite_url, tmp_path, recorded.handle)
    ready_invoice(app, "R-1", patient=add_patient(app, city="K" * 201))  # the agency takes 200 at most
    async with client(recorded.handle) as finance:
        outcome = await claims.create(
            app.uow(), finance=finance, actor=STAFF, number="R-1", practice_id=app.practice_id
        )
    assert outcome.failed
    data = export_patient(app.uow(), practice_id=app.practice_id, actor=MANAGER, number="R-1")
    [disclosure] = data["disclosures"]
    assert disclosure["sent"] == _as_exported(recorded.calls("POST", "/claims")[0].body)
    assert disclosure["sent_at"] and disclosure["legal_basis"]["kind"] == "announced_reminder"
    assert "outbox.claim.failed" in {e["action"] for e in data["audit_events"]}
    app.close()
