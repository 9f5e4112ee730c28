"""Read 1159 Finance's monthly statement: the CSV (docs/agency-formats.md) and the PDF's text.

The CSV is read whole or not at all: every bad row is named (line number and German reason) in
one `StatementRefused`. Amounts are Decimal, never float.
"""

from __future__ import annotations

import csv
import io
import re
import warnings
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from core.domain.dates import parse_date
from core.domain.errors import InvalidInput
from core.domain.money import parse_amount

__all__ = [
    "BOOKING_KINDS",
    "PAYOUT",
    "StatementRefused",
    "StatementRow",
    "StatementRows",
    "parse_statement_csv",
    "pdf_text",
]

COLUMNS = {
    "case_id": "Fall-Nr",
    "reference": "Rechnungsnummer",
    "booked_on": "Buchungsdatum",
    "kind": "Buchungsart",
    "amount": "Betrag",
}
# Buchungsart as the agency writes it → our name for it
BOOKING_KINDS = {
    "Zahlung Schuldner": "debtor_payment",
    "Zahlung Gläubiger": "creditor_payment",
    "Inkassokosten": "collection_fee",
    "Auslagen": "expenses",
    "Mahngebühr": "reminder_fee",
    "Zinsen": "interest",
    "Fallgebühr": "case_fee",
    # money the agency paid out to the practice: no case, no invoice; checked against the bank
    "Auszahlung": "payout",
}
PAYOUT = "payout"
_AMOUNT = re.compile(r"^(?:\d{1,3}(?:\.\d{3})+|\d+)(?:,\d{1,2})?$")
_DATE = re.compile(r"^(\d{2})\.(\d{2})\.(\d{4})$")


class StatementRefused(InvalidInput):
    """The statement CSV could not be read; `problems` lists (line number, German reason)."""

    def __init__(self, problems: list[tuple[int, str]]) -> None:
        lines = [f"Zeile {line}: {reason}" for line, reason in problems]
        text = "Die Monatsabrechnung (CSV) konnte nicht gelesen werden:\n" + "\n".join(lines[:50])
        if len(lines) > 50:
            text += f"\n… und {len(lines) - 50} weitere Fehler."
        super().__init__(text, f"statement CSV refused with {len(problems)} problems")
        self.problems = problems


@dataclass(frozen=True)
class StatementRow:
    case_id: str
    reference: str
    booked_on: date
    kind: str  # one of BOOKING_KINDS' values
    amount: Decimal
    line: int


@dataclass(frozen=True)
class StatementRows:
    rows: tuple[StatementRow, ...]
    encoding: str

    def total(self, kind: str) -> Decimal:
        return sum((r.amount for r in self.rows if r.kind == kind), Decimal("0.00"))


def _decode(data: bytes) -> tuple[str, str]:
    if b"\x00" in data:
        raise StatementRefused([(1, "Die Datei ist keine Textdatei (CSV).")])
    if data.startswith(b"\xef\xbb\xbf"):
        try:
            return data[3:].decode("utf-8"), "utf-8-sig"
        except UnicodeDecodeError as exc:
            raise StatementRefused([(1, "Die Datei ist nicht gültig UTF-8-kodiert.")]) from exc
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError as exc:
        raise StatementRefused([(1, "Die Zeichenkodierung ist weder UTF-8 noch Windows-1252.")]) from exc


def _amount(text: str) -> Decimal | str:
    # The agency writes decimal commas only; a dotted 12.50 means its format changed: refuse it.
    text = text.strip()
    if text and not text.startswith("-") and not _AMOUNT.match(text):
        return f"Betrag „{text}“ ist nicht im Format 1.234,56."
    try:
        return parse_amount(text)
    except InvalidInput as exc:
        return exc.user_message


def _date(text: str) -> date | str:
    if text.strip() and not _DATE.match(text.strip()):
        return f"Buchungsdatum „{text}“ ist nicht im Format TT.MM.JJJJ."
    try:
        return parse_date(text, field="Buchungsdatum")
    except InvalidInput as exc:
        return exc.user_message


def _header(fields: list[str]) -> dict[str, int] | str:
    names = [f.strip() for f in fields]
    if len(names) == 1 and ("," in names[0] or "\t" in names[0]):
        return "Die Spalten sind nicht durch Semikolon (;) getrennt."
    missing = [col for col in COLUMNS.values() if col not in names]
    if missing:
        return "Kopfzeile unvollständig, es fehlt: " + ", ".join(missing) + "."
    return {key: names.index(col) for key, col in COLUMNS.items()}


def _row(fields: list[str], index: dict[str, int], line: int) -> StatementRow | list[str]:
    if len(fields) < len(COLUMNS) or max(index.values()) >= len(fields):
        return [f"{len(fields)} Spalten statt {len(COLUMNS)}."]
    value = {key: fields[i].strip() for key, i in index.items()}
    problems: list[str] = []
    kind = BOOKING_KINDS.get(value["kind"])
    if not value["case_id"] and kind != PAYOUT:
        problems.append("Fall-Nr fehlt.")
    if not value["reference"] and kind != PAYOUT:
        problems.append("Rechnungsnummer fehlt.")
    booked = _date(value["booked_on"])
    amount = _amount(value["amount"])
    if kind is None:
        problems.append(f"Buchungsart „{value['kind']}“ ist unbekannt.")
    problems += [p for p in (booked, amount) if isinstance(p, str)]
    if problems or kind is None or isinstance(booked, str) or isinstance(amount, str):
        return problems
    return StatementRow(value["case_id"], value["reference"], booked, kind, amount, line)


def parse_statement_csv(data: bytes) -> StatementRows:
    """Parse the statement CSV; raises StatementRefused listing every bad row."""
    text, encoding = _decode(data)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=";")
    problems: list[tuple[int, str]] = []
    rows: list[StatementRow] = []
    index: dict[str, int] | None = None
    try:
        for fields in reader:
            line = reader.line_num
            if not any(f.strip() for f in fields):
                continue
            if index is None:
                header = _header(fields)
                if isinstance(header, str):
                    raise StatementRefused([(line, header)])
                index = header
                continue
            result = _row(fields, index, line)
            if isinstance(result, StatementRow):
                rows.append(result)
            else:
                problems += [(line, reason) for reason in result]
    except csv.Error as exc:
        problems.append((reader.line_num, f"Die Zeile ist kein gültiges CSV ({exc})."))
    if index is None:
        raise StatementRefused([(1, "Die Datei ist leer; die Kopfzeile fehlt.")])
    if problems:
        raise StatementRefused(problems)
    return StatementRows(rows=tuple(rows), encoding=encoding)


def pdf_text(data: bytes, *, max_pages: int = 50) -> str | None:
    """The text of a PDF (its first `max_pages` pages joined by blank lines), or None if unreadable."""
    try:
        from pypdf import PdfReader

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            reader = PdfReader(io.BytesIO(data), strict=False)
            pages = [page.extract_text() or "" for page in reader.pages[:max_pages]]
    except Exception:  # noqa: BLE001 - pypdf raises many kinds of errors on broken files
        return None
    return "\n\n".join(p.strip() for p in pages).strip()
