"""A command's words as arguments: quoted text stays one argument, and an invoice number written
with spaces (`RE 2026 0001`, as practice software writes it and the import accepts) is one
argument for every command that takes one. Pure functions, no I/O."""

from __future__ import annotations

import re

__all__ = ["group_invoice_number", "split_words"]

# "…", „…“, “…”, «…» hold one argument with spaces; anything else splits at whitespace.
_WORD = re.compile(r'"([^"]*)"|„([^“”"]*)[“”"]|“([^”"]*)[”"]|«([^»]*)»|(\S+)')
_DATE_LIKE = re.compile(r"^(\d{1,2}\.\d{1,2}\.\d{2,4}|\d{4}-\d{1,2}-\d{1,2})$")
_AMOUNT_LIKE = re.compile(r"^[+-]?[\d.,]+$")
# Commands whose first argument is an invoice number (zahlung is handled on its own below).
_WHOLE = ("forderung", "status", "zurueckziehen")
_CODE_LAST = ("bestaetigen", "abbrechen")


def split_words(text: str) -> list[str]:
    """Words of a chat line; a quoted part is one word (without its quotes), an empty one dropped."""
    words = []
    for match in _WORD.finditer(text):
        word = next(group for group in match.groups() if group is not None).strip()
        if word:
            words.append(" ".join(word.split()))
    return words


def group_invoice_number(command: str, args: list[str]) -> list[str]:
    """Join the words that make up the invoice number into one argument, leaving the others."""
    if command in _WHOLE:
        return [" ".join(args)] if args else []
    if command in _CODE_LAST:  # [Rechnungsnr] <Code>: the code is the last word
        return [" ".join(args[:-1]), args[-1]] if len(args) > 2 else args
    if command == "zahlung":  # <Rechnungsnr> <Betrag> [TT.MM.JJJJ]
        # The end decides: a date there means amount and date follow the number, an amount means
        # the amount alone. Anything else is left as it is for the argument count to refuse.
        last = args[-1] if args else ""
        tail = 2 if _DATE_LIKE.match(last) else 1 if _AMOUNT_LIKE.match(last) else 0
        return [" ".join(args[:-tail]), *args[-tail:]] if tail and len(args) > tail + 1 else args
    return args
