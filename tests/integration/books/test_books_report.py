"""The monthly report: numbers against the hand-computed October, CSV, PDF text, DATEV layout, CLI."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from pypdf import PdfReader

from core.bootstrap import App
from core.domain.errors import InvalidInput, NotAllowed
from core.services.accounting import books, reports, statements
from core.services.accounting.ledger import period
from core.services.people.access import OPERATOR, Actor, Role
from tests.factories import add_practice, make_app
from tests.integration.books.books_helpers import (
    EXPECTED,
    MONTH,
    STATEMENT_CSV,
    build_october,
    cli_env,
    run_cli,
)

ON = date(2026, 11, 27)
STAFF = Actor(Role.STAFF, "dashboard:anna")


@pytest.fixture
def app(sqlite_url: str, tmp_path: Path) -> Iterator[App]:
    app = make_app(sqlite_url, tmp_path, datev_consultant_number="29098", datev_client_number="55003")
    yield app
    app.close()


@pytest.fixture
def any_app(database_url: str, tmp_path: Path) -> Iterator[App]:
    app = make_app(database_url, tmp_path)
    yield app
    app.close()


def test_the_report_matches_the_hand_computed_month_on_both_databases(any_app: App) -> None:
    build_october(any_app)
    report = reports.monthly_report(
        any_app.uow(), practice_id=any_app.practice_id, actor=OPERATOR, month=MONTH, on=ON
    )
    assert report.paid_to_agency == EXPECTED["debtor_payments"]
    assert report.debtor_fees == EXPECTED["debtor_fees"]
    assert report.case_fees == EXPECTED["case_fees"]
    assert report.creditor_payments == EXPECTED["creditor_payments"]
    assert report.fees_by_kind == EXPECTED["fees_by_kind"]
    by_ref = {x.reference: x for x in report.lines}
    assert sorted(by_ref) == ["R-101", "R-102", "R-103"]
    assert (by_ref["R-101"].paid_to_agency, by_ref["R-101"].debtor_fees, by_ref["R-101"].case_fee) == (
        Decimal("100.00"),
        Decimal("52.92"),
        Decimal("2.50"),
    )
    assert (by_ref["R-102"].paid_to_agency, by_ref["R-102"].debtor_fees, by_ref["R-102"].case_fee) == (
        Decimal("125.50"),
        Decimal("6.23"),
        Decimal("0.00"),
    )
    assert by_ref["R-103"].case_id == 19 and by_ref["R-103"].case_fee == Decimal("2.50")
    assert report.note == ""


def test_a_future_month_is_refused_in_german_and_a_quiet_month_is_empty_but_valid(app: App) -> None:
    build_october(app)
    with pytest.raises(InvalidInput, match="liegt in der Zukunft"):
        reports.monthly_report(app.uow(), practice_id=app.practice_id, actor=OPERATOR, month="2026-12", on=ON)
    with pytest.raises(InvalidInput, match="JJJJ-MM"):
        period("Oktober")
    quiet = books.monthly_file(
        app.uow(), settings=app.settings, practice_id=app.practice_id, actor=OPERATOR, month="2026-06", on=ON
    )
    assert quiet.report.empty and "keine Buchungen" in quiet.report.note
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(quiet.data)).pages)
    assert "Inkasso-Monatsbericht 06/2026" in text and "keine Buchungen" in text


def test_staff_may_not_see_reports(app: App) -> None:
    build_october(app)
    with pytest.raises(NotAllowed) as refused:
        reports.monthly_report(app.uow(), practice_id=app.practice_id, actor=STAFF, month=MONTH, on=ON)
    assert "Praxisleitungen" in refused.value.user_message


def test_the_csv_has_a_row_per_case_and_the_totals(app: App) -> None:
    build_october(app)
    result = books.monthly_file(
        app.uow(),
        settings=app.settings,
        practice_id=app.practice_id,
        actor=OPERATOR,
        month=MONTH,
        fmt="csv",
        on=ON,
    )
    assert result.data.startswith(b"\xef\xbb\xbf") and result.name == "Inkasso-Monatsbericht_2026-10.csv"
    lines = result.data.decode("utf-8-sig").splitlines()
    assert lines[0] == (
        "Fall-Nr;Rechnungsnummer;Schuldner;Zahlungen an 1159 Finance;Gebühren Schuldner;Fallgebühr Praxis"
    )
    assert lines[1] == "17;R-101;Erika Mustermann-R-101;100,00;52,92;2,50"
    assert lines[-1] == "Summe;3 Fälle;;225,50;59,15;5,00"


def test_the_pdf_text_shows_header_period_table_and_totals(app: App) -> None:
    build_october(app)
    result = books.monthly_file(
        app.uow(), settings=app.settings, practice_id=app.practice_id, actor=OPERATOR, month=MONTH, on=ON
    )
    reader = PdfReader(io.BytesIO(result.data))
    text = "\n".join(p.extract_text() for p in reader.pages)
    for expected in (
        "Inkasso-Monatsbericht 10/2026",
        "Physiotherapie Testhof",
        "Musterstraße 1, 01001 Musterstadt",
        "Zeitraum: 01.10.2026 bis 31.10.2026",
        "R-101",
        "R-102",
        "R-103",
        "Zahlungen der Schuldner an 1159 Finance",
        "225,50 EUR",
        "59,15 EUR",
        "davon Inkassokosten",
        "44,10 EUR",
        "Fallgebühren der Praxis an 1159 Finance",
        "5,00 EUR",
        "20,00 EUR",
        "Kassenbuch",
    ):
        assert expected in text, expected


def test_the_cli_writes_each_format_and_reports_the_reconciliation(app: App, tmp_path: Path) -> None:
    build_october(app)
    statements.receive_statement(
        app.uow(),
        practice_id=app.practice_id,
        month=MONTH,
        message_key="<m@x>",
        attachments=[
            ("Monatsabrechnung_2026-10.csv", "text/csv", STATEMENT_CSV.replace("44,10", "40,00").encode())
        ],
    )
    env = cli_env(app, tmp_path)
    for fmt in ("pdf", "datev"):
        out = tmp_path / f"bericht.{fmt}"
        done = run_cli(["report", "monthly", MONTH, "--format", fmt, "--out", str(out)], env, tmp_path)
        assert done.returncode == 0, done.stderr
        assert out.stat().st_size > 100
        assert "Monatsbericht 10/2026 gespeichert" in done.stdout
        assert "1 Abweichung(en)" in done.stdout and "Betrag abweichend" in done.stdout
    future = run_cli(["report", "monthly", "2099-01"], env, tmp_path)
    assert (
        future.returncode == 1
        and "liegt in der Zukunft" in future.stderr
        and "Traceback" not in future.stderr
    )
    with pytest.raises(InvalidInput, match="Möglich: pdf, csv, datev"):
        books.parse_format("xls")


def test_an_empty_practice_month_gives_an_empty_datev_batch(app: App) -> None:
    add_practice(app)
    result = books.monthly_file(
        app.uow(),
        settings=app.settings,
        practice_id=app.practice_id,
        actor=OPERATOR,
        month="2026-01",
        fmt="datev",
    )
    lines = result.data.decode("cp1252").split("\r\n")
    assert lines[0].startswith('"EXTF";700;21;"Buchungsstapel"') and lines[2] == ""


def test_the_pdf_lists_the_clearing_account_its_bookings_and_the_reconciliation(app: App) -> None:
    build_october(app)
    statements.receive_statement(
        app.uow(), practice_id=app.practice_id, month=MONTH, message_key="<m@x>",
        attachments=[("Monatsabrechnung_2026-10.csv", "text/csv", STATEMENT_CSV.encode())],
    )  # fmt: skip
    result = books.monthly_file(
        app.uow(), settings=app.settings, practice_id=app.practice_id, actor=OPERATOR, month=MONTH, on=ON
    )
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(result.data)).pages)
    for expected in (
        "von Betreiber (Kommandozeile) aus den Aufzeichnungen",
        "Stand: vorläufig",
        "Verrechnungskonto 1360 Geldtransit",
        "Anfangsbestand: -2,50 EUR",  # September's case fee for R-102
        "20.10.2026 R-101 17 Zahlung Schuldner: Kosten 1360 1590 52,92",
        "20.10.2026 R-101 17 Zahlung Schuldner: Forderung 1360 8100 47,08",
        "Zahlung 9001 an 1159 Finance, Abrechnung 10/2026",
        "Endbestand: 160,08 EUR",
        "Ergebnis: Stimmt überein",
    ):
        assert expected in text, expected
