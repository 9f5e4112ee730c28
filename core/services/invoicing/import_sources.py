"""Opening an import file: what kind it is (CSV in one of four encodings, or Excel), and its rows
as lists of text cells with their line numbers, streamed.

Anything else (a PDF, a zip that is no workbook, random bytes) is refused with one sentence.
"""

from __future__ import annotations

import codecs
import csv
import zipfile
from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from core.domain.errors import InvalidInput

__all__ = ["FIELD_LIMIT", "Rows", "UNREADABLE", "cell_text", "detect_encoding", "open_rows"]

# (line number, cells) or, for a line that cannot be read at all, (line number, German reason)
Rows = Iterator[tuple[int, list[str] | str]]
UNREADABLE = "Zeichen weder in UTF-8 noch in Windows-1252 lesbar"
_WHAT = "Bitte den Export als CSV (UTF-8, UTF-16 oder Windows-1252) oder als Excel-Datei (.xlsx) speichern."
_SIGNATURES = {
    b"%PDF": "ein PDF-Dokument",
    b"\xd0\xcf\x11\xe0": "eine Datei im alten Excel-Format (.xls)",
    b"\x89PNG": "ein Bild",
    b"\xff\xd8\xff": "ein Bild",
    b"\x1f\x8b": "ein gepacktes Archiv (gzip)",
}
# Bytes that no CSV text holds: C0 controls other than tab and line breaks, and the five bytes
# Windows-1252 leaves undefined. A few may be bad cells (refused by row); many mean "not text".
_NOT_TEXT = frozenset([*range(0, 9), 11, 12, *range(14, 32), 0x81, 0x8D, 0x8F, 0x90, 0x9D])
_SAMPLE = 1 << 16
# csv's own limit is 128 KB per field: raised so that a 250 KB cell is refused by the cell checks
# naming its column; beyond this, the line is refused as a whole and reading goes on.
FIELD_LIMIT = 1 << 20


def open_rows(path: Path, *, delimiter: str = ";", encoding: str | None = None) -> Rows:
    """The file's rows (header first) as (line number, cells)."""
    try:
        with path.open("rb") as handle:
            head = handle.read(_SAMPLE)
    except FileNotFoundError:
        raise InvalidInput(f"Die Datei {path} gibt es nicht. Bitte den Pfad prüfen.") from None
    except OSError:
        raise InvalidInput(f"Die Datei {path} ist nicht lesbar. Bitte Pfad und Rechte prüfen.") from None
    if head.startswith(b"PK\x03\x04"):
        from core.services.invoicing.import_xlsx import xlsx_rows  # openpyxl only when needed

        if not _is_workbook(path):
            raise InvalidInput(f"„{path.name}“ ist ein ZIP-Archiv, aber keine Excel-Arbeitsmappe. {_WHAT}")
        return xlsx_rows(path)
    for signature, what in _SIGNATURES.items():
        if head.startswith(signature):
            raise InvalidInput(f"„{path.name}“ ist {what}, keine Rechnungsliste. {_WHAT}")
    chosen = encoding or detect_encoding(path, head)
    return _csv_rows(path, chosen, delimiter)


def detect_encoding(path: Path, head: bytes) -> str:
    """UTF-16 or UTF-8 by their byte order mark; else UTF-8 if the whole file decodes as such
    (checked over all bytes: a Windows-1252 umlaut may come late), else Windows-1252."""
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head and sum(byte in _NOT_TEXT for byte in head) > max(len(head) // 50, 8):
        raise InvalidInput(f"„{path.name}“ ist keine Textdatei und keine Excel-Datei. {_WHAT}")
    decoder = codecs.getincrementaldecoder("utf-8")()
    with path.open("rb") as handle:
        try:
            while chunk := handle.read(1 << 20):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return "cp1252"
    return "utf-8-sig"


def _is_workbook(path: Path) -> bool:
    try:
        with zipfile.ZipFile(path) as archive:
            return "xl/workbook.xml" in archive.namelist()
    except zipfile.BadZipFile:
        return False


def _csv_rows(path: Path, encoding: str, delimiter: str) -> Rows:
    if csv.field_size_limit() < FIELD_LIMIT:
        csv.field_size_limit(FIELD_LIMIT)
    with path.open(encoding=encoding, newline="") as handle:
        reader = csv.reader(handle, delimiter=delimiter)
        while True:
            try:
                values = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                too_long = "field larger than field limit" in str(exc)
                yield (
                    reader.line_num,
                    (
                        "In der Zeile ist eine Zelle länger als 1 MB"
                        if too_long
                        else f"Zeile ist kein gültiges CSV ({exc})"
                    ),
                )
                continue
            except UnicodeDecodeError:
                yield reader.line_num + 1, UNREADABLE
                return
            yield reader.line_num, values


def cell_text(value: object) -> str:
    """A spreadsheet cell as text the product reads whatever the profile's separators: dates
    TT.MM.JJJJ, numbers with a decimal point and no grouping (`1234.56`, which every profile's
    amount rewriting leaves meaning the same), whole numbers without `.0`."""
    if value is None:
        return ""
    if isinstance(value, datetime | date):
        return value.strftime("%d.%m.%Y")
    if isinstance(value, bool):
        return "ja" if value else "nein"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        # Decimal from the float's shortest text, not its binary value: 120.1 stays 120.1.
        number = Decimal(repr(value))
        if number == number.to_integral_value():
            return str(int(number))
        text = format(number, "f")
        # `10.005` would read as ambiguous (ten thousand five?); a typed number is not, so its
        # third decimal is shown as such and refused as one too many.
        return text + "0" if number.as_tuple().exponent == -3 else text
    return str(value)
