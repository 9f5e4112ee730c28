"""A bank's CSV export, read through a small TOML profile naming its columns and formats.

    [spalten]                      # Feld des Produkts = Spalte in der Datei
    Buchungstag = "Buchungstag"
    Betrag = "Betrag"              # mit Vorzeichen: negativ ist eine Abbuchung
    Name = "Beguenstigter/Zahlungspflichtiger"
    [format]                       # wie beim Rechnungsimport (invoicing/import_profile.py)
    datum = "TT.MM.JJJJ"
    dezimalzeichen = ","

Without a profile the column names of the common German "CSV-CAMT" export apply. Lines
before the header (account, period) are skipped; the header is the first line naming the
booking-day and amount columns.
"""

from __future__ import annotations

import csv
import io
import tomllib
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from core.domain.bank import BankFileRefused, BankStatement, BankTransaction
from core.services.invoicing.import_profile import DATE_STYLES, ENCODINGS

__all__ = ["DEFAULT_COLUMNS", "FIELDS", "BankCsvProfile", "parse_bank_csv", "parse_bank_profile"]

FIELDS = ("Buchungstag", "Valuta", "Betrag", "Waehrung", "Name", "IBAN", "Verwendungszweck", "Referenz")
DEFAULT_COLUMNS = {
    "Buchungstag": "Buchungstag",
    "Valuta": "Valutadatum",
    "Betrag": "Betrag",
    "Waehrung": "Waehrung",
    "Name": "Beguenstigter/Zahlungspflichtiger",
    "IBAN": "Kontonummer/IBAN",
    "Verwendungszweck": "Verwendungszweck",
}
_DATE_FORMATS = {"TT.MM.JJJJ": "%d.%m.%Y", "TT.MM.JJ": "%d.%m.%y"}


@dataclass(frozen=True)
class BankCsvProfile:
    columns: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_COLUMNS))
    date_style: str = "TT.MM.JJJJ"
    decimal: str = ","
    thousands: str = "."
    delimiter: str = ";"
    encoding: str | None = None  # None: UTF-8, else Windows-1252


def parse_bank_profile(text: str, *, name: str) -> BankCsvProfile:
    """A bank CSV profile from TOML; every mistake refused in German, naming it."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise BankFileRefused(f"Das Profil {name} ist kein gültiges TOML ({exc}).") from None
    columns = {**DEFAULT_COLUMNS, **data.get("spalten", {})}
    unknown = sorted(set(columns) - set(FIELDS))
    if unknown or not all(isinstance(v, str) for v in columns.values()):
        raise BankFileRefused(
            f"Das Profil {name} nennt unbekannte Felder: {', '.join(unknown) or '–'}. "
            f'Bekannt sind: {", ".join(FIELDS)} (als Name = "Spalte in der Datei").'
        )
    fmt = data.get("format", {})
    choices = {
        "datum": DATE_STYLES,
        "dezimalzeichen": (",", "."),
        "tausendertrennzeichen": (".", ",", "", " ", "'"),
        "trennzeichen": (";", ",", "\t", "|"),
        "zeichensatz": tuple(ENCODINGS),
    }
    for key, allowed in choices.items():
        if key in fmt and fmt[key] not in allowed:
            shown = ", ".join(repr(a) for a in allowed)
            raise BankFileRefused(
                f"Das Profil {name}: „{key}“ = {fmt[key]!r} geht nicht; erlaubt ist {shown}."
            )
    return BankCsvProfile(
        columns={k: v for k, v in columns.items() if v},
        date_style=fmt.get("datum", "TT.MM.JJJJ"),
        decimal=fmt.get("dezimalzeichen", ","),
        thousands=fmt.get("tausendertrennzeichen", "."),
        delimiter=fmt.get("trennzeichen", ";"),
        encoding=ENCODINGS[fmt.get("zeichensatz", "auto")],
    )


def _decode(data: bytes, encoding: str | None) -> str:
    if encoding:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            raise BankFileRefused(f"Die CSV-Datei ist nicht im Zeichensatz {encoding} gespeichert.") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def parse_bank_csv(data: bytes, profile: BankCsvProfile | None = None) -> BankStatement:
    """Every row of the export; BankFileRefused naming each unreadable line."""
    profile = profile or BankCsvProfile()
    rows = list(
        csv.reader(io.StringIO(_decode(data, profile.encoding), newline=""), delimiter=profile.delimiter)
    )
    needed = (profile.columns.get("Buchungstag", ""), profile.columns.get("Betrag", ""))
    header_at = next(
        (i for i, r in enumerate(rows[:30]) if all(n and n in [c.strip() for c in r] for n in needed)), None
    )
    if header_at is None:
        raise BankFileRefused(
            f"Die CSV-Datei hat keine Kopfzeile mit den Spalten „{needed[0]}“ und „{needed[1]}“. "
            "Bitte mit --profile angeben, wie die Spalten dieser Bank heißen."
        )
    header = [c.strip() for c in rows[header_at]]
    index = {name: header.index(col) for name, col in profile.columns.items() if col in header}
    out, problems = [], []
    for number, row in enumerate(rows[header_at + 1 :], start=header_at + 2):
        if not any(c.strip() for c in row):
            continue
        try:
            out.append(_transaction(row, index, profile))
        except (ValueError, InvalidOperation, IndexError):
            problems.append(
                f"Zeile {number}: Datum oder Betrag nicht lesbar ({profile.date_style}, Betrag wie 1.234,56)."
            )
    if problems:
        raise BankFileRefused("Die CSV-Datei wurde nicht eingelesen:\n" + "\n".join(problems[:20]))
    return BankStatement(format="CSV", transactions=tuple(out))


def _day(text: str, style: str) -> date:
    text = text.strip()
    if style == "ISO":
        return date.fromisoformat(text)
    return datetime.strptime(text, _DATE_FORMATS[style]).date()


def _transaction(row: list[str], index: dict[str, int], profile: BankCsvProfile) -> BankTransaction:
    def cell(name: str) -> str:
        return " ".join(row[index[name]].split()) if name in index else ""

    raw = cell("Betrag").replace(" ", "")
    raw = raw.replace(profile.thousands, "") if profile.thousands else raw
    amount = Decimal(raw.replace(profile.decimal, "."))
    if not amount.is_finite():
        raise ValueError(raw)
    value_on = cell("Valuta")
    return BankTransaction(
        booked_on=_day(cell("Buchungstag"), profile.date_style),
        value_on=_day(value_on, profile.date_style) if value_on else None,
        amount=abs(amount).quantize(Decimal("0.01")),
        currency=(cell("Waehrung") or "EUR").upper(),
        credit=amount > 0,
        payer=cell("Name"),
        iban=cell("IBAN").replace(" ", ""),
        remittance=cell("Verwendungszweck"),
        bank_reference=cell("Referenz"),
    )
