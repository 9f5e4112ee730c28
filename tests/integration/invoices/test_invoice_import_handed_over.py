"""A newer export never corrupts a claim: for an invoice handed to 1159 Finance, changes to the
amount or the debtor are reported by line and left (a higher "Bezahlt" becomes a suggested payment);
the rest of the file is imported."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

from sqlmodel import select

from core.bootstrap import App
from core.db.models import Claim, Invoice, Patient
from core.domain.claims import InvoiceStatus
from core.services.collection import claims
from core.services.invoicing.invoice_recipients import recipient_of
from core.services.payments_in import decisions
from core.services.payments_in.suggestions import list_open
from tests.factories import export_row, write_csv
from tests.integration.collection.claims_helpers import (
    STAFF,
    RecordingSandbox,
    agency_payments,
    client,
    invoice_of,
    product,
)
from tests.integration.invoices.test_invoice_import import run_import
from tests.peers.sandbox import SandboxHandle


def monday() -> list[dict[str, str]]:
    return [
        export_row("R-1", amount="120,00", reminder=True, announced=True),
        export_row("R-2", amount="80,00", Vorname="Max", Nachname="Muster"),
    ]


async def handed_over(database_url: str, tmp_path: Path, sandbox: SandboxHandle) -> App:
    """The product with monday's export imported and R-1 handed to the sandbox agency."""
    app = product(database_url, tmp_path, sandbox)
    run_import(app, write_csv(tmp_path / "monday.csv", monday()))
    async with client(sandbox) as finance:
        outcome = await claims.create(
            app.uow(), finance=finance, practice_id=app.practice_id, actor=STAFF, number="R-1"
        )
    assert outcome.delivered
    return app


def debtor_of(app: App, number: str) -> Patient:
    with app.uow() as uow:
        patient = uow.session.get(Patient, invoice_of(app, number).patient_id)
        assert patient is not None
        return patient


async def test_a_newer_export_changing_amount_debtor_and_paid_of_a_handed_over_invoice_is_reported_and_left(
    database_url: str, tmp_path: Path, sandbox: SandboxHandle
) -> None:
    app = await handed_over(database_url, tmp_path, sandbox)
    before = invoice_of(app, "R-1")
    newer = monday()
    newer[0].update({"Betrag": "150,00", "Nachname": "Musterfrau", "Bezahlt": "20,00"})
    newer[1]["Betrag"] = "85,00"  # not handed over: the export may change it
    newer.append(export_row("R-3", amount="60,00"))

    result = run_import(app, write_csv(tmp_path / "tuesday.csv", newer))

    assert (result.created, result.updated, result.unchanged) == (1, 1, 1)
    assert result.protected == (
        (
            2,
            "Rechnung R-1 ist an 1159 Finance übergeben, die Zeile wurde nicht übernommen: "
            "Betrag 120,00 € → 150,00 €; Nachname „Mustermann“ → „Musterfrau“",
        ),
    )
    # "Bezahlt" rose by 20,00: a payment the agency must hear of, once a person confirms it.
    assert result.payments == (
        (
            2,
            "Rechnung R-1: 20,00 € laut Praxissoftware bezahlt – als Zahlungseingang vorgeschlagen; "
            "an 1159 Finance gemeldet wird erst nach Bestätigung.",
        ),
    )
    after = invoice_of(app, "R-1")
    assert (after.amount, after.paid_before, after.patient_id, after.row_hash) == (
        before.amount,
        before.paid_before,
        before.patient_id,
        before.row_hash,
    )
    assert after.status == InvoiceStatus.IN_COLLECTION
    assert debtor_of(app, "R-1").last_name == "Mustermann"
    assert invoice_of(app, "R-2").amount == Decimal("85.00")
    assert invoice_of(app, "R-3").amount == Decimal("60.00")
    app.close()


async def test_a_newer_export_with_only_a_new_phone_number_updates_a_handed_over_invoices_patient(
    database_url: str, tmp_path: Path, sandbox: SandboxHandle
) -> None:
    app = await handed_over(database_url, tmp_path, sandbox)
    newer = monday()
    newer[0]["Telefon"] = "0221 123456"

    result = run_import(app, write_csv(tmp_path / "tuesday.csv", newer))

    assert (result.updated, result.protected) == (1, ())
    assert debtor_of(app, "R-1").phone == "0221 123456"
    assert invoice_of(app, "R-1").status == InvoiceStatus.IN_COLLECTION
    app.close()


