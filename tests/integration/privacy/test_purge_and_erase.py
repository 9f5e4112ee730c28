"""Retention: the purge erases exactly what is past its period and keeps numbers and amounts;
--dry-run changes nothing; an erasure request is refused while a case is open."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select
from typer.testing import CliRunner

from cli.main import app as cli_app
from core.bootstrap import App
from core.db.models import AuditEvent, Claim, Invoice, MailRecord, Patient
from core.domain.errors import PreconditionFailed
from core.services.invoicing.invoice_import import import_invoices
from core.services.people.access import OPERATOR
from core.services.privacy import erasure
from tests.factories import add_invoice, add_patient, export_row, write_csv
from tests.integration.collection.claims_helpers import MANAGER, cli_env

ON = date(2026, 12, 5)
OLD = date(2015, 6, 1)  # kept until 31.12.2025 under ten years: past on ON
RECENT = date(2016, 2, 1)  # kept until 31.12.2026: not yet
# Mails are kept six years: one from 2019 until 31.12.2025 (past on ON), one from 2020 not yet.
MAILS = (("<old@x>", datetime(2019, 11, 1, tzinfo=UTC)), ("<new@x>", datetime(2020, 1, 2, tzinfo=UTC)))
RAW = b"From: anna@praxis.de\r\n\r\nZahlung R-OLD 50,00"


def _invoice(app: App, number: str, patient: Patient, arose: date, text: str) -> Invoice:
    due_days_ago = (ON - arose).days - 14  # add_invoice bills 14 days before the due date
    return add_invoice(
        app, number=number, patient=patient, on=ON, due_days_ago=due_days_ago, service_text=text
    )


def _plant(app: App) -> None:
    old = add_patient(app, first_name="Otto", last_name="Altbestand", email="otto@example.org")
    _invoice(app, "R-OLD", old, OLD, "Fango-MARKER-old")
    mixed = add_patient(app, first_name="Mira", last_name="Gemischt")
    _invoice(app, "R-MIX-1", mixed, OLD, "alt")
    _invoice(app, "R-MIX-2", mixed, RECENT, "neu")  # her newest invoice keeps her
    busy = add_patient(app, first_name="Olga", last_name="Offen")
    busy_invoice = _invoice(app, "R-BUSY", busy, OLD, "offen")
    with app.uow() as uow:
        uow.session.add(
            Claim(
                practice_id=app.practice_id, invoice_id=busy_invoice.id or 0, reference="R-BUSY",
                legal_basis="consent", legal_basis_date=OLD, principal=Decimal("120.00"), created_by="cli",
            )
        )  # fmt: skip
        for key, arrived in MAILS:
            uow.session.add(
                MailRecord(practice_id=app.practice_id, message_key=key, sender="anna@praxis.de",
                           subject="Zahlung R-OLD 50,00", raw=RAW, at=arrived)
            )  # fmt: skip
        uow.commit()


def _snapshot(app: App) -> list[dict[str, Any]]:
    with app.uow() as uow:
        rows: list[Any] = [*uow.session.exec(select(Patient)).all(), *uow.session.exec(select(Invoice)).all()]
        rows += uow.session.exec(select(MailRecord)).all()
        return [{"table": type(r).__name__, **r.model_dump()} for r in rows]


def _patient(app: App, number: str) -> tuple[Patient, Invoice]:
    with app.uow() as uow:
        invoice = uow.session.exec(select(Invoice).where(Invoice.number == number)).one()
        patient = uow.session.get(Patient, invoice.patient_id)
        assert patient is not None
        return patient, invoice


def test_a_dry_run_lists_what_is_past_retention_and_changes_nothing(app: App) -> None:
    _plant(app)
    before = _snapshot(app)
    report = erasure.purge(app.uow(), practice_id=app.practice_id, actor=MANAGER, dry_run=True, on=ON)
    assert report.invoices == [["R-OLD"]] and report.mails == 1
    assert _snapshot(app) == before


def test_the_purge_erases_exactly_what_is_past_retention_and_keeps_numbers_and_amounts(app: App) -> None:
    _plant(app)
    _, old_before = _patient(app, "R-OLD")
    report = erasure.purge(app.uow(), practice_id=app.practice_id, actor=MANAGER, on=ON)
    assert report.invoices == [["R-OLD"]] and report.mails == 1

    otto, old = _patient(app, "R-OLD")
    assert (otto.first_name, otto.last_name, otto.birth_date, otto.email) == ("", "gelöscht", None, "")
    assert (otto.street, otto.zip, otto.city) == ("", "", "") and "Otto" not in otto.patient_key
    assert old.service_text == ""
    kept = ("number", "amount", "paid_before", "invoice_date", "due_date", "status")
    assert {k: getattr(old, k) for k in kept} == {k: getattr(old_before, k) for k in kept}
    for number, name in (("R-MIX-1", "Gemischt"), ("R-MIX-2", "Gemischt"), ("R-BUSY", "Offen")):
        person, invoice = _patient(app, number)
        assert person.last_name == name and person.birth_date is not None and invoice.service_text
    with app.uow() as uow:
        mails = {m.message_key: m for m in uow.session.exec(select(MailRecord)).all()}
        [event] = uow.session.exec(select(AuditEvent).where(AuditEvent.action == "privacy.purge")).all()
    assert (mails["<old@x>"].raw, mails["<old@x>"].sender, mails["<old@x>"].subject) == (b"", "gelöscht", "")
    assert mails["<new@x>"].raw.startswith(b"From: anna") and mails["<new@x>"].sender == "anna@praxis.de"
    assert event.details["invoices"] == "R-OLD" and event.details["mails"] == 1
    # A second run finds nothing more; a year later Mira's newest invoice has run out too.
    assert erasure.purge(app.uow(), practice_id=app.practice_id, actor=MANAGER, on=ON).invoices == []
    later = erasure.purge(app.uow(), practice_id=app.practice_id, actor=MANAGER, on=ON + timedelta(days=30))
    assert later.invoices == [["R-MIX-1", "R-MIX-2"]]


def test_an_erasure_request_is_refused_while_a_case_is_open_and_done_without_one(app: App) -> None:
    _plant(app)
    before = _snapshot(app)
    with pytest.raises(PreconditionFailed) as refused:
        erasure.erase_patient(app.uow(), practice_id=app.practice_id, actor=MANAGER, number="R-BUSY")
    assert "Rechnung R-BUSY ist bei 1159 Finance offen" in refused.value.user_message
    assert _snapshot(app) == before
    assert erasure.erase_patient(app.uow(), practice_id=app.practice_id, actor=MANAGER, number="R-MIX-2") == [
        "R-MIX-1",
        "R-MIX-2",
    ]
    mira, invoice = _patient(app, "R-MIX-1")
    assert mira.last_name == "gelöscht" and mira.first_name == "" and invoice.service_text == ""
    assert invoice.amount == Decimal("120.00")
    with app.uow() as uow:
        [event] = uow.session.exec(select(AuditEvent).where(AuditEvent.action == "privacy.erase")).all()
    assert event.details["invoices"] == "R-MIX-1, R-MIX-2" and event.actor == MANAGER.label


def test_the_commands_refuse_an_open_case_and_a_dry_run_says_nothing_changed(
    sqlite_app: App, tmp_path: Path
) -> None:
    _plant(sqlite_app)
    env, runner = cli_env(sqlite_app), CliRunner()
    refused = runner.invoke(cli_app, ["patient", "erase", "R-BUSY", "--yes"], env=env)
    assert refused.exit_code == 1 and "offen" in refused.output
    listed = runner.invoke(cli_app, ["privacy", "purge", "--dry-run"], env=env)
    assert listed.exit_code == 0, listed.output
    assert "Person zu Rechnung R-OLD" in listed.output and "Nichts wurde geändert" in listed.output
    assert _patient(sqlite_app, "R-OLD")[0].last_name == "Altbestand"
    erased = runner.invoke(cli_app, ["patient", "erase", "R-OLD", "--yes"], env=env)
    assert erased.exit_code == 0 and "R-OLD" in erased.output
    assert _patient(sqlite_app, "R-OLD")[0].last_name == "gelöscht"


def test_importing_the_unchanged_export_again_does_not_bring_erased_data_back(
    sqlite_app: App, tmp_path: Path
) -> None:
    path = write_csv(
        tmp_path / "export.csv", [export_row("R-IMP", Vorname="Irma", Leistung="Fango-MARKER-imp")]
    )
    common = {"practice_id": sqlite_app.practice_id, "actor": OPERATOR, "path": path}
    import_invoices(sqlite_app.uow(), **common)
    erasure.erase_patient(sqlite_app.uow(), practice_id=sqlite_app.practice_id, actor=MANAGER, number="R-IMP")
    import_invoices(sqlite_app.uow(), **common)
    with sqlite_app.uow() as uow:
        names = [(p.first_name, p.last_name) for p in uow.session.exec(select(Patient)).all()]
        texts = [i.service_text for i in uow.session.exec(select(Invoice)).all()]
    assert names == [("", "gelöscht")] and texts == [""]
