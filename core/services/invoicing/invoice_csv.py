"""Reading the practice software's export: header, column mapping, every row validated."""

from __future__ import annotations

import json
import tomllib
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

from core.domain.cell_checks import cell_problems
from core.domain.errors import ImportRefused, InvalidInput
from core.domain.invoice_rows import COLUMNS, REQUIRED, InvoiceRow, parse_row
from core.services.invoicing.import_cells import IGNORED, cell_converter, contact_warnings, profile_names
from core.services.invoicing.import_profile import DEFAULT, ImportProfile
from core.services.invoicing.import_sources import Rows, open_rows

__all__ = ["load_mapping", "read_rows"]


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


def read_rows(
    path: Path,
    mapping: dict[str, str],
    problems: list[tuple[int, str]],
    *,
    profile: ImportProfile = DEFAULT,
    warnings: list[tuple[int, str]] | None = None,
) -> Iterator[tuple[int, InvoiceRow]]:
    """Check the file's kind and header now; then stream the good rows (line, row), adding every bad
    one to `problems` and every contact detail that will not be sent to `warnings`.

    The caller refuses the file if `problems` is not empty once the rows are exhausted.
    """
    rows = open_rows(path, delimiter=profile.delimiter, encoding=profile.encoding)
    first = next(rows, None)  # an unreadable header comes as its German reason, like any line
    header = first[1] if first is not None else []
    if isinstance(header, str):
        raise ImportRefused([(1, header)])
    if not any(h.strip() for h in header):
        raise ImportRefused([(1, "Die Datei ist leer. Erwartet wird eine Kopfzeile mit Spaltennamen.")])
    columns = _columns(header, mapping, profile)
    return _good_rows(rows, columns, profile, problems, warnings if warnings is not None else [])


def _good_rows(
    rows: Rows,
    columns: list[str],
    profile: ImportProfile,
    problems: list[tuple[int, str]],
    warnings: list[tuple[int, str]],
) -> Iterator[tuple[int, InvoiceRow]]:
    seen: dict[str, int] = {}  # invoice number -> line: the only per-row state kept for the whole file
    convert = cell_converter(columns, profile)
    keep = [i for i, c in enumerate(columns) if c != IGNORED]
    for line, values in rows:
        if isinstance(values, str):
            problems.append((line, values))
            continue
        if not any(v.strip() for v in values):
            continue
        if len(values) != len(columns):
            problems.append((line, f"{len(values)} Spalten statt {len(columns)}"))
            continue
        names, cells = _kept(columns, values, keep)
        bad_cells = cell_problems(names, cells)
        if bad_cells:
            problems.append((line, "; ".join(bad_cells)))
            continue
        try:
            row = parse_row(dict(zip(names, convert(cells) if convert else cells, strict=True)))
        except InvalidInput as exc:
            problems.append((line, exc.user_message))
            continue
        if row.number in seen:
            problems.append((line, f"Rechnungsnummer {row.number} steht schon in Zeile {seen[row.number]}"))
            continue
        seen[row.number] = line
        warnings.extend((line, w) for w in contact_warnings(row))
        yield line, row


def _kept(columns: list[str], values: list[str], keep: list[int]) -> tuple[list[str], list[str]]:
    if len(keep) == len(columns):
        return columns, values
    return [columns[i] for i in keep], [values[i] for i in keep]


def _columns(header: list[str], mapping: dict[str, str], profile: ImportProfile) -> list[str]:
    bad = cell_problems(["Kopfzeile"] * len(header), header)
    if bad:
        raise ImportRefused([(1, bad[0])])  # before any name is quoted back to a terminal
    names = profile_names([h.strip() for h in header], profile)
    names = [mapping.get(n, n) for n in names]
    if len(names) == 1 and ("," in header[0] or "\t" in header[0] or ";" in header[0]):
        raise ImportRefused([(1, _delimiter_hint(profile))])
    problems = []
    unknown = [n for n in names if n not in COLUMNS and n != IGNORED]
    if unknown:
        problems.append(f"unbekannte Spalte(n): {_listed(unknown)}")
    missing = [c for c in REQUIRED if c not in names]
    if missing:
        problems.append(f"Pflichtspalte(n) fehlen: {', '.join(missing)}")
    counted = Counter(names)
    doubled = sorted(n for n, times in counted.items() if times > 1 and n != IGNORED)
    if doubled:
        problems.append(f"doppelte Spalte(n): {_listed(doubled)}")
    if problems:
        raise ImportRefused([(1, "; ".join(problems))])
    return names


def _delimiter_hint(profile: ImportProfile) -> str:
    names = {";": "Semikolon (;)", ",": "Komma (,)", "\t": "Tabulator", "|": "senkrechtem Strich (|)"}
    return f"Falsches Trennzeichen: Spalten bitte mit {names[profile.delimiter]} trennen."


def _listed(names: list[str], limit: int = 20) -> str:
    """Names for a message, at most `limit` of them: a file may have thousands of wrong columns."""
    more = f" und {len(names) - limit} weitere" if len(names) > limit else ""
    return ", ".join(names[:limit]) + more
