"""The month's files survive real names and hostile text; `--out` never overwrites by accident."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlmodel import select

from core.bootstrap import App
from core.db.models import Claim, Invoice, Patient
from core.services.accounting import books
from core.services.accounting.cells import neutralise
from core.services.accounting.pdf_font import UnicodePdf, font_files
from core.services.people.access import OPERATOR
from tests.factories import make_app
from tests.integration.books.books_helpers import MONTH, build_october, cli_env, run_cli

ON = date(2026, 11, 27)


@pytest.fixture
def app(sqlite_url: str, tmp_path: Path) -> Iterator[App]:
    app = make_app(sqlite_url, tmp_path)
    yield app
    app.close()


def _rename(app: App, reference: str, *, first: str, last: str, new_reference: str | None = None) -> None:
    """Give the patient behind `reference` another name (and the claim another invoice number)."""
    with app.uow() as uow:
        claim = uow.session.exec(select(Claim).where(Claim.reference == reference)).one()
        invoice = uow.session.get(Invoice, claim.invoice_id)
        assert invoice is not None
        patient = uow.session.get(Patient, invoice.patient_id)
        assert patient is not None
        patient.first_name, patient.last_name = first, last
        if new_reference is not None:
            claim.reference = new_reference
        uow.commit()


def _file(app: App, fmt: str) -> books.ReportFile:
    return books.monthly_file(
        app.uow(),
        settings=app.settings,
        practice_id=app.practice_id,
        actor=OPERATOR,
        month=MONTH,
        fmt=fmt,
        on=ON,
    )


def _pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_a_turkish_name_renders_in_the_pdf_and_a_character_no_font_has_is_marked(app: App) -> None:
    assert font_files() is not None, "fonts-dejavu-core fehlt (scripts/test installiert es)"
    build_october(app)
    _rename(app, "R-101", first="Ayşe", last="Doğan")
    _rename(app, "R-102", first="Zoë", last="Łukasiewicz 漢")
    text = _pdf_text(_file(app, "pdf").data)
    assert "Ayşe Doğan" in text
    assert "Zoë Łukasiewicz \ufffd" in text and "漢" not in text
    assert "Inkasso-Monatsbericht 10/2026" in text and "225,50 EUR" in text


def test_without_a_unicode_font_the_pdf_transliterates_instead_of_failing(tmp_path: Path) -> None:
    pdf = UnicodePdf(font_dirs=(tmp_path,))
    assert pdf.family == "Helvetica"
    pdf.add_page()
    pdf.set_font(pdf.family, size=10)
    pdf.cell(0, 5, "Ayşe Doğan 漢")
    text = _pdf_text(bytes(pdf.output()))
    assert "Ayse Dogan ?" in text


def test_text_a_spreadsheet_would_run_as_a_formula_is_neutralised() -> None:
    for hostile in ("=1+2", "+49 171", "-R-1", "@SUM(A1)", "\t=x", "\r=x"):
        assert neutralise(hostile) == "'" + hostile
    for harmless in ("R-101", "Ayşe Doğan", "", "12,50", "'=already"):
        assert neutralise(harmless) == harmless


def test_the_csv_and_the_datev_file_write_no_formula_cells(app: App) -> None:
    build_october(app)
    _rename(app, "R-101", first='=HYPERLINK("http://x")', last="A", new_reference="=1+2")
    _rename(app, "R-103", first="@Mallory", last="B")
    rows = _file(app, "csv").data.decode("utf-8-sig").splitlines()
    assert '17;\'=1+2;"\'=HYPERLINK(""http://x"") A";100,00;52,92;2,50' in rows
    assert any(";'@Mallory B;" in row for row in rows)
    datev_cells = [
        c.strip('"')
        for line in _file(app, "datev").data.decode("cp1252").splitlines()
        for c in line.split(";")
    ]
    assert not [c for c in datev_cells if c.startswith(("=", "+", "@"))]


def test_out_refuses_an_existing_file_unless_forced_and_answers_bad_paths_in_german(
    app: App, tmp_path: Path
) -> None:
    build_october(app)
    env = cli_env(app, tmp_path)
    target = tmp_path / "bericht.csv"
    target.write_text("vom Steuerberater bearbeitet")
    refused = run_cli(["report", "monthly", MONTH, "--format", "csv", "--out", str(target)], env, tmp_path)
    assert refused.returncode == 1 and "gibt es schon" in refused.stderr and "--force" in refused.stderr
    assert target.read_text() == "vom Steuerberater bearbeitet"
    forced = run_cli(
        ["report", "monthly", MONTH, "--format", "csv", "--out", str(target), "--force"], env, tmp_path
    )
    assert forced.returncode == 0, forced.stderr
    assert target.read_bytes().startswith(b"\xef\xbb\xbfFall-Nr;")
    folder = run_cli(["report", "monthly", MONTH, "--out", str(tmp_path)], env, tmp_path)
    assert folder.returncode == 1 and "ist ein Ordner" in folder.stderr and "Traceback" not in folder.stderr
    missing = run_cli(["report", "monthly", MONTH, "--out", str(tmp_path / "nein" / "x.pdf")], env, tmp_path)
    assert missing.returncode == 1 and "Den Ordner" in missing.stderr and "gibt es nicht" in missing.stderr


@pytest.mark.skipif(not Path("/sys/kernel").is_dir(), reason="needs Linux sysfs")
def test_out_where_nobody_may_write_is_answered_in_german(app: App, tmp_path: Path) -> None:
    build_october(app)
    # sysfs refuses new files even to root, so this fails for real wherever the tests run.
    done = run_cli(
        ["report", "monthly", MONTH, "--out", "/sys/bericht.pdf"], cli_env(app, tmp_path), tmp_path
    )
    assert done.returncode == 1
    assert "konnte nicht geschrieben werden: keine Schreibberechtigung" in done.stderr