def test_an_invoice_whose_claim_was_withdrawn_before_sending_takes_the_newer_export(
    sqlite_app: App, tmp_path: Path
) -> None:
    run_import(sqlite_app, write_csv(tmp_path / "monday.csv", monday()))
    with sqlite_app.uow() as uow:
        first = uow.session.exec(select(Invoice).where(Invoice.number == "R-1")).one()
        uow.session.add(
            Claim(
                practice_id=sqlite_app.practice_id,
                invoice_id=first.id,  # type: ignore[arg-type]
                reference="R-1",
                legal_basis="announced_reminder",
                legal_basis_date=first.reminder_date,  # type: ignore[arg-type]
                principal=Decimal("120.00"),
                created_by="cli",
                delivery="withdrawn",  # cancelled before it left the practice: no case at the agency
            )
        )
        uow.commit()
    newer = monday()
    newer[0]["Betrag"] = "150,00"

    result = run_import(sqlite_app, write_csv(tmp_path / "tuesday.csv", newer))

    assert (result.updated, result.protected) == (1, ())
    assert invoice_of(sqlite_app, "R-1").amount == Decimal("150.00")


async def test_a_dry_run_reports_the_rows_it_would_leave(
    sqlite_url: str, tmp_path: Path, sandbox: SandboxHandle
) -> None:
    app = await handed_over(sqlite_url, tmp_path, sandbox)
    newer = monday()
    newer[0]["Vorname"] = "Erik"
    result = run_import(app, write_csv(tmp_path / "tuesday.csv", newer), dry_run=True)
    assert [line for line, _ in result.protected] == [2]
    assert "Vorname „Erika“ → „Erik“" in result.protected[0][1]
    app.close()


async def test_an_imported_invalid_email_and_phone_are_not_sent_with_the_claim(
    database_url: str, tmp_path: Path, recorded: RecordingSandbox
) -> None:
    app = product(database_url, tmp_path, recorded.handle)
    row = export_row("R-1", reminder=True, announced=True, Telefon="0000 1", **{"E-Mail": "erika@"})
    result = run_import(app, write_csv(tmp_path / "export.csv", [row]))
    assert [line for line, _ in result.warnings] == [2, 2]
    async with client(recorded.handle) as finance:
        outcome = await claims.create(
            app.uow(), finance=finance, practice_id=app.practice_id, actor=STAFF, number="R-1"
        )
    assert outcome.delivered
    [posted] = recorded.calls("POST", "/claims")
    debtor = json.loads(posted.body)["debtor"]
    assert "email" not in debtor and "phone" not in debtor
    assert debtor["last_name"] == "Mustermann"
    app.close()


async def test_a_newer_export_adding_a_recipient_to_a_handed_over_invoice_is_reported_and_left(
    sqlite_url: str, tmp_path: Path, sandbox: SandboxHandle
) -> None:
    app = await handed_over(sqlite_url, tmp_path, sandbox)
    newer = monday()
    newer[0].update(
        {
            "Empfänger Vorname": "Jana",
            "Empfänger Nachname": "Keller",
            "Empfänger Straße": "Lindenweg 3",
            "Empfänger PLZ": "10115",
            "Empfänger Ort": "Berlin",
        }
    )

    result = run_import(app, write_csv(tmp_path / "tuesday.csv", newer))

    assert result.protected == (
        (
            2,
            "Rechnung R-1 ist an 1159 Finance übergeben, die Zeile wurde nicht übernommen: "
            "Rechnungsempfänger hinzugefügt",
        ),
    )
    with app.uow() as uow:
        assert recipient_of(uow.session, invoice_of(app, "R-1").id) is None
    app.close()


async def test_a_higher_paid_for_a_handed_over_invoice_is_reported_to_the_agency_once_after_a_person_accepts(
    database_url: str, tmp_path: Path, sandbox: SandboxHandle
) -> None:
    app = await handed_over(database_url, tmp_path, sandbox)
    newer = monday()
    newer[0]["Bezahlt"] = "20,00"
    tuesday = write_csv(tmp_path / "tuesday.csv", newer)
    run_import(app, tuesday)
    run_import(app, tuesday)  # the same file again: still one suggestion
    [suggestion] = list_open(app.uow(), practice_id=app.practice_id)
    assert (suggestion.number, suggestion.amount, suggestion.source) == (
        "R-1",
        Decimal("20.00"),
        "praxissoftware",
    )
    assert agency_payments(sandbox) == []  # not sent until confirmed

    async with client(sandbox) as finance:
        await decisions.accept_and_send(
            app.uow(), finance=finance, practice_id=app.practice_id, actor=STAFF, suggestion_id=suggestion.id
        )
    newer[0]["Telefon"] = "0221 5"  # a later export, "Bezahlt" still 20,00
    result = run_import(app, write_csv(tmp_path / "wednesday.csv", newer))

    assert result.payments == ()
    [reported] = agency_payments(sandbox)
    assert reported["amount"] == Decimal("20.00")
    after = invoice_of(app, "R-1")
    assert (after.paid_before, after.paid_direct, after.open_amount) == (
        Decimal("0.00"),
        Decimal("20.00"),
        Decimal("100.00"),
    )
    app.close()
