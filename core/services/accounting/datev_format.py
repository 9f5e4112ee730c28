"""The DATEV-Format "EXTF" Buchungsstapel (header version 700, category 21, format version 13).

Facts taken from the published field list (sources in docs/books.md): the 31 header fields, the
125 columns of a booking row in their order, and the value rules we rely on:
- Belegfeld 1: letters, digits and `$&%*+-/`, at most 36 characters;
- Belegfeld 2: at most 12 characters; Buchungstext: at most 60;
- Sachkontenrahmen (header field 27): two digits, "03" for SKR03, "04" for SKR04;
- the file is Windows-1252 (DATEV's default without a byte-order mark), `;`-separated, CRLF.
Here: the column list and the cleaners that make a value valid. datev.py fills them.
"""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal

from core.services.accounting.cells import neutralise

__all__ = [
    "CHART_CODE",
    "COLUMN",
    "COLUMNS",
    "HEADER_FIELDS",
    "amount",
    "belegfeld",
    "cut",
    "one_line",
    "text_cell",
    "to_cp1252",
]

HEADER_FIELDS = 31
_BELEGINFO = [f"Beleginfo - {part} {n}" for n in range(1, 9) for part in ("Art", "Inhalt")]
_ZUSATZ = [f"Zusatzinformation - {part} {n}" for n in range(1, 21) for part in ("Art", "Inhalt")]
COLUMNS: tuple[str, ...] = (
    "Umsatz (ohne Soll/Haben-Kz)", "Soll/Haben-Kennzeichen", "WKZ Umsatz", "Kurs", "Basis-Umsatz",
    "WKZ Basis-Umsatz", "Konto", "Gegenkonto (ohne BU-Schlüssel)", "BU-Schlüssel", "Belegdatum",
    "Belegfeld 1", "Belegfeld 2", "Skonto", "Buchungstext", "Postensperre", "Diverse Adressnummer",
    "Geschäftspartnerbank", "Sachverhalt", "Zinssperre", "Beleglink", *_BELEGINFO,
    "KOST1 - Kostenstelle", "KOST2 - Kostenstelle", "Kost-Menge", "EU-Land u. UStID (Bestimmung)",
    "EU-Steuersatz (Bestimmung)", "Abw. Versteuerungsart", "Sachverhalt L+L", "Funktionsergänzung L+L",
    "BU 49 Hauptfunktionstyp", "BU 49 Hauptfunktionsnummer", "BU 49 Funktionsergänzung", *_ZUSATZ,
    "Stück", "Gewicht", "Zahlweise", "Forderungsart", "Veranlagungsjahr", "Zugeordnete Fälligkeit",
    "Skontotyp", "Auftragsnummer", "Buchungstyp", "USt-Schlüssel (Anzahlungen)", "EU-Land (Anzahlungen)",
    "Sachverhalt L+L (Anzahlungen)", "EU-Steuersatz (Anzahlungen)", "Erlöskonto (Anzahlungen)",
    "Herkunft-Kz", "Buchungs GUID", "KOST-Datum", "SEPA-Mandatsreferenz", "Skontosperre",
    "Gesellschaftername", "Beteiligtennummer", "Identifikationsnummer", "Zeichnernummer",
    "Postensperre bis", "Bezeichnung SoBil-Sachverhalt", "Kennzeichen SoBil-Buchung", "Festschreibung",
    "Leistungsdatum", "Datum Zuord. Steuerperiode", "Fälligkeit", "Generalumkehr (GU)", "Steuersatz",
    "Land", "Abrechnungsreferenz", "BVV-Position", "EU-Land u. UStID (Ursprung)",
    "EU-Steuersatz (Ursprung)", "Abw. Skontokonto",
)  # fmt: skip
assert len(COLUMNS) == 125
COLUMN = {name: i for i, name in enumerate(COLUMNS)}

CHART_CODE = {"SKR03": "03", "SKR04": "04"}
BELEG1_MAX, BELEG2_MAX, TEXT_MAX, INFO_KIND_MAX, INFO_MAX = 36, 12, 60, 20, 210
_NOT_BELEG = re.compile(r"[^A-Za-z0-9$&%*+\-/]")
# Letters NFKD does not take apart (no combining mark to drop)
_SPELLED = str.maketrans({"ł": "l", "Ł": "L", "đ": "d", "Đ": "D", "ı": "i", "ħ": "h", "Ħ": "H"})


def to_cp1252(text: str) -> str:
    """Text Windows-1252 can hold: "Doğan" → "Dogan", "Łódź" → "Lodz", what is left → "?"."""
    out = []
    for char in text.translate(_SPELLED):
        if _fits(char):
            out.append(char)
            continue
        plain = "".join(
            c for c in unicodedata.normalize("NFKD", char) if _fits(c) and not unicodedata.combining(c)
        )
        out.append(plain or "?")
    return "".join(out)


def _fits(char: str) -> bool:
    try:
        char.encode("cp1252")
    except UnicodeEncodeError:
        return False
    return True


def one_line(text: str) -> str:
    return " ".join(text.split())


def belegfeld(raw: str, limit: int) -> str:
    """A valid Belegfeld: only DATEV's characters, no leading sign (a spreadsheet formula), the
    last `limit` characters (invoice numbers differ at the end)."""
    cleaned = _NOT_BELEG.sub("", to_cp1252(raw)).lstrip("+-")
    return cleaned[-limit:]


def cut(text: str, limit: int) -> str:
    text = one_line(to_cp1252(text))
    return text if len(text) <= limit else text[: limit - 1] + "…"


def amount(value: Decimal) -> str:
    """`1234,56`: decimal comma, no thousands separator, never negative (the side says S or H)."""
    return f"{abs(value):.2f}".replace(".", ",")


def text_cell(value: str) -> str:
    """A quoted text field, spreadsheet-safe; empty stays empty."""
    if not value:
        return ""
    return '"' + neutralise(to_cp1252(value)).replace('"', '""') + '"'
