"""The monthly report as files: CSV for spreadsheets and PDF for the tax advisor (fpdf2)."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

from fpdf.enums import TableCellFillMode

from core.domain.dates import format_date, format_datetime
from core.domain.money import format_number
from core.services.accounting import pdf_journal
from core.services.accounting.cells import neutralise
from core.services.accounting.ledger import KIND_LABEL
from core.services.accounting.pdf_font import UnicodePdf
from core.services.accounting.pdf_journal import JournalSheet
from core.services.accounting.reports import MonthlyReport

__all__ = ["COLUMNS", "KASSENBUCH_NOTE", "to_csv", "to_pdf"]

COLUMNS = (
    "Fall-Nr",
    "Rechnungsnummer",
    "Schuldner",
    "Zahlungen an 1159 Finance",
    "Gebühren Schuldner",
    "Fallgebühr Praxis",
)
KASSENBUCH_NOTE = (
    "Zahlungen an 1159 Finance gehen nicht in das Kassenbuch der Praxis ein; "
    "dieser Bericht dokumentiert sie für die Buchhaltung."
)


def _rows(report: MonthlyReport) -> list[tuple[str, ...]]:
    return [
        (
            str(x.case_id or ""),
            x.reference,
            x.debtor,
            format_number(x.paid_to_agency),
            format_number(x.debtor_fees),
            format_number(x.case_fee),
        )
        for x in report.lines
    ]


def _total_row(report: MonthlyReport) -> tuple[str, ...]:
    return (
        "Summe",
        f"{len(report.lines)} Fälle",
        "",
        format_number(report.paid_to_agency),
        format_number(report.debtor_fees),
        format_number(report.case_fees),
    )


def to_csv(report: MonthlyReport) -> bytes:
    """Semicolons, decimal comma, UTF-8 with BOM: opens as-is in German spreadsheet programs."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(COLUMNS)
    # Case id, invoice number and name are text from outside; the amounts are our own numbers.
    writer.writerows((*map(neutralise, row[:3]), *row[3:]) for row in _rows(report))
    writer.writerow(_total_row(report))
    if report.note:
        writer.writerow((f"Hinweis: {report.note}",))
    return out.getvalue().encode("utf-8-sig")


def _eur(value: Decimal) -> str:
    return f"{format_number(value)} EUR"


class _Pdf(UnicodePdf):
    footer_text = ""

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(self.family, size=8)
        self.cell(0, 6, f"{self.footer_text} - Seite {self.page_no()}/{{nb}}", align="C")


def to_pdf(
    report: MonthlyReport, *, closed: str = "", made_by: str = "", sheet: JournalSheet | None = None
) -> bytes:
    """Practice header, period, the per-case table, totals and the fee breakdown; then the
    bookings page (clearing account, bookings, reconciliation) when `sheet` is given."""
    pdf = _Pdf(orientation="landscape", format="A4")
    pdf.footer_text = f"{report.practice.name} - Inkasso-Monatsbericht {report.span.label}"
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()
    _header(pdf, report, closed, made_by)
    _table(pdf, report)
    _totals(pdf, report, sheet)
    if sheet is not None:
        pdf_journal.render(pdf, sheet)
    return bytes(pdf.output())


def _header(pdf: _Pdf, report: MonthlyReport, closed: str, made_by: str) -> None:
    p = report.practice
    pdf.set_font(pdf.family, "B", 15)
    pdf.cell(0, 9, f"Inkasso-Monatsbericht {report.span.label}", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(pdf.family, "", 10)
    for text in (p.name, p.address, p.email, _tax_line(p.tax_number)):
        if text:
            pdf.cell(0, 5, text, new_x="LMARGIN", new_y="NEXT")
    last_day = report.span.end.toordinal() - 1
    pdf.ln(2)
    pdf.cell(
        0,
        5,
        f"Zeitraum: {format_date(report.span.start)} bis "
        f"{format_date(report.span.start.fromordinal(last_day))}",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.cell(
        0,
        5,
        f"Inkassobüro: 1159 Finance GmbH, Leverkusen - erstellt am {format_datetime(report.generated_at)} "
        + (f"von {made_by} " if made_by else "")
        + "aus den Aufzeichnungen von Praxis-Inkasso",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.cell(0, 5, "Alle Beträge in EUR.", new_x="LMARGIN", new_y="NEXT")
    status = closed or "Stand: vorläufig - der Monat ist noch nicht abgeschlossen."
    pdf.cell(0, 5, status, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)


def _tax_line(number: str) -> str:
    if not number:
        return "Steuernummer: nicht hinterlegt (Einstellungen → Praxisdaten)"
    return f"USt-IdNr.: {number}" if number[:2].isalpha() else f"Steuernummer: {number}"


def _table(pdf: _Pdf, report: MonthlyReport) -> None:
    pdf.set_font(pdf.family, "", 9)
    align = ("LEFT", "LEFT", "LEFT", "RIGHT", "RIGHT", "RIGHT")
    with pdf.table(
        col_widths=(18, 40, 70, 50, 45, 40),
        text_align=align,
        cell_fill_color=(240, 240, 240),
        cell_fill_mode=TableCellFillMode.ROWS,
        repeat_headings=1,
        line_height=6,
    ) as table:
        table.row(COLUMNS)
        for cells in _rows(report):
            table.row(cells)
        pdf.set_font(pdf.family, "B", 9)
        table.row(_total_row(report))
    pdf.set_font(pdf.family, "", 10)
    if report.note:
        pdf.ln(3)
        pdf.multi_cell(0, 5, report.note, new_x="LMARGIN", new_y="NEXT")


def _totals(pdf: _Pdf, report: MonthlyReport, sheet: JournalSheet | None) -> None:
    pdf.ln(4)
    pdf.set_font(pdf.family, "B", 11)
    pdf.cell(0, 7, "Summen des Monats", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(pdf.family, "", 10)
    lines = [
        ("Zahlungen der Schuldner an 1159 Finance", report.paid_to_agency),
        ("Gebühren, die 1159 Finance den Schuldnern berechnet hat", report.debtor_fees),
    ]
    lines += [(f"    davon {KIND_LABEL[k]}", v) for k, v in report.fees_by_kind.items() if v]
    lines += [
        ("Fallgebühren der Praxis an 1159 Finance", report.case_fees),
        ("Direktzahlungen an die Praxis (an 1159 Finance gemeldet, im Kassenbuch)", report.creditor_payments),
    ]
    if sheet is not None:
        account = f"Verrechnungskonto {sheet.clearing.number} 1159 Finance"
        lines += [
            (f"{account}: Anfangsbestand", sheet.opening),
            ("Auszahlungen von 1159 Finance auf das Bankkonto (gebucht)", sheet.paid_out),
            (f"{account}: Endbestand (noch auszuzahlen)", sheet.closing),
        ]
    for label, value in lines:
        pdf.cell(150, 6, label)
        pdf.cell(40, 6, _eur(value), align="R", new_x="LMARGIN", new_y="NEXT")
    if sheet is not None and sheet.summary:
        pdf.set_font(pdf.family, "B", 10)
        text = f"Abgleich mit Abrechnung und Kontoauszug: {sheet.summary} (Einzelheiten: Seite Buchungen)"
        pdf.multi_cell(0, 6, text, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    pdf.set_font(pdf.family, "I", 9)
    pdf.multi_cell(0, 5, KASSENBUCH_NOTE, new_x="LMARGIN", new_y="NEXT")
