"""Checks on an import file's raw cells before they are parsed: control characters and length.

A NUL byte makes PostgreSQL refuse the whole transaction, and an escape sequence would reach
the terminal that prints the row back; a cell of hundreds of kilobytes is no practice data.
"""

from __future__ import annotations

import re

__all__ = ["MAX_CELL", "MULTILINE", "cell_problems"]

# The longest cell the product keeps is the treatment text (2,000 characters, invoice_rows);
# anything much longer is refused before any further work is spent on it.
MAX_CELL = 2000
# C0 and C1 control characters and DEL; tab and line breaks are allowed in multi-line text only.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_CONTROL_STRICT_FREE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
MULTILINE = frozenset({"Leistung"})
_NAMES = {0: "ein NUL-Byte", 0x1B: "ein Escape-Zeichen", 0x09: "einen Tabulator", 0x0A: "einen Zeilenumbruch"}


def cell_problems(columns: list[str], values: list[str]) -> list[str]:
    """German reasons for every cell with a control character or over MAX_CELL characters."""
    joined = "".join(values)
    short = len(joined) <= MAX_CELL or max(map(len, values)) <= MAX_CELL
    if short and not _CONTROL.search(joined):
        return []  # the fast path: one scan of the row
    problems = []
    for column, value in zip(columns, values, strict=False):
        if len(value) > MAX_CELL:
            problems.append(f"„{column}“ ist mit {len(value)} Zeichen zu lang (höchstens {MAX_CELL})")
            continue
        pattern = _CONTROL_STRICT_FREE if column in MULTILINE else _CONTROL
        found = pattern.search(value)
        if found:
            problems.append(
                f"„{column}“ enthält {_describe(found.group())}; bitte in der Praxissoftware entfernen"
            )
    return problems


def _describe(char: str) -> str:
    code = ord(char)
    if char == "\r":
        code = 0x0A
    return _NAMES.get(code, f"das Steuerzeichen U+{code:04X}")
