"""Cells of the files we hand out (CSV, DATEV) that a spreadsheet must not run as a formula.

A spreadsheet treats a cell starting with `=`, `+`, `-`, `@` (or a tab or carriage return in
front of one) as a formula: an invoice number like `=HYPERLINK(…)` would run when the tax advisor
opens the file. Such text gets a leading apostrophe, which spreadsheets show as plain text
(the OWASP advice on CSV injection). The one place for this rule; amounts we format ourselves
are numbers and never pass here.
"""

from __future__ import annotations

__all__ = ["FORMULA_START", "neutralise"]

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(text: str) -> str:
    """`text` unchanged, or with a leading apostrophe if a spreadsheet would read it as a formula."""
    return "'" + text if text.startswith(FORMULA_START) else text
