"""The monthly PDF's bookings page: the clearing account 1159 Finance with its opening and closing
balance, every booking of the month (with the § 367 split of each payment), the agency's payouts
with their dates (statement, bank, booked), and the result of the three-way reconciliation
(records, the agency's statement, the bank)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from fpdf.enums import TableCellFillMode

from core.domain.dates import format_date
from core.domain.money import ZERO, format_number
from core.services.accounting.chart import Account
from core.services.accounting.journal import Entry, effect_on
from core.services.accounting.payout_month import STATUS_LABEL, PayoutLine
from core.services.accounting.pdf_font import UnicodePdf

__all__ = ["COLUMNS", "PAYOUT_COLUMNS", "JournalSheet", "render"]

COLUMNS = ("Datum", "Rechnung", "Fall", "Buchung", "Soll", "Haben", "Betrag", "Grundlage")
PAYOUT_COLUMNS = ("Abrechnung vom", "Betrag", "Kontoauszug vom", "Betrag", "gebucht am", "Ergebnis")


@dataclass(frozen=True)
class JournalSheet:
    clearing: Account
    opening: Decimal
    entries: list[Entry]
    reconciliation: list[str] = field(default_factory=list)  # German sentences
    payouts: list[PayoutLine] = field(default_factory=list)
    summary: str = ""  # the reconciliation's result in one sentence

    def effect(self, e: Entry) -> Decimal:
        """How an entry moves the clearing account (what 1159 Finance owes the practice)."""
        return effect_on(self.clearing.number, e)

    @property
    def closing(self) -> Decimal:
        return self.opening + sum((self.effect(e) for e in self.entries), ZERO)

    @property
    def paid_out(self) -> Decimal:
        """The payouts the month books from the clearing account to the bank."""
        return sum((e.amount for e in self.entries if e.kind == "payout"), ZERO)


def render(pdf: UnicodePdf, sheet: JournalSheet) -> None:
    pdf.add_page()
    pdf.set_font(pdf.family, "B", 12)
    title = f"Buchungen - Verrechnungskonto {sheet.clearing.number} {sheet.clearing.name} (1159 Finance)"
    pdf.cell(0, 7, title, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(pdf.family, "", 10)
    pdf.cell(0, 6, f"Anfangsbestand: {format_number(sheet.opening)} EUR", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(1)
    pdf.set_font(pdf.family, "", 8)
    with pdf.table(
        col_widths=(20, 26, 12, 78, 14, 14, 22, 85),
        text_align=("LEFT", "LEFT", "LEFT", "LEFT", "LEFT", "LEFT", "RIGHT", "LEFT"),
        cell_fill_color=(240, 240, 240),
        cell_fill_mode=TableCellFillMode.ROWS,
        repeat_headings=1,
        line_height=5,
    ) as table:
        table.row(COLUMNS)
        for e in sheet.entries:
            table.row((format_date(e.day), e.reference, str(e.case_id or ""), e.text, e.debit, e.credit,
                       format_number(e.amount), e.source))  # fmt: skip
    pdf.set_font(pdf.family, "", 10)
    pdf.ln(2)
    pdf.cell(0, 6, f"Endbestand: {format_number(sheet.closing)} EUR (Forderung der Praxis an 1159 Finance)",
             new_x="LMARGIN", new_y="NEXT")  # fmt: skip
    _payouts(pdf, sheet.payouts)
    _heading(pdf, 2 + 6 + 5 * min(3, len(sheet.reconciliation)))
    pdf.set_font(pdf.family, "B", 10)
    pdf.cell(0, 6, "Abgleich: Aufzeichnungen, Abrechnung von 1159 Finance, Kontoauszug", new_x="LMARGIN",
             new_y="NEXT")  # fmt: skip
    pdf.set_font(pdf.family, "", 9)
    for line in sheet.reconciliation:
        pdf.multi_cell(0, 5, line, new_x="LMARGIN", new_y="NEXT")


def _day(value: date | None) -> str:
    return format_date(value) if value else ""


def _heading(pdf: UnicodePdf, keep: float) -> None:
    """Room for a heading and the first lines under it, else a new page: no heading alone at the foot."""
    if pdf.will_page_break(keep):
        pdf.add_page()
    else:
        pdf.ln(2)


def _payouts(pdf: UnicodePdf, lines: list[PayoutLine]) -> None:
    _heading(pdf, 2 + 6 + 5 * min(3, len(lines) + 1))
    pdf.set_font(pdf.family, "B", 10)
    pdf.cell(0, 6, "Auszahlungen von 1159 Finance", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(pdf.family, "", 8)
    if not lines:
        pdf.cell(0, 5, "Keine Auszahlungen in diesem Monat.", new_x="LMARGIN", new_y="NEXT")
        return
    with pdf.table(
        col_widths=(34, 24, 34, 24, 24, 95),
        text_align=("LEFT", "RIGHT", "LEFT", "RIGHT", "LEFT", "LEFT"),
        cell_fill_color=(240, 240, 240),
        cell_fill_mode=TableCellFillMode.ROWS,
        line_height=5,
        width=235,
        align="LEFT",
    ) as table:
        table.row(PAYOUT_COLUMNS)
        for x in lines:
            listed, bank = x.listed, x.bank
            table.row((
                _day(listed.paid_on if listed else None), format_number(listed.amount) if listed else "",
                _day(bank.booked_on if bank else None), format_number(bank.amount) if bank else "",
                _day(x.booked_on), STATUS_LABEL[x.status],
            ))  # fmt: skip
