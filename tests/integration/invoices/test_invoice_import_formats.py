"""Imports that real exports pass, on SQLite and PostgreSQL: Excel, UTF-16, profiles, bad cells,
files that are no export, and long lists of problems."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook
from sqlmodel import select

from core.bootstrap import App
from core.db.models import Invoice, Patient
from core.domain.errors import ImportRefused, InvalidInput
from core.domain.invoice_rows import COLUMNS
from core.services.invoicing.invoice_import import ImportResult
from tests.factories import export_row, write_csv
from tests.integration.invoices.test_invoice_import import count, invoice, refused, run_import, snapshot
from tests.integration.setup.test_cli_setup import Cli


def write_xlsx(path: Path, rows: list[list[Any]], columns: list[str] | None = None) -> Path:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(columns or list(COLUMNS))
    for row in rows:
        sheet.append(row)
    workbook.save(path)
    return path


def excel_row(number: str, amount: float | int, **cells: Any) -> list[Any]:
    """One row as Excel holds it: numbers as numbers, dates as dates."""
    values = {
        **export_row(number),
        "Rechnungsdatum": datetime(2026, 9, 1),
        "Fällig am": datetime(2026, 9, 15),
        "Betrag": amount,
        "Bezahlt": None,
        "PLZ": "51147",
        "Geburtsdatum": datetime(1970, 5, 17),
        **cells,
    }
    return [values.get(c) for c in COLUMNS]


# --- Excel ---------------------------------------------------------------------------------------


def test_an_excel_export_is_imported_with_exact_amounts_and_dates(app: App, tmp_path: Path) -> None:
    rows = [
        excel_row("R-1", 120.1),
        excel_row("R-2", 1234.56, Bezahlt=234.56),
        excel_row(2026003, 80, Nachname="Müller", Ort="Köln"),  # an invoice number stored as a number
    ]
    result = run_import(app, write_xlsx(tmp_path / "export.xlsx", rows))

    assert result == ImportResult(rows=3, created=3, updated=0, unchanged=0, dry_run=False)
    second = invoice(app, "R-2")
    assert (second.amount, second.paid_before, second.open_amount) == (
        Decimal("1234.56"),
        Decimal("234.56"),
        Decimal("1000.00"),
    )
    assert invoice(app, "R-1").amount == Decimal("120.10")
    third = invoice(app, "2026003")
    assert (third.due_date.isoformat(), third.amount) == ("2026-09-15", Decimal("80.00"))
    with app.uow() as uow:
        assert uow.session.exec(select(Patient).where(Patient.city == "Köln")).one().last_name == "Müller"


@pytest.mark.parametrize("profile", ["standard", "international", "kurzes-datum"])
def test_typed_excel_amounts_mean_the_same_under_every_built_in_profile(
    sqlite_app: App, tmp_path: Path, profile: str
) -> None:
    rows = [excel_row("R-1", 1234.56, Bezahlt=34.5), excel_row("R-2", 80)]
    assert run_import(sqlite_app, write_xlsx(tmp_path / "export.xlsx", rows), profile=profile).created == 2
    first = invoice(sqlite_app, "R-1")
    assert (first.amount, first.paid_before) == (Decimal("1234.56"), Decimal("34.50"))
    assert invoice(sqlite_app, "R-2").amount == Decimal("80.00")


def test_a_bad_row_in_an_excel_file_is_named_by_its_excel_row(sqlite_app: App, tmp_path: Path) -> None:
    rows = [excel_row("R-1", 10), excel_row("R-2", 10), excel_row("R-3", -5), excel_row("R-4", 10.005)]
    problems = refused(sqlite_app, write_xlsx(tmp_path / "export.xlsx", rows))
    assert [line for line, _ in problems] == [4, 5]
    assert "negativ" in problems[0][1] and "mehr als zwei Nachkommastellen" in problems[1][1]
    assert count(sqlite_app, Invoice) == 0


def test_an_excel_file_with_empty_cells_at_the_end_of_a_row_is_read(sqlite_app: App, tmp_path: Path) -> None:
    row = excel_row("R-1", 50)
    row[COLUMNS.index("Einwilligung am")] = None
    row[COLUMNS.index("Inkasso angekündigt")] = None
    assert run_import(sqlite_app, write_xlsx(tmp_path / "export.xlsx", [row])).created == 1


def test_a_zip_that_is_no_workbook_and_a_pdf_are_refused_with_one_sentence_and_nothing_changes(
    sqlite_app: App, tmp_path: Path
) -> None:
    import zipfile

    archive = tmp_path / "export.xlsx"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("export.csv", "Rechnungsnummer;Betrag")
    pdf = tmp_path / "export.pdf"
    pdf.write_bytes(b"%PDF-1.4\n...")
    before = snapshot(sqlite_app)
    for path, what in ((archive, "ZIP-Archiv"), (pdf, "PDF-Dokument")):
        with pytest.raises(InvalidInput) as refusal:
            run_import(sqlite_app, path)
        assert what in refusal.value.user_message
        assert refusal.value.user_message.count(".") <= 4  # one sentence and one hint, not a list
    assert snapshot(sqlite_app) == before


# --- encodings -----------------------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le-bom", "utf-16-be-bom"])
def test_a_utf16_export_with_byte_order_mark_is_imported(app: App, tmp_path: Path, encoding: str) -> None:
    path = tmp_path / "export.csv"
    rows = [export_row("R-1", Nachname="Müßig", Ort="Görlitz"), export_row("R-2")]
    write_csv(path, rows)
    text = path.read_text(encoding="utf-8")
    data = {
        "utf-16": text.encode("utf-16"),
        "utf-16-le-bom": b"\xff\xfe" + text.encode("utf-16-le"),
        "utf-16-be-bom": b"\xfe\xff" + text.encode("utf-16-be"),
    }[encoding]
    path.write_bytes(data)

    assert run_import(app, path).created == 2
    with app.uow() as uow:
        assert uow.session.exec(select(Patient.city).where(Patient.last_name == "Müßig")).one() == "Görlitz"


def test_a_windows_1252_export_with_a_profile_that_names_its_encoding_is_imported(
    sqlite_app: App, tmp_path: Path
) -> None:
    profile = tmp_path / "profil.toml"
    profile.write_text('[format]\nzeichensatz = "cp1252"\n', encoding="utf-8")
    path = write_csv(tmp_path / "export.csv", [export_row("R-1", Ort="Lüneburg")], encoding="cp1252")
    assert run_import(sqlite_app, path, profile=profile).created == 1


# --- cells ---------------------------------------------------------------------------------------


def test_a_nul_byte_is_refused_by_row_and_column_and_nothing_is_stored(app: App, tmp_path: Path) -> None:
    rows = [export_row("R-1"), export_row("R-2", Nachname="Mu\x00ster"), export_row("R-3")]
    before = snapshot(app)

    problems = refused(app, write_csv(tmp_path / "export.csv", rows))

    assert problems == [(3, "„Nachname“ enthält ein NUL-Byte; bitte in der Praxissoftware entfernen")]
    assert snapshot(app) == before


def test_an_escape_sequence_never_reaches_the_message_or_the_database(
    sqlite_app: App, tmp_path: Path
) -> None:
    rows = [export_row("R-1", Ort="\x1b[2J\x1b[31mKöln")]
    with pytest.raises(ImportRefused) as refusal:
        run_import(sqlite_app, write_csv(tmp_path / "export.csv", rows))
    assert "\x1b" not in refusal.value.user_message
    assert "„Ort“ enthält ein Escape-Zeichen" in refusal.value.user_message
    assert count(sqlite_app, Invoice) == 0


def test_an_escape_sequence_in_the_header_is_refused_before_it_is_quoted(
    sqlite_app: App, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "export.csv", [export_row("R-1")], columns=[*COLUMNS, "\x1b]0;pwn\x07"])
    with pytest.raises(ImportRefused) as refusal:
        run_import(sqlite_app, path)
    assert "\x1b" not in refusal.value.user_message and "\x07" not in refusal.value.user_message


def test_a_250_kb_line_is_refused_by_column_and_the_rows_after_it_are_still_checked(
    sqlite_app: App, tmp_path: Path
) -> None:
    rows = [export_row("R-1"), export_row("R-2", Leistung="x" * 250_000), export_row("R-3", Betrag="?")]
    problems = refused(sqlite_app, write_csv(tmp_path / "export.csv", rows))
    assert problems[0] == (3, "„Leistung“ ist mit 250000 Zeichen zu lang (höchstens 2000)")
    assert problems[1][0] == 4 and "Betrag" in problems[1][1]


def test_a_cell_over_a_megabyte_refuses_its_line_and_reading_goes_on(sqlite_app: App, tmp_path: Path) -> None:
    rows = [export_row("R-1", Leistung="x" * 1_100_000), export_row("R-2", Betrag="?")]
    problems = refused(sqlite_app, write_csv(tmp_path / "export.csv", rows))
    assert problems[0] == (2, "In der Zeile ist eine Zelle länger als 1 MB")
    assert problems[1][0] == 3


def test_invalid_contact_data_is_imported_with_a_warning_and_kept_out_of_the_claim(
    app: App, tmp_path: Path
) -> None:
    rows = [export_row("R-1", Telefon="0000 12"), export_row("R-2", Vorname="Max", **{"E-Mail": "max@"})]
    result = run_import(app, write_csv(tmp_path / "export.csv", rows))
    assert result.created == 2
    assert result.warnings == (
        (2, "Telefon „0000 12“ ist keine gültige Telefonnummer; wird nicht an 1159 Finance übergeben"),
        (3, "E-Mail „max@“ ist keine gültige Adresse; wird nicht an 1159 Finance übergeben"),
    )
    with app.uow() as uow:  # the practice's own record keeps what its software exported
        assert uow.session.exec(select(Patient.email).where(Patient.first_name == "Max")).one() == "max@"


# --- profiles ------------------------------------------------------------------------------------

PROFILE = """
[spalten]
Rechnungsnummer = "Beleg"
Betrag = "Brutto"
"Fällig am" = "Faellig"
"Straße" = "Strasse"
[format]
datum = "TT.MM.JJ"
dezimalzeichen = "."
tausendertrennzeichen = ","
trennzeichen = ","
ignorieren = ["Kundennummer"]
"""


def test_a_profile_imports_an_export_with_other_names_short_years_and_english_amounts(
    app: App, tmp_path: Path
) -> None:
    profile = tmp_path / "praxis.toml"
    profile.write_text(PROFILE, encoding="utf-8")
    renamed = {"Rechnungsnummer": "Beleg", "Betrag": "Brutto", "Fällig am": "Faellig", "Straße": "Strasse"}
    columns = [renamed.get(c, c) for c in COLUMNS] + ["Kundennummer"]
    row = export_row("R-7", Rechnungsdatum="01.09.26", Geburtsdatum="17.05.70", Bezahlt="1,000.00")
    row = {renamed.get(k, k): v for k, v in row.items()} | {
        "Brutto": "1,234.56",
        "Faellig": "15.09.26",
        "Kundennummer": "K-1",
    }
    path = write_csv(tmp_path / "export.csv", [row], columns=columns, delimiter=",")

    assert run_import(app, path, profile=profile).created == 1

    stored = invoice(app, "R-7")
    assert (stored.amount, stored.paid_before) == (Decimal("1234.56"), Decimal("1000.00"))
    assert (stored.invoice_date.isoformat(), stored.due_date.isoformat()) == ("2026-09-01", "2026-09-15")
    with app.uow() as uow:
        assert uow.session.exec(select(Patient.birth_date)).one().isoformat() == "1970-05-17"  # type: ignore[union-attr]


def test_a_profile_naming_a_column_the_file_lacks_is_refused_naming_it(
    sqlite_app: App, tmp_path: Path
) -> None:
    profile = tmp_path / "praxis.toml"
    profile.write_text('[spalten]\nRechnungsnummer = "Beleg"\n', encoding="utf-8")
    before = snapshot(sqlite_app)
    problems = refused(sqlite_app, write_csv(tmp_path / "export.csv", [export_row("R-1")]), profile=profile)
    assert problems == [
        (1, "Das Profil praxis.toml nennt Spalten, die die Datei nicht hat: „Beleg“ (für „Rechnungsnummer“)")
    ]
    assert snapshot(sqlite_app) == before


def test_the_built_in_international_profile_reads_comma_separated_iso_dates(
    sqlite_app: App, tmp_path: Path
) -> None:
    row = export_row("R-1", Rechnungsdatum="2026-09-01", Betrag="2,500.00", cells={"Fällig am": "2026-09-15"})
    path = write_csv(tmp_path / "export.csv", [row], delimiter=",")
    assert run_import(sqlite_app, path, profile="international").created == 1
    assert invoice(sqlite_app, "R-1").amount == Decimal("2500.00")


def test_a_semicolon_file_read_with_a_comma_profile_names_the_delimiter(
    sqlite_app: App, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "export.csv", [export_row("R-1")])
    problems = refused(sqlite_app, path, profile="international")
    assert problems == [(1, "Falsches Trennzeichen: Spalten bitte mit Komma (,) trennen.")]


def test_a_dry_run_with_a_profile_stores_nothing(sqlite_app: App, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "export.csv", [export_row("R-1", Rechnungsdatum="01.09.26")])
    before = snapshot(sqlite_app)
    result = run_import(sqlite_app, path, profile="kurzes-datum", dry_run=True)
    assert (result.created, result.dry_run) == (1, True)
    assert snapshot(sqlite_app) == before


# --- long lists of problems ----------------------------------------------------------------------


def test_ten_thousand_bad_rows_give_a_readable_message(sqlite_app: App, tmp_path: Path) -> None:
    rows = [export_row(f"R-{i}", Betrag="?") for i in range(10_000)]
    with pytest.raises(ImportRefused) as refusal:
        run_import(sqlite_app, write_csv(tmp_path / "export.csv", rows))
    lines = refusal.value.user_message.splitlines()
    assert len(refusal.value.problems) == 10_000
    assert len(lines) == 52  # the heading, 50 rows, the count
    assert lines[-1] == "… und 9950 weitere Fehler."


def test_ten_thousand_unknown_columns_give_a_readable_message(sqlite_app: App, tmp_path: Path) -> None:
    columns = [*COLUMNS, *(f"Extra {i}" for i in range(10_000))]
    with pytest.raises(ImportRefused) as refusal:
        run_import(sqlite_app, write_csv(tmp_path / "export.csv", [export_row("R-1")], columns=columns))
    message = refusal.value.user_message
    assert len(message) < 600
    assert "unbekannte Spalte(n): Extra 0, Extra 1," in message and "und 9980 weitere" in message


@pytest.fixture(name="cli")
def _cli(sqlite_url: str, tmp_path: Path) -> Cli:
    return Cli(sqlite_url, tmp_path)


def test_the_cli_dry_run_with_a_profile_prints_what_would_happen_and_stores_nothing(
    cli: Cli, tmp_path: Path
) -> None:
    cli.with_practice()
    profile = tmp_path / "praxis.toml"
    profile.write_text(
        '[spalten]\nRechnungsnummer = "Beleg"\n[format]\ndatum = "TT.MM.JJ"\n', encoding="utf-8"
    )
    columns = ["Beleg", *COLUMNS[1:]]
    row = {"Beleg": "R-1", **export_row("R-1", Rechnungsdatum="01.09.26", Telefon="0000 1")}
    path = write_csv(tmp_path / "export.csv", [row], columns=columns)

    run = cli("import", "invoices", str(path), "--profile", str(profile), "--dry-run")

    assert run.code == 0, run.err
    assert "Probelauf (nichts gespeichert): 1 Rechnungen gelesen: 1 neu" in run.out
    assert "Hinweise (1):\nZeile 2: Telefon „0000 1“ ist keine gültige Telefonnummer" in run.out
    assert cli.dump("SELECT count(*) FROM invoice") == [(0,)]


def test_the_cli_refuses_a_profile_naming_a_missing_column_with_exit_1(cli: Cli, tmp_path: Path) -> None:
    cli.with_practice()
    profile = tmp_path / "praxis.toml"
    profile.write_text('[spalten]\nBetrag = "Brutto"\n', encoding="utf-8")
    run = cli(
        "import", "invoices", str(write_csv(tmp_path / "e.csv", [export_row()])), "--profile", str(profile)
    )
    assert run.code == 1
    assert "„Brutto“ (für „Betrag“)" in run.out + run.err


def test_an_empty_workbook_is_refused_as_empty(sqlite_app: App, tmp_path: Path) -> None:
    path = tmp_path / "leer.xlsx"
    Workbook().save(path)
    assert refused(sqlite_app, path) == [
        (1, "Die Datei ist leer. Erwartet wird eine Kopfzeile mit Spaltennamen.")
    ]


def test_an_unreadable_byte_in_the_header_is_named_on_line_one(sqlite_app: App, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "export.csv", [export_row("R-1")])
    path.write_bytes(b"Rechnungs\x81nummer" + path.read_bytes()[len("Rechnungsnummer") :])
    assert refused(sqlite_app, path) == [(1, "Zeichen weder in UTF-8 noch in Windows-1252 lesbar")]
