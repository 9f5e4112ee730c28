"""The month's journal as a DATEV booking batch (DATEV-Format "EXTF", Buchungsstapel).

Line 1, the header ("Verwaltungssatz", 31 fields), as written here:
   1 Kennzeichen "EXTF"            2 Versionsnummer 700          3 Formatkategorie 21 (Buchungsstapel)
   4 Formatname "Buchungsstapel"   5 Formatversion 13            6 Erzeugt am JJJJMMTTHHMMSSFFF (Berlin)
   7 Importiert (empty)            8 Herkunft "PI"               9 Exportiert von "Praxis-Inkasso"
  10 Importiert von (empty)       11 Beraternummer              12 Mandantennummer
  13 WJ-Beginn JJJJMMTT (from the book's fiscal-year start)     14 Sachkontenlänge
  15 Datum vom JJJJMMTT (1st of the month)                      16 Datum bis JJJJMMTT (last day)
  17 Bezeichnung "Inkasso MM/JJJJ"                              18 Diktatkürzel (empty)
  19 Buchungstyp 1 (Finanzbuchführung)                          20 Rechnungslegungszweck 0
  21 Festschreibung: 1 once the month is closed, else 0 (the tax advisor reviews first)
  22 WKZ "EUR"                    23–26 (empty; 24 is Derivatskennzeichen)
  27 Sachkontenrahmen "03"/"04"   28 ID der Branchenlösung (empty)  29, 30 (empty)
  31 Anwendungsinformation (empty)
Line 2: the 125 column names (datev_format.COLUMNS). Lines 3…: one journal entry each, all 125
columns, filled: Umsatz, Soll/Haben-Kennzeichen, WKZ, Konto, Gegenkonto, Belegdatum (TTMM, Berlin
day), Belegfeld 1 (invoice number, made valid), Belegfeld 2 (case number), Buchungstext (with the
invoice number as written), Beleginfo 1–3 (invoice number, case, source) and Festschreibung.
"""

from __future__ import annotations

from datetime import date, datetime

from core.domain.dates import local_zone, utcnow
from core.services.accounting import datev_format as fmt
from core.services.accounting.journal import Book, Entry
from core.services.accounting.ledger import Period

__all__ = ["booking_text", "filename", "fiscal_year_start", "header", "row", "to_extf"]


def fiscal_year_start(book: Book, day: date) -> date:
    """The first day of the fiscal year `day` falls in."""
    start = book.fiscal_year_start
    return date(day.year if day.month >= start else day.year - 1, start, 1)


def header(book: Book, span: Period, *, created: datetime, locked: bool) -> list[str]:
    local = created.astimezone(local_zone())
    stamp = local.strftime("%Y%m%d%H%M%S") + f"{local.microsecond // 1000:03d}"
    last = date.fromordinal(span.end.toordinal() - 1)
    length = max(len(n) for n in book.numbers())
    text = fmt.text_cell
    fields = [
        text("EXTF"), "700", "21", text("Buchungsstapel"), "13", stamp, "",
        text("PI"), text("Praxis-Inkasso"), "",
        book.consultant, book.client, fiscal_year_start(book, span.start).strftime("%Y%m%d"), str(length),
        span.start.strftime("%Y%m%d"), last.strftime("%Y%m%d"), text(f"Inkasso {span.label}"), "", "1", "0",
        "1" if locked else "0", text("EUR"), "", "", "", "", text(fmt.CHART_CODE[book.chart]), "", "", "", "",
    ]  # fmt: skip
    assert len(fields) == fmt.HEADER_FIELDS
    return fields


def booking_text(entry: Entry) -> str:
    """What happened and the invoice number exactly as written (Belegfeld 1 may be cleaned)."""
    reference = fmt.one_line(fmt.to_cp1252(entry.reference))
    if not reference:  # a payout belongs to no invoice
        return fmt.cut(entry.text, fmt.TEXT_MAX)
    room = fmt.TEXT_MAX - len(reference) - 1
    if room < 10:
        return fmt.cut(reference, fmt.TEXT_MAX)
    return f"{fmt.cut(entry.text, room)} {reference}"


def row(entry: Entry, *, locked: bool) -> list[str]:
    cells = [""] * len(fmt.COLUMNS)
    text = fmt.text_cell
    at = fmt.COLUMN
    cells[at["Umsatz (ohne Soll/Haben-Kz)"]] = fmt.amount(entry.amount)
    cells[at["Soll/Haben-Kennzeichen"]] = text("S" if entry.amount > 0 else "H")
    cells[at["WKZ Umsatz"]] = text("EUR")
    cells[at["Konto"]] = entry.debit
    cells[at["Gegenkonto (ohne BU-Schlüssel)"]] = entry.credit
    cells[at["Belegdatum"]] = entry.day.strftime("%d%m")
    cells[at["Belegfeld 1"]] = text(fmt.belegfeld(entry.reference, fmt.BELEG1_MAX))
    cells[at["Belegfeld 2"]] = text(fmt.belegfeld(str(entry.case_id or ""), fmt.BELEG2_MAX))
    cells[at["Buchungstext"]] = text(booking_text(entry))
    infos = (("Rechnungsnummer", entry.reference), ("Fall 1159 Finance", str(entry.case_id or "")),
             ("Grundlage", entry.source))  # fmt: skip
    for n, (kind, content) in enumerate((i for i in infos if i[1]), start=1):
        cells[at[f"Beleginfo - Art {n}"]] = text(kind)
        cells[at[f"Beleginfo - Inhalt {n}"]] = text(fmt.cut(content, fmt.INFO_MAX))
    # Empty would mean "locked" to DATEV since 2016/2017: always say it.
    cells[at["Festschreibung"]] = "1" if locked else "0"
    return cells


def to_extf(
    book: Book, span: Period, entries: list[Entry], *, created: datetime | None = None, locked: bool = False
) -> bytes:
    """The EXTF file for the month's entries (Windows-1252 bytes, CRLF)."""
    lines = [header(book, span, created=created or utcnow(), locked=locked), list(fmt.COLUMNS)]
    lines += [row(e, locked=locked) for e in entries if e.amount != 0]
    return ("\r\n".join(";".join(cells) for cells in lines) + "\r\n").encode("cp1252")


def filename(span: Period) -> str:
    return f"EXTF_Buchungsstapel_Inkasso_{span.month}.csv"
