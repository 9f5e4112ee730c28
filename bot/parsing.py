"""Turning a chat line into a command and its arguments; pure functions, no I/O.

Which words name which command, and how many arguments each takes, is `bot.catalogue`'s table.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from bot import catalogue
from bot.arguments import group_invoice_number, split_words
from core.domain.errors import InvalidInput
from core.domain.money import clean_text

__all__ = [
    "MAX_LENGTH",
    "Parsed",
    "arguments",
    "arity_problem",
    "clean_message",
    "fold",
    "page_number",
    "parse",
]

MAX_LENGTH = 4000


_FOLD = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})
_CURRENCY = {"€", "eur", "euro"}


@dataclass(frozen=True)
class Parsed:
    """`command` is the canonical name, or "" for an unknown word (kept in `word`)."""

    command: str
    word: str
    args: tuple[str, ...]


def fold(word: str) -> str:
    """`Überfällig` → `ueberfaellig`: commands are matched without case and umlauts."""
    return word.casefold().translate(_FOLD)


def clean_message(text: str) -> str:
    """Refuse over-long or control-character junk; drop invisible marks; fold whitespace."""
    if len(text) > MAX_LENGTH:
        count = f"{len(text):,}".replace(",", ".")
        raise InvalidInput(
            f"Die Nachricht ist zu lang ({count} Zeichen, höchstens 4.000). "
            f"Bitte nur einen Befehl senden, z. B. {catalogue.command('status').example}."
        )
    cleaned = clean_text(text.replace("\r", " ").replace("\n", " ").replace("\t", " "))
    if any(unicodedata.category(ch) in ("Cc", "Co", "Cs", "Cn") for ch in cleaned):
        raise InvalidInput("Die Nachricht enthält unlesbare Steuerzeichen. Bitte den Befehl neu eintippen.")
    return cleaned


def parse(text: str, *, bot_username: str | None = None) -> Parsed | None:
    """The command in `text`; None when it is addressed to another bot (`/status@other_bot`)."""
    words = split_words(clean_message(text))
    if not words:
        return Parsed("", "", ())
    head, args = words[0], words[1:]
    name, _, target = head.lstrip("/").partition("@")
    if target and bot_username and target.casefold() != bot_username.casefold():
        return None
    found = catalogue.for_word(fold(name))
    command = found.name if found is not None else ""
    return Parsed(command, name[:30], arguments(command, args))


def arguments(command: str, words: list[str]) -> tuple[str, ...]:
    """The arguments of `command` from the words after it."""
    if command == "zahlung":
        # "50,00 €" arrives as two words; the currency sign is not an argument of its own.
        words = [a for a in words if fold(a) not in _CURRENCY]
    return tuple(group_invoice_number(command, words))


def arity_problem(parsed: Parsed) -> str | None:
    """A German sentence when the argument count is wrong, with the right usage and an example."""
    spec = catalogue.command(parsed.command)
    count = len(parsed.args)
    if spec.min_args <= count <= spec.max_args:
        return None
    if count < spec.min_args:
        what = "Es fehlt eine Angabe." if spec.min_args - count == 1 else "Es fehlen Angaben."
    elif spec.max_args == 0:
        what = f"/{parsed.command} braucht keine weiteren Angaben."
    else:
        what = "Das sind zu viele Angaben."
    return f"{what} So geht es: {spec.usage}, z. B. {spec.example}"


def page_number(text: str) -> int:
    """A page number for the overdue list: a positive whole number."""
    if not (text.isascii() and text.isdigit()) or len(text) > 6 or int(text) < 1:
        example = catalogue.command("ueberfaellig").example
        raise InvalidInput(f"„{text[:20]}“ ist keine Seitenzahl. Beispiel: {example}")
    return int(text)
