"""The DATEV booking batch parsed back: 31 header fields, 125 columns, valid Belegfelder, Berlin days."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlmodel import select

from core.bootstrap import App
from core.db.models import Claim
from core.services.accounting import datev, datev_format, journal
from core.services.accounting.journal import Book
from core.services.accounting.ledger import period
from tests.factories import make_app
from tests.integration.books.books_helpers import MONTH, add_payouts, build_october

ON = date(2026, 12, 5)
CREATED = datetime(2026, 11, 3, 8, 15, 30, 123000, tzinfo=UTC)
BELEG1 = re.compile(r"^[A-Za-z0-9$&%*+\-/]{0,36}$")


@pytest.fixture
def app(sqlite_url: str, tmp_path: Path) -> Iterator[App]:
    app = make_app(sqlite_url, tmp_path)
    yield app
    app.close()


def _batch(app: App, book: Book, month: str = MONTH) -> list[list[str]]:
    span = period(month, on=ON)
    with app.uow() as uow:
        entries = journal.build(uow.session, practice_id=app.practice_id, book=book, span=span)
    data = datev.to_extf(book, span, entries, created=CREATED)
    text = data.decode("cp1252")
    assert text.endswith("\r\n") and "\n" not in text.replace("\r\n", "")
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=";", quotechar='"'))


def _set(app: App, invoice: str, /, **values: object) -> None:
    with app.uow() as uow:
        claim = uow.session.exec(select(Claim).where(Claim.reference == invoice)).one()
        for key, value in values.items():
            setattr(claim, key, value)
        uow.commit()


def test_the_batch_has_31_header_fields_125_columns_per_row_and_the_chart_in_field_27(app: App) -> None:
    build_october(app)
    add_payouts(app)
    lines = _batch(app, Book(chart="SKR03", consultant="29098", client="55003", fiscal_year_start=1))
    head = lines[0]
    assert len(head) == 31
    assert head[:6] == ["EXTF", "700", "21", "Buchungsstapel", "13", "20261103091530123"]  # Berlin time
    assert head[10:17] == ["29098", "55003", "20260101", "4", "20261001", "20261031", "Inkasso 10/2026"]
    assert head[18:22] == ["1", "0", "0", "EUR"] and head[26] == "03"
    assert lines[1] == list(datev_format.COLUMNS) and len(lines[1]) == 125
    # positions as numbered in DATEV's Formatbeschreibung (field n is column n)
    numbered = (11, 12, 14, 88, 102, 114, 125)
    assert [lines[1][n - 1] for n in numbered] == [
        "Belegfeld 1", "Belegfeld 2", "Buchungstext", "Stück", "Herkunft-Kz", "Festschreibung",
        "Abw. Skontokonto",
    ]  # fmt: skip
    rows = lines[2:]
    # cash basis: R-101 principal, costs, costs kept, case fee; R-102 two principals, costs, costs kept;
    # R-103 case fee (the direct payment is in the practice's cash book, unpaid interest is no income);
    # the payout to the bank
    assert len(rows) == 10
    assert all(len(r) == 125 for r in rows)
    at = datev_format.COLUMN
    assert all(r[at["Festschreibung"]] == "0" for r in rows)
    principal = next(r for r in rows if r[at["Buchungstext"]] == "Zahlung Schuldner: Forderung R-101")
    assert principal[:12] == ["47,08", "S", "EUR", "", "", "", "1360", "8100", "", "2010", "R-101", "17"]
    assert "8400" not in {r[6] for r in rows} | {r[7] for r in rows}
    fee = next(r for r in rows if r[at["Buchungstext"]] == "Fallgebühr 1159 Finance R-103")
    assert fee[:12] == ["2,50", "S", "EUR", "", "", "", "4970", "1360", "", "2810", "R-103", "19"]
    assert fee[at["Beleginfo - Art 2"]] == "Fall 1159 Finance" and fee[at["Beleginfo - Inhalt 2"]] == "19"
    payout = next(r for r in rows if r[at["Buchungstext"]] == "Auszahlung 1159 Finance")
    assert payout[:12] == ["150,00", "S", "EUR", "", "", "", "1200", "1360", "", "2910", "", ""]
    assert payout[at["Beleginfo - Art 1"]] == "Grundlage"
    assert payout[at["Beleginfo - Inhalt 1"]].startswith("Kontoauszug (camt.053): Gutschrift vom 29.10.2026")


def test_skr04_and_a_fiscal_year_from_july_reach_the_header(app: App) -> None:
    build_october(app)
    lines = _batch(app, Book(chart="SKR04", fiscal_year_start=7, basis="accrual"))
    assert lines[0][26] == "04" and lines[0][12] == "20260701"
    interest = next(r for r in lines[2:] if r[13].startswith("Verzugszinsen"))
    assert (interest[0], interest[6], interest[7]) == (
        "1,23",
        "1200",
        "7100",
    )  # receivable to interest income


def test_belegfelder_are_made_valid_and_the_booking_text_keeps_the_invoice_number(app: App) -> None:
    build_october(app)
    _set(app, "R-101", reference="Rg. 2026/ä_1 (Doğan)")
    _set(app, "R-103", reference="-" + "9" * 50, case_id=1234567890123)
    at = datev_format.COLUMN
    for r in _batch(app, Book())[2:]:
        assert BELEG1.match(r[at["Belegfeld 1"]]), r[at["Belegfeld 1"]]
        assert len(r[at["Belegfeld 2"]]) <= 12 and len(r[at["Buchungstext"]]) <= 60
    rows = _batch(app, Book())[2:]
    text = "Zahlung Schuldner: Forderung Rg. 2026/ä_1 (Dogan)"
    renamed = next(r for r in rows if r[at["Buchungstext"]] == text)
    assert renamed[at["Belegfeld 1"]] == "Rg2026/1Dogan"
    assert renamed[at["Beleginfo - Inhalt 1"]] == "Rg. 2026/ä_1 (Dogan)"
    long = next(r for r in rows if r[at["Belegfeld 1"]].startswith("9"))
    assert long[at["Belegfeld 1"]] == "9" * 36 and long[at["Belegfeld 2"]] == "234567890123"
    assert long[at["Buchungstext"]] == "'-" + "9" * 50
    assert long[at["Beleginfo - Inhalt 1"]] == "'-" + "9" * 50  # neutralised, not a formula


def test_a_hand_over_at_half_past_midnight_on_1_november_is_booked_on_1_november(app: App) -> None:
    build_october(app)
    # 00:30 Berlin time (CET) is 23:30 UTC on 31 October
    _set(app, "R-103", created_at=datetime(2026, 10, 31, 23, 30, tzinfo=UTC))
    october = [r for r in _batch(app, Book())[2:] if "R-103" in r[13]]
    november = [r for r in _batch(app, Book(), "2026-11")[2:] if "R-103" in r[13]]
    assert october == [] and [r[9] for r in november] == ["0111"]


def test_text_windows_1252_cannot_hold_is_transliterated() -> None:
    assert datev_format.to_cp1252("Ayşe Doğan, Łódź, Müller € 漢") == "Ayse Dogan, Lódz, Müller € ?"
    assert datev_format.belegfeld("+=R_1 ä", 36) == "R1"
