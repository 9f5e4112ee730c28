"""The agency's statement CSV is read exactly, or refused naming every bad row."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from fpdf import FPDF

from core.domain.errors import InvalidInput
from core.services.accounting.statement_csv import StatementRefused, parse_statement_csv, pdf_text

HEADER = "Fall-Nr;Rechnungsnummer;Buchungsdatum;Buchungsart;Betrag\r\n"
GOOD = (
    HEADER
    + "17;R-2025-0042;03.10.2026;Zahlung Schuldner;120,00\r\n"
    + "17;R-2025-0042;01.10.2026;Inkassokosten;44,10\r\n"
)


def test_a_good_statement_is_read_into_rows_with_decimal_amounts() -> None:
    result = parse_statement_csv(GOOD.encode())
    first = result.rows[0]
    assert (first.case_id, first.reference, first.booked_on, first.kind, first.amount) == (
        "17",
        "R-2025-0042",
        date(2026, 10, 3),
        "debtor_payment",
        Decimal("120.00"),
    )
    assert isinstance(first.amount, Decimal) and first.line == 2
    assert result.rows[1].kind == "collection_fee"
    assert result.total("debtor_payment") == Decimal("120.00")


def test_utf8_with_bom_is_read() -> None:
    data = ("\ufeff" + HEADER + "21;R-1;15.10.2026;Fallgebühr;2,50\r\n").encode()
    result = parse_statement_csv(data)
    assert result.encoding == "utf-8-sig" and result.rows[0].kind == "case_fee"


def test_windows_1252_is_read_as_a_fallback() -> None:
    data = (HEADER + "21;R-1;15.10.2026;Mahngebühr;1.234,56\r\n").encode("cp1252")
    result = parse_statement_csv(data)
    assert result.encoding == "cp1252"
    assert (result.rows[0].kind, result.rows[0].amount) == ("reminder_fee", Decimal("1234.56"))


def test_columns_may_come_in_any_order_and_blank_lines_are_skipped() -> None:
    data = "Betrag;Buchungsart;Buchungsdatum;Rechnungsnummer;Fall-Nr\n\n5;Zinsen;31.12.2026;R-9;3\n"
    row = parse_statement_csv(data.encode()).rows[0]
    assert (row.amount, row.kind, row.case_id, row.line) == (Decimal("5.00"), "interest", "3", 3)


def test_every_bad_row_is_named_with_its_line_and_a_german_reason() -> None:
    data = (
        HEADER
        + "17;R-1;03.10.2026;Zahlung Schuldner;120,00\r\n"
        + "18;R-2;31.02.2026;Zahlung Schuldner;1,00\r\n"
        + "19;R-3;2026-10-01;Zahlung Schuldner;1,00\r\n"
        + "20;R-4;01.10.2026;Geschenk;1,00\r\n"
        + "21;R-5;01.10.2026;Zinsen;12.5\r\n"
        + "22;R-6;01.10.2026;Zinsen;-3,00\r\n"
        + "23;R-7;01.10.2026\r\n"
        + ";R-8;01.10.2026;Zinsen;0,00\r\n"
    ).encode()
    with pytest.raises(StatementRefused) as caught:
        parse_statement_csv(data)
    problems = caught.value.problems
    lines = sorted({line for line, _ in problems})
    assert lines == [3, 4, 5, 6, 7, 8, 9]
    text = caught.value.user_message
    assert "Zeile 3: Buchungsdatum „31.02.2026“ gibt es nicht im Kalender" in text
    assert "Zeile 4" in text and "TT.MM.JJJJ" in text
    assert "Zeile 5: Buchungsart „Geschenk“ ist unbekannt." in text
    assert "Zeile 7" in text and "negativ" in text
    assert "Zeile 9: Fall-Nr fehlt." in text
    assert isinstance(caught.value, InvalidInput)


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "leer"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "keine Textdatei"),
        (b"Fall-Nr,Rechnungsnummer,Buchungsdatum,Buchungsart,Betrag\n", "Semikolon"),
        (b"Fall-Nr;Rechnungsnummer;Betrag\n", "Buchungsdatum, Buchungsart"),
        (b"\xef\xbb\xbfFall-Nr;\xff\xfe\n", "UTF-8"),
    ],
)
def test_an_unreadable_file_is_refused_with_a_reason(data: bytes, reason: str) -> None:
    with pytest.raises(StatementRefused) as caught:
        parse_statement_csv(data)
    assert reason in caught.value.user_message


def test_pdf_text_is_extracted_and_a_broken_pdf_gives_none() -> None:
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=12)
    pdf.cell(text="Monatsabrechnung 10/2026")
    data = bytes(pdf.output())
    assert "Monatsabrechnung 10/2026" in (pdf_text(data) or "")
    assert pdf_text(b"%PDF-1.4 kaputt") is None
    pdf_text(data[: len(data) // 3])  # a truncated file must not raise, whatever it yields
    assert pdf_text(b"") is None


def test_the_sandbox_statement_files_are_read_by_this_parser() -> None:
    from core.finance1159.sandbox.statement import Booking, to_csv, to_pdf

    bookings = [
        Booking(17, "R-2025-0042", date(2026, 10, 3), "Zahlung Schuldner", Decimal("1234.5")),
        Booking(17, "R-2025-0042", date(2026, 10, 1), "Inkassokosten", Decimal("44.10")),
        Booking(21, "R-2025-0077", date(2026, 10, 15), "Fallgebühr", Decimal("2.50")),
    ]
    rows = parse_statement_csv(to_csv(bookings)).rows
    assert [(r.case_id, r.kind, r.amount) for r in rows] == [
        ("17", "debtor_payment", Decimal("1234.50")),
        ("17", "collection_fee", Decimal("44.10")),
        ("21", "case_fee", Decimal("2.50")),
    ]
    assert "Monatsabrechnung 10/2026" in (pdf_text(to_pdf(bookings, "2026-10", "demo-praxis")) or "")


def test_a_payout_row_needs_no_case_or_invoice_but_other_rows_still_do() -> None:
    data = b"Fall-Nr;Rechnungsnummer;Buchungsdatum;Buchungsart;Betrag\n;;03.11.2026;Auszahlung;1.234,56\n"
    (row,) = parse_statement_csv(data).rows
    assert (row.kind, row.amount, row.case_id) == ("payout", Decimal("1234.56"), "")
    with pytest.raises(StatementRefused) as refused:
        parse_statement_csv(data.replace(b"Auszahlung", b"Zahlung Schuldner"))
    assert "Zeile 2: Fall-Nr fehlt." in refused.value.user_message
