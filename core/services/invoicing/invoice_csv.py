"""Reading the practice software's export: encoding, header, column mapping, every row validated."""

from __future__ import annotations

import codecs
import csv
import json
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from core.domain.errors import ImportRefused, InvalidInput
from core.domain.invoice_rows import COLUMNS, REQUIRED, InvoiceRow, parse_row


def load_mapping(path: Path | None) -> dict[str, str]:
    """A mapping file renames the export's columns: JSON or TOML, `{"Export-Spalte": "Rechnungsnummer"}`."""
    if path is None:
        return {}
    try:
        text = path.read_text(encoding="utf-8")
        data = tomllib.loads(text) if path.suffix == ".toml" else json.loads(text)
    except (OSError, ValueError) as exc:
        raise InvalidInput(f"Die Zuordnungsdatei {path.name} ist nicht lesbar: {exc}") from None
    data = data.get("spalten", data)
    if not isinstance(data, dict) or not all(isinstance(v, str) for v in data.values()):
        raise InvalidInput('Zuordnungsdatei: bitte als {"Export-Spalte": "Rechnungsnummer", …} angeben.')
    unknown = sorted(set(data.values()) - set(COLUMNS))
    if unknown:
        raise InvalidInput(f"Zuordnungsdatei nennt unbekannte Zielspalten: {', '.join(unknown)}.")
    return data


def _encoding(path: Path) -> str:
    """UTF-8 (with or without BOM) if the whole file decodes as such, else Windows-1252.

    Checked over all bytes first: a Windows-1252 umlaut may appear only deep in the file, after
    rows were already handed on as UTF-8.
    """
    decoder = codecs.getincrementaldecoder("utf-8")()
    with path.open("rb") as handle:
        try:
            while chunk := handle.read(1 << 20):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return "cp1252"
    return "utf-8-sig"


def _lines(path: Path) -> Iterator[str]:
    """Stream the file as text in its encoding."""
    with path.open(encoding=_encoding(path), newline="") as handle:
        yield from handle


def read_rows(
    path: Path, mapping: dict[str, str], problems: list[tuple[int, str]]
) -> Iterator[tuple[int, InvoiceRow]]:
    """Check the header now; then stream the good rows (line, row), adding every bad one to `problems`.

    The caller refuses the file if `problems` is not empty once the rows are exhausted.
    """
    try:
        lines = _lines(path)
        reader = csv.reader(lines, delimiter=";")
        header = next(reader, None)
    except FileNotFoundError:
        raise InvalidInput(f"Die Datei {path} gibt es nicht. Bitte den Pfad prüfen.") from None
    except OSError:
        raise InvalidInput(f"Die Datei {path} ist nicht lesbar. Bitte Pfad und Rechte prüfen.") from None
    except UnicodeDecodeError:
        raise ImportRefused([(1, "Zeichen weder in UTF-8 noch in Windows-1252 lesbar")]) from None
    if header is None or not any(h.strip() for h in header):
        raise ImportRefused([(1, "Die Datei ist leer. Erwartet wird eine Kopfzeile mit Spaltennamen.")])
    return _good_rows(reader, _columns(header, mapping), problems)


def _good_rows(
    reader: Any, columns: list[str], problems: list[tuple[int, str]]
) -> Iterator[tuple[int, InvoiceRow]]:
    seen: dict[str, int] = {}  # invoice number -> line: the only per-row state kept for the whole file
    try:
        for values in reader:
            line = reader.line_num
            if not any(v.strip() for v in values):
                continue
            if len(values) != len(columns):
                problems.append((line, f"{len(values)} Spalten statt {len(columns)}"))
                continue
            try:
                row = parse_row(dict(zip(columns, values, strict=True)))
            except InvalidInput as exc:
                problems.append((line, exc.user_message))
                continue
            if row.number in seen:
                problems.append(
                    (line, f"Rechnungsnummer {row.number} steht schon in Zeile {seen[row.number]}")
                )
                continue
            seen[row.number] = line
            yield line, row
    except csv.Error as exc:
        problems.append((reader.line_num, f"Zeile ist kein gültiges CSV ({exc})"))
    except UnicodeDecodeError:
        problems.append((reader.line_num + 1, "Zeichen weder in UTF-8 noch in Windows-1252 lesbar"))


def _columns(header: list[str], mapping: dict[str, str]) -> list[str]:
    names = [mapping.get(h.strip(), h.strip()) for h in header]
    if len(names) == 1 and ("," in header[0] or "\t" in header[0]):
        raise ImportRefused([(1, "Falsches Trennzeichen: Spalten bitte mit Semikolon (;) trennen.")])
    problems = []
    unknown = [n for n in names if n not in COLUMNS]
    if unknown:
        problems.append(f"unbekannte Spalte(n): {', '.join(unknown)}")
    missing = [c for c in REQUIRED if c not in names]
    if missing:
        problems.append(f"Pflichtspalte(n) fehlen: {', '.join(missing)}")
    doubled = sorted({n for n in names if names.count(n) > 1})
    if doubled:
        problems.append(f"doppelte Spalte(n): {', '.join(doubled)}")
    if problems:
        raise ImportRefused([(1, "; ".join(problems))])
    return names
