"""Importing the practice software's export on SQLite and PostgreSQL (PRODUCT.md, "Invoice import format")."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import func, select

from core.bootstrap import App
from core.db.models import AuditEvent, Claim, Invoice, Patient
from core.domain.claims import InvoiceStatus
from core.domain.errors import ImportRefused, InvalidInput, NotAllowed
from core.domain.invoice_rows import COLUMNS
from core.services.collection import consents, payments
from core.services.invoicing.invoice_import import BATCH, ImportResult, import_invoices
from core.services.people.access import OPERATOR, Actor, Role
from tests.factories import export_row, write_csv


def run_import(app: App, path: Path, **options: Any) -> ImportResult:
    return import_invoices(app.uow(), practice_id=app.practice_id, actor=OPERATOR, path=path, **options)


def refused(app: App, path: Path, **options: Any) -> list[tuple[int, str]]:
    with pytest.raises(ImportRefused) as refusal:
        run_import(app, path, **options)
    assert refusal.value.exit_code == 1
    assert refusal.value.user_message.startswith("Die Datei wurde nicht importiert, nichts wurde geändert:")
    return refusal.value.problems


def snapshot(app: App) -> dict[str, list[tuple[Any, ...]]]:
    """Everything an import may touch, in a comparable form."""
    with app.uow() as uow:
        invoices = uow.session.exec(select(Invoice).order_by(Invoice.number)).all()
        patients = uow.session.exec(select(Patient).order_by(Patient.patient_key)).all()
        audits = uow.session.exec(select(func.count()).select_from(AuditEvent)).one()
        return {
            "invoices": [tuple(i.model_dump().items()) for i in invoices],
            "patients": [tuple(p.model_dump().items()) for p in patients],
            "audit": [(audits,)],
        }


def invoice(app: App, number: str) -> Invoice:
    with app.uow() as uow:
        found = uow.session.exec(select(Invoice).where(Invoice.number == number)).one()
        return found


def count(app: App, model: type[Any]) -> int:
    with app.uow() as uow:
        return int(uow.session.exec(select(func.count()).select_from(model)).one())


def three_rows() -> list[dict[str, str]]:
    return [
        export_row("R-1", due_days_ago=45, amount="120,00", reminder=True, announced=True),
        export_row("R-2", due_days_ago=10, amount="1.234,56", paid="234,56"),
        export_row("R-3", due_days_ago=-5, amount="80,00", Vorname="Max", Nachname="Muster"),
    ]


# --- good files ---------------------------------------------------------------------------------


def test_a_utf8_export_is_imported_with_exact_amounts_and_one_patient_per_person(
    app: App, tmp_path: Path
) -> None:
    result = run_import(app, write_csv(tmp_path / "export.csv", three_rows()))

    assert result == ImportResult(rows=3, created=3, updated=0, unchanged=0, dry_run=False)
    assert count(app, Patient) == 2  # are the same person
    second = invoice(app, "R-2")
    assert (second.amount, second.paid_before, second.open_amount) == (
        Decimal("1234.56"),
        Decimal("234.56"),
        Decimal("1000.00"),
    )
    assert second.status == InvoiceStatus.PARTLY_PAID
    first = invoice(app, "R-1")
    assert first.handover_announced is True and first.reminder_date is not None
    assert first.service_text == "Krankengymnastik (6x)"


def test_a_windows_1252_export_with_umlauts_is_imported_correctly(app: App, tmp_path: Path) -> None:
    rows = [export_row("R-1", Nachname="Müller-Lüdenscheidt", Straße="Große Straße 3", Ort="Köln")]
    path = write_csv(tmp_path / "export.csv", rows, encoding="cp1252")
    assert "Müller".encode("cp1252") in path.read_bytes()

    assert run_import(app, path).created == 1
    with app.uow() as uow:
        patient = uow.session.exec(select(Patient)).one()
        assert (patient.last_name, patient.street, patient.city) == (
            "Müller-Lüdenscheidt",
            "Große Straße 3",
            "Köln",
        )


def test_a_utf8_export_with_a_byte_order_mark_is_imported_correctly(sqlite_app: App, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "export.csv", [export_row("R-1", Ort="Görlitz")], bom=True)
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")

    assert run_import(sqlite_app, path).created == 1
    assert invoice(sqlite_app, "R-1").number == "R-1"


def test_a_windows_1252_umlaut_deep_in_a_file_with_an_ascii_header_is_read_as_windows_1252(
    sqlite_app: App, tmp_path: Path
) -> None:
    ascii_names = {c: c.replace("ä", "ae").replace("ü", "ue").replace("ß", "ss") for c in COLUMNS}
    mapping = tmp_path / "mapping.json"
    mapping.write_text(json.dumps({a: c for c, a in ascii_names.items() if a != c}), encoding="utf-8")
    rows = [
        {
            ascii_names[k]: v
            for k, v in export_row(
                f"R-{i}", Nachname=f"Meier-{i}", Ort="Köln" if i == 400 else "Bonn"
            ).items()
        }
        for i in range(500)
    ]
    path = write_csv(tmp_path / "export.csv", rows, encoding="cp1252", columns=list(ascii_names.values()))

    assert run_import(sqlite_app, path, mapping_path=mapping).created == 500
    with sqlite_app.uow() as uow:
        assert uow.session.exec(select(func.count()).where(Patient.city == "Köln")).one() == 1


@pytest.mark.parametrize("suffix", ["json", "toml"])
def test_a_mapping_file_renames_the_export_columns(sqlite_app: App, tmp_path: Path, suffix: str) -> None:
    renamed = {"Rechnungsnummer": "RE-Nr", "Betrag": "Brutto", "Fällig am": "Faelligkeit"}
    mapping = tmp_path / f"mapping.{suffix}"
    if suffix == "json":
        mapping.write_text(json.dumps({v: k for k, v in renamed.items()}), encoding="utf-8")
    else:
        lines = "\n".join(f'"{v}" = "{k}"' for k, v in renamed.items())
        mapping.write_text(f"[spalten]\n{lines}\n", encoding="utf-8")
    columns = [renamed.get(c, c) for c in COLUMNS]
    rows = [{renamed.get(k, k): v for k, v in export_row("R-77", amount="99,90").items()}]

    run_import(sqlite_app, write_csv(tmp_path / "export.csv", rows, columns=columns), mapping_path=mapping)

    assert invoice(sqlite_app, "R-77").amount == Decimal("99.90")


def test_a_mapping_to_an_unknown_column_is_refused(sqlite_app: App, tmp_path: Path) -> None:
    mapping = tmp_path / "mapping.json"
    mapping.write_text(json.dumps({"Nr": "Rechnungsnr"}), encoding="utf-8")
    with pytest.raises(InvalidInput, match="unbekannte Zielspalten: Rechnungsnr"):
        run_import(sqlite_app, write_csv(tmp_path / "export.csv", three_rows()), mapping_path=mapping)


def test_a_dry_run_reports_what_would_happen_and_stores_nothing(app: App, tmp_path: Path) -> None:
    before = snapshot(app)
    result = run_import(app, write_csv(tmp_path / "export.csv", three_rows()), dry_run=True)
    assert result == ImportResult(rows=3, created=3, updated=0, unchanged=0, dry_run=True)
    assert snapshot(app) == before


def test_staff_may_not_import(sqlite_app: App, tmp_path: Path) -> None:
    staff = Actor(Role.STAFF, "telegram:1")
    with pytest.raises(NotAllowed) as refusal:
        import_invoices(
            sqlite_app.uow(),
            practice_id=sqlite_app.practice_id,
            actor=staff,
            path=write_csv(tmp_path / "e.csv", three_rows()),
        )
    assert refusal.value.user_message == "Rechnungen importieren dürfen nur Praxisleitungen."


def test_an_import_is_written_to_the_audit_log(sqlite_app: App, tmp_path: Path) -> None:
    run_import(sqlite_app, write_csv(tmp_path / "export.csv", three_rows()))
    with sqlite_app.uow() as uow:
        event = uow.session.exec(select(AuditEvent).where(AuditEvent.action == "invoices.import")).one()
        assert (event.actor, event.subject) == ("cli", "export.csv")
        assert event.details == {"created": 3, "updated": 0, "unchanged": 0}


# --- re-import ----------------------------------------------------------------------------------


def test_re_importing_the_same_file_changes_nothing(app: App, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "export.csv", three_rows())
    run_import(app, path)
    invoices_before = snapshot(app)["invoices"]

    result = run_import(app, path)

    assert result == ImportResult(rows=3, created=0, updated=0, unchanged=3, dry_run=False)
    assert snapshot(app)["invoices"] == invoices_before
    assert count(app, Patient) == 2


def test_a_newer_export_updates_what_changed_and_keeps_what_the_product_added(
    app: App, tmp_path: Path
) -> None:
    run_import(app, write_csv(tmp_path / "monday.csv", three_rows()))
    # What the product added since: 500,00 paid directly to the practice on R-2, a claim on R-1.
    payments.record(
        app.uow(), practice_id=app.practice_id, actor=OPERATOR, number="R-2", amount=Decimal("500.00")
    )
    with app.uow() as uow:
        handed_over = invoice(app, "R-1")
        handed_over.status = InvoiceStatus.IN_COLLECTION
        uow.session.add(handed_over)
        uow.session.add(
            Claim(
                practice_id=app.practice_id,
                invoice_id=handed_over.id,  # type: ignore[arg-type]
                reference="R-1",
                legal_basis="announced_reminder",
                legal_basis_date=handed_over.reminder_date,  # type: ignore[arg-type]
                principal=Decimal("120.00"),
                created_by="cli",
            )
        )
        uow.commit()
    newer = three_rows()
    newer[0]["Telefon"] = newer[1]["Telefon"] = "0221 123456"  # the patient's new phone, on each row
    # the practice software saw another 200,00, which is not the 500,00 recorded here.
    newer[1]["Bezahlt"] = "434,56"
    newer.append(export_row("R-4", amount="60,00"))

    result = run_import(app, write_csv(tmp_path / "tuesday.csv", newer))

    assert result == ImportResult(
        rows=4,
        created=1,
        updated=2,
        unchanged=1,
        dry_run=False,
        payments=((3, "Rechnung R-2: Zahlung über 200,00 € aus der Praxissoftware übernommen."),),
    )
    second = invoice(app, "R-2")
    # Paid before the first import stays; both later payments are in the ledger, each once.
    assert (second.paid_before, second.paid_direct, second.open_amount) == (
        Decimal("234.56"),
        Decimal("700.00"),
        Decimal("300.00"),
    )
    assert second.status == InvoiceStatus.PARTLY_PAID
    assert invoice(app, "R-1").status == InvoiceStatus.IN_COLLECTION
    assert count(app, Claim) == 1
    assert invoice(app, "R-4").status == InvoiceStatus.OPEN
    with app.uow() as uow:
        patient = uow.session.get(Patient, invoice(app, "R-1").patient_id)
        assert patient is not None and patient.phone == "0221 123456"


def test_a_consent_recorded_in_the_product_survives_an_export_without_one(app: App, tmp_path: Path) -> None:
    run_import(app, write_csv(tmp_path / "monday.csv", three_rows()))
    consents.record(
        app.uow(), practice_id=app.practice_id, actor=OPERATOR, number="R-1", given_on=date(2026, 1, 5),
        form_location="Papierakte Nr. 12",
    )  # fmt: skip
    newer = three_rows()
    newer[0]["E-Mail"] = "erika.neu@example.org"

    run_import(app, write_csv(tmp_path / "tuesday.csv", newer))

    with app.uow() as uow:
        patient = uow.session.get(Patient, invoice(app, "R-1").patient_id)
        assert patient is not None and patient.email == "erika.neu@example.org"
    found = consents.history(app.uow(), practice_id=app.practice_id, actor=OPERATOR, number="R-2")
    assert [(c.given_on, c.form_location, c.source) for c in found.consents] == [
        (date(2026, 1, 5), "Papierakte Nr. 12", "manual")
    ]
    assert found.in_force == date(2026, 1, 5)


def test_an_export_that_shows_an_invoice_paid_marks_it_paid(sqlite_app: App, tmp_path: Path) -> None:
    run_import(sqlite_app, write_csv(tmp_path / "monday.csv", three_rows()))
    newer = three_rows()
    newer[0]["Bezahlt"] = "120,00"
    assert run_import(sqlite_app, write_csv(tmp_path / "tuesday.csv", newer)).updated == 1
    assert invoice(sqlite_app, "R-1").status == InvoiceStatus.PAID


# --- bad files: refused whole, every bad row named, database unchanged ---------------------------


def bad_file(tmp_path: Path, case: str) -> Path:
    path = tmp_path / f"{case}.csv"
    rows = three_rows()
    if case == "wrong_delimiter":
        return write_csv(path, rows, delimiter=",")
    if case == "missing_column":
        return write_csv(path, rows, columns=[c for c in COLUMNS if c != "PLZ"])
    if case == "unknown_column":
        return write_csv(path, rows, columns=[*COLUMNS, "Diagnose"])
    if case == "empty":
        path.write_bytes(b"")
        return path
    if case == "header_only":
        return write_csv(path, [])
    changes = {
        "bad_date": {"Fällig am": "31.02.2026"},
        "bad_amount": {"Betrag": "12,345"},
        "paid_more_than_billed": {"Betrag": "50,00", "Bezahlt": "60,00"},
        "duplicate_number": {"Rechnungsnummer": "R-1"},
        "reminder_ahead": {"Mahnung am": "01.01.2099", "Inkasso angekündigt": "ja"},
        "consent_ahead": {"Einwilligung am": "01.01.2030"},
    }[case]
    rows[2].update(changes)
    return write_csv(path, rows)


BAD_FILES = {
    "wrong_delimiter": (1, "Falsches Trennzeichen: Spalten bitte mit Semikolon (;) trennen."),
    "missing_column": (1, "Pflichtspalte(n) fehlen: PLZ"),
    "unknown_column": (1, "unbekannte Spalte(n): Diagnose"),
    "empty": (1, "Die Datei ist leer."),
    "header_only": (2, "Die Datei enthält keine Rechnungen."),
    "bad_date": (4, "Fällig am „31.02.2026“ gibt es nicht im Kalender"),
    "bad_amount": (4, "Betrag: „12,345“ ist mehrdeutig"),
    "paid_more_than_billed": (4, "„Bezahlt“ ist höher als der Rechnungsbetrag"),
    "duplicate_number": (4, "Rechnungsnummer R-1 steht schon in Zeile 2"),
    "reminder_ahead": (4, "„Mahnung am“ liegt in der Zukunft (01.01.2099)"),
    "consent_ahead": (4, "„Einwilligung am“ liegt in der Zukunft (01.01.2030)"),
}


@pytest.mark.parametrize("case", list(BAD_FILES))
def test_a_bad_file_is_refused_whole_with_line_and_german_reason_and_nothing_changes(
    sqlite_app: App, tmp_path: Path, case: str
) -> None:
    # An earlier good import, so "nothing changes" also covers rows the bad file would update.
    earlier = [export_row("R-1", amount="10,00"), export_row("R-9")]
    run_import(sqlite_app, write_csv(tmp_path / "earlier.csv", earlier))
    before = snapshot(sqlite_app)

    problems = refused(sqlite_app, bad_file(tmp_path, case))

    line, reason = BAD_FILES[case]
    assert len(problems) == 1
    assert problems[0][0] == line
    assert reason in problems[0][1]
    assert snapshot(sqlite_app) == before


def test_every_bad_row_is_named_with_its_line_number(app: App, tmp_path: Path) -> None:
    rows = [export_row(f"R-{i}") for i in range(1, 9)]
    rows[1]["Betrag"] = "viel"  # line 3
    rows[4]["Mahnung am"] = "32.01.2026"  # line 6
    rows[6]["Nachname"] = ""  # line 8
    rows[7]["Rechnungsnummer"] = "R-1"  # line 9

    problems = refused(app, write_csv(tmp_path / "export.csv", rows))

    assert [line for line, _ in problems] == [3, 6, 8, 9]
    assert "Betrag: „viel“ ist kein gültiger Betrag" in problems[0][1]
    assert "Mahnung am „32.01.2026“ gibt es nicht im Kalender" in problems[1][1]
    assert "„Nachname“ fehlt" in problems[2][1]
    assert "Rechnungsnummer R-1 steht schon in Zeile 2" in problems[3][1]
    assert count(app, Invoice) == 0


def test_a_bad_row_in_a_utf8_file_with_byte_order_mark_is_named_by_its_line(
    sqlite_app: App, tmp_path: Path
) -> None:
    rows = [export_row("R-1", Ort="Köln"), export_row("R-2", Betrag="-5,00")]
    problems = refused(sqlite_app, write_csv(tmp_path / "export.csv", rows, bom=True))
    assert problems == [(3, "Betrag: Der Betrag „-5,00“ ist negativ. Bitte einen positiven Betrag angeben.")]


def test_a_row_with_too_few_cells_is_named(sqlite_app: App, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "export.csv", three_rows())
    with path.open("a", encoding="utf-8", newline="") as handle:
        handle.write("R-5;01.01.2026\r\n")
    assert refused(sqlite_app, path) == [(5, f"2 Spalten statt {len(COLUMNS)}")]


def test_blank_lines_are_skipped(sqlite_app: App, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "export.csv", three_rows())
    with path.open("a", encoding="utf-8", newline="") as handle:
        handle.write(";;;\r\n\r\n")
    assert run_import(sqlite_app, path).created == 3


def test_bytes_that_are_neither_utf8_nor_windows_1252_are_refused_in_german(
    sqlite_app: App, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "export.csv", three_rows())
    path.write_bytes(path.read_bytes() + b"R-4;\x81\r\n")
    problems = refused(sqlite_app, path)
    assert problems[0][1] == "Zeichen weder in UTF-8 noch in Windows-1252 lesbar"


# --- long files: written batch by batch, still all or nothing ------------------------------------


def test_a_bad_row_after_several_written_batches_still_leaves_the_database_unchanged(
    app: App, tmp_path: Path
) -> None:
    rows = [export_row(f"R-{i}", Nachname=f"Meier-{i % 50}") for i in range(BATCH * 2 + 100)]
    rows[-1]["Betrag"] = "-1,00"
    before = snapshot(app)

    problems = refused(app, write_csv(tmp_path / "export.csv", rows))

    assert [line for line, _ in problems] == [len(rows) + 1]
    assert snapshot(app) == before


def test_a_patient_on_rows_in_many_batches_is_stored_once_with_the_latest_details(
    sqlite_app: App, tmp_path: Path
) -> None:
    rows = [export_row(f"R-{i}", Telefon="0221 1") for i in range(BATCH + 10)]
    for row in rows[BATCH:]:
        row["Telefon"] = "0221 2"

    assert run_import(sqlite_app, write_csv(tmp_path / "export.csv", rows)).created == BATCH + 10

    with sqlite_app.uow() as uow:
        assert uow.session.exec(select(Patient.phone)).all() == ["0221 2"]


def test_a_bad_row_in_a_windows_1252_file_is_named_by_its_line(sqlite_app: App, tmp_path: Path) -> None:
    rows = [export_row("R-1", Ort="Köln"), export_row("R-2", Nachname="Müller", Geburtsdatum="30.02.1970")]
    problems = refused(sqlite_app, write_csv(tmp_path / "export.csv", rows, encoding="cp1252"))
    assert problems == [(3, "Geburtsdatum „30.02.1970“ gibt es nicht im Kalender. Bitte prüfen.")]


def test_a_file_full_of_bad_rows_lists_the_first_fifty_and_counts_the_rest(
    sqlite_app: App, tmp_path: Path
) -> None:
    rows = [export_row(f"R-{i}", Betrag="?") for i in range(60)]
    with pytest.raises(ImportRefused) as refusal:
        run_import(sqlite_app, write_csv(tmp_path / "export.csv", rows))
    assert [line for line, _ in refusal.value.problems] == list(range(2, 62))
    message = refusal.value.user_message.splitlines()
    assert message[1].startswith("Zeile 2: Betrag: „?“ ist kein gültiger Betrag.")
    assert message[50].startswith("Zeile 51: ")
    assert message[-1] == "… und 10 weitere Fehler."
