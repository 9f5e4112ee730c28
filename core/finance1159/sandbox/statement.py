"""The monthly statement of the sandbox agency: rows from its books, as CSV and PDF (agency-formats.md)."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from fpdf import FPDF

from core.finance1159 import wire
from core.finance1159.sandbox.runtime import Runtime

__all__ = [
    "Booking",
    "CASE_FEE_KIND",
    "CSV_HEADER",
    "KIND_BY_FEE",
    "KIND_BY_SOURCE",
    "bookings",
    "german_amount",
    "month_bounds",
    "to_csv",
    "to_pdf",
]

CSV_HEADER = ("Fall-Nr", "Rechnungsnummer", "Buchungsdatum", "Buchungsart", "Betrag")
KIND_BY_SOURCE = {
    wire.PaymentSource.AGENCY: "Zahlung Schuldner",
    wire.PaymentSource.CREDITOR: "Zahlung Gläubiger",
}
KIND_BY_FEE = {
    wire.FeeType.COLLECTION_FEE: "Inkassokosten",
    wire.FeeType.EXPENSES: "Auslagen",
    wire.FeeType.REMINDER_FEE: "Mahngebühr",
    wire.FeeType.INTEREST: "Zinsen",
}
CASE_FEE_KIND = "Fallgebühr"


@dataclass(frozen=True)
class Booking:
    case_id: int
    reference: str
    day: date
    kind: str
    amount: Decimal


def month_bounds(month: str) -> tuple[date, date]:
    """`2026-10` → (1 Oct, 1 Nov); raises ValueError for anything else."""
    year, mon = (int(part) for part in month.split("-"))
    start = date(year, mon, 1)
    return start, date(year + mon // 12, mon % 12 + 1, 1)


def bookings(runtime: Runtime, month: str) -> list[Booking]:
    start, end = month_bounds(month)
    span = (start.isoformat(), end.isoformat())
    q = runtime.store.query
    rows: list[Booking] = [
        Booking(
            r["case_id"],
            r["reference"],
            date.fromisoformat(r["date"]),
            KIND_BY_SOURCE[r["source"]],
            Decimal(r["amount"]),
        )
        for r in q(
            "SELECT p.case_id, p.date, p.source, p.amount, c.reference"
            " FROM payments p JOIN cases c USING (case_id)"
            " WHERE p.date >= ? AND p.date < ?",
            span,
        )
    ]
    rows += [
        Booking(
            r["case_id"],
            r["reference"],
            date.fromisoformat(r["date"]),
            KIND_BY_FEE[r["type"]],
            Decimal(r["amount"]),
        )
        for r in q(
            "SELECT f.case_id, f.date, f.type, f.amount, c.reference FROM fees f JOIN cases c USING (case_id)"
            " WHERE f.date >= ? AND f.date < ?",
            span,
        )
    ]
    rows += _case_fees(runtime, start, end)
    return sorted(rows, key=lambda b: (b.case_id, b.day, b.kind))


def _case_fees(runtime: Runtime, start: date, end: date) -> list[Booking]:
    fee = runtime.config.case_fee
    if fee is None:
        return []
    contract_start = runtime.store.get_meta("contract_start")
    free_until = (
        _add_months(date.fromisoformat(contract_start), runtime.config.free_months)
        if contract_start
        else None
    )
    result = []
    for r in runtime.store.query("SELECT case_id, reference, created_at FROM cases"):
        created = date.fromisoformat(r["created_at"][:10])
        if start <= created < end and (free_until is None or created >= free_until):
            result.append(Booking(r["case_id"], r["reference"], created, CASE_FEE_KIND, fee))
    return result


def _add_months(day: date, months: int) -> date:
    index = day.month - 1 + months
    return date(day.year + index // 12, index % 12 + 1, min(day.day, 28))


def german_amount(value: Decimal) -> str:
    return f"{value.quantize(wire.CENT):f}".replace(".", ",")


def to_csv(rows: list[Booking]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\n")
    writer.writerow(CSV_HEADER)
    for b in rows:
        writer.writerow((b.case_id, b.reference, b.day.strftime("%d.%m.%Y"), b.kind, german_amount(b.amount)))
    return out.getvalue().encode("utf-8-sig")


def to_pdf(rows: list[Booking], month: str, client_id: str) -> bytes:
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 14)
    year, mon = month.split("-")
    pdf.cell(0, 10, f"1159 Finance GmbH - Monatsabrechnung {mon}/{year}", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", size=10)
    pdf.cell(0, 8, f"Mandant: {client_id}", new_x="LMARGIN", new_y="NEXT")
    widths = (20, 45, 30, 50, 35)
    for cells, bold in [(CSV_HEADER, True)] + [
        (
            (
                str(b.case_id),
                b.reference,
                b.day.strftime("%d.%m.%Y"),
                b.kind,
                german_amount(b.amount) + " EUR",
            ),
            False,
        )
        for b in rows
    ]:
        pdf.set_font("Helvetica", "B" if bold else "", 9)
        for width, cell in zip(widths, cells, strict=True):
            pdf.cell(w=width, h=6, text=cell, border=1)  # core fonts are Latin-1: umlauts yes, no euro sign
        pdf.ln()
    if not rows:
        pdf.cell(0, 8, "Keine Buchungen in diesem Monat.", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
