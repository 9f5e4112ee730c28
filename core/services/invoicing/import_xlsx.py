"""Excel workbooks (.xlsx) as import rows: the first sheet, streamed with openpyxl's read-only mode."""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from pathlib import Path

from openpyxl import load_workbook

from core.domain.errors import InvalidInput
from core.services.invoicing.import_sources import cell_text

__all__ = ["xlsx_rows"]


def xlsx_rows(path: Path) -> Iterator[tuple[int, list[str] | str]]:
    """(Excel row number, cells as text) of the first sheet, header first; each row as wide as the
    header (Excel leaves trailing empty cells out)."""
    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except (OSError, KeyError, ValueError, zipfile.BadZipFile):
        raise InvalidInput(
            f"„{path.name}“ lässt sich nicht als Excel-Arbeitsmappe öffnen. "
            "Bitte in Excel neu als .xlsx speichern."
        ) from None
    return _rows(workbook)


def _rows(workbook: object) -> Iterator[tuple[int, list[str] | str]]:
    width = 0
    try:
        sheet = workbook.worksheets[0]  # type: ignore[attr-defined]
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            cells = [cell_text(v) for v in values]
            while cells and cells[-1] == "":
                cells.pop()
            width = width or len(cells)
            yield number, cells + [""] * (width - len(cells))
    finally:
        workbook.close()  # type: ignore[attr-defined]
