"""Dashboard page "Import": upload, preview and every problem before anything is stored, then import."""

from __future__ import annotations

import io
from datetime import datetime
from pathlib import Path

from openpyxl import Workbook
from sqlmodel import func, select
from streamlit.testing.v1 import AppTest

from core.db.models import Invoice
from core.domain.invoice_rows import COLUMNS
from tests.factories import export_row, write_csv
from tests.integration.dashboard.dashboard_helpers import Dash, _fresh_dash, button, texts  # noqa: F401

PAGE = "views/invoice_import.py"


def invoices(dash: Dash) -> int:
    with dash.app.uow() as uow:
        return int(uow.session.exec(select(func.count()).select_from(Invoice)).one())


def csv_bytes(tmp_path: Path, rows: list[dict[str, str]]) -> bytes:
    return write_csv(tmp_path / "upload.csv", rows).read_bytes()


def uploaded(dash: Dash, name: str, data: bytes, mime: str = "text/csv") -> AppTest:
    at = dash.run("manager", PAGE)
    at.file_uploader[0].set_value((name, data, mime))
    return at.run()


def test_an_upload_is_previewed_with_its_first_rows_and_stored_only_after_the_button(
    fresh_dash: Dash, tmp_path: Path
) -> None:
    before = invoices(fresh_dash)
    rows = [export_row(f"N-{i}", amount="1.234,56", Telefon="0000 1" if i == 0 else "") for i in range(12)]
    at = uploaded(fresh_dash, "export.csv", csv_bytes(tmp_path, rows))

    assert not at.exception, at.exception
    preview = at.dataframe[0].value
    assert list(preview["Rechnungsnummer"]) == [f"N-{i}" for i in range(10)]
    assert preview["Betrag"][0] == "1.234,56 €"
    assert "12 Rechnungen: 12 neu, 0 geändert, 0 unverändert." in texts(at)
    assert "Hinweise (1)" in texts(at)
    assert "Telefon „0000 1“ ist keine gültige Telefonnummer" in at.code[0].value
    assert invoices(fresh_dash) == before  # the preview stored nothing

    at = button(at, "Importieren").click().run()

    assert not at.exception, at.exception
    assert "Importiert: 12 neu, 0 geändert, 0 unverändert." in texts(at)
    assert invoices(fresh_dash) == before + 12


def test_a_bad_file_shows_every_problem_and_offers_no_import(fresh_dash: Dash, tmp_path: Path) -> None:
    rows = [export_row("N-1"), export_row("N-2", Betrag="viel"), export_row("N-3", Nachname="A\x00B")]
    before = invoices(fresh_dash)
    at = uploaded(fresh_dash, "export.csv", csv_bytes(tmp_path, rows))

    assert not at.exception, at.exception
    assert "Die Datei würde nicht importiert: 2 fehlerhafte Zeile(n)." in texts(at)
    listing = at.code[0].value
    assert "Zeile 3: Betrag: „viel“ ist kein gültiger Betrag" in listing
    assert "Zeile 4: „Nachname“ enthält ein NUL-Byte" in listing
    assert "Importieren" not in [b.label for b in at.button]
    assert invoices(fresh_dash) == before


def test_a_pdf_is_refused_with_one_sentence(fresh_dash: Dash) -> None:
    at = uploaded(fresh_dash, "export.csv", b"%PDF-1.5\n%...", "application/pdf")
    assert not at.exception
    assert len(at.error) == 1
    assert "export.csv“ ist ein PDF" in at.error[0].value and "Excel" in at.error[0].value
    assert not at.dataframe
    assert "Importieren" not in [b.label for b in at.button]


def test_an_excel_upload_with_a_built_in_profile_is_previewed_and_imported(fresh_dash: Dash) -> None:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(list(COLUMNS))
    row = {
        **export_row("X-1"),
        "Rechnungsdatum": "01.09.26",
        "Fällig am": datetime(2026, 9, 15),
        "Betrag": 99.5,
    }
    sheet.append([row.get(c) for c in COLUMNS])
    buffer = io.BytesIO()
    workbook.save(buffer)
    at = fresh_dash.run("manager", PAGE)
    at.selectbox(key="import_profile").select("kurzes-datum")
    at.file_uploader[0].set_value(("export.xlsx", buffer.getvalue(), "application/vnd.ms-excel"))
    at = at.run()

    assert not at.exception, at.exception
    assert at.dataframe[0].value["Rechnungsdatum"][0] == "01.09.2026"
    at = button(at, "Importieren").click().run()
    assert "Importiert: 1 neu" in texts(at)


def test_an_own_profile_naming_a_missing_column_is_refused_and_nothing_is_stored(
    fresh_dash: Dash, tmp_path: Path
) -> None:
    before = invoices(fresh_dash)
    at = fresh_dash.run("manager", PAGE)
    at.file_uploader[0].set_value(("export.csv", csv_bytes(tmp_path, [export_row("N-1")]), "text/csv"))
    profile = b'[spalten]\nBetrag = "Brutto"\n'
    at.file_uploader[1].set_value(("praxis.toml", profile, "application/toml"))
    at = at.run()

    assert not at.exception, at.exception
    assert "„Brutto“ (für „Betrag“)" in at.code[0].value
    assert "Importieren" not in [b.label for b in at.button]
    assert invoices(fresh_dash) == before
