"""Turning a chat line into a command and its arguments; pure functions, no I/O."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from bot.arguments import group_invoice_number, split_words
from core.domain.errors import InvalidInput
from core.domain.money import clean_text

MAX_LENGTH = 4000


@dataclass(frozen=True)
class Spec:
    """How a command is called: argument counts, the usage line and an example."""

    min_args: int
    max_args: int
    usage: str
    example: str


SPECS: dict[str, Spec] = {
    "start": Spec(0, 99, "/start", "/start"),
    "hilfe": Spec(0, 0, "/hilfe", "/hilfe"),
    "ueberfaellig": Spec(0, 1, "/ueberfaellig [Seite]", "/ueberfaellig 2"),
    "forderung": Spec(1, 1, "/forderung <Rechnungsnr>", "/forderung 1234"),
    "zahlung": Spec(2, 3, "/zahlung <Rechnungsnr> <Betrag> [TT.MM.JJJJ]", "/zahlung 1234 50,00"),
    "status": Spec(1, 1, "/status <Rechnungsnr>", "/status 1234"),
    "faelle": Spec(0, 0, "/faelle", "/faelle"),
    "inkasso": Spec(0, 1, "/inkasso [anfordern|unterschrieben]", "/inkasso anfordern"),
    "zurueckziehen": Spec(1, 1, "/zurueckziehen <Rechnungsnr>", "/zurueckziehen 1234"),
    "bestaetigen": Spec(1, 2, "/bestaetigen [Rechnungsnr] <Code>", "/bestaetigen K7PX3MQ9TZ"),
    "abbrechen": Spec(1, 2, "/abbrechen [Rechnungsnr] <Code>", "/abbrechen K7PX3MQ9TZ"),
}

ALIASES: dict[str, str] = {
    "help": "hilfe",
    "ueberfaellige": "ueberfaellig",
    "forderunganlegen": "forderung",
    "zahlungempfangen": "zahlung",
    "forderunganzeigen": "status",
    "fall": "faelle",
    "faelle": "faelle",
    "zurueckziehen": "zurueckziehen",
    "ruecknahme": "zurueckziehen",
    "bestaetige": "bestaetigen",
    "ok": "bestaetigen",
}

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
            "Bitte nur einen Befehl senden, z. B. /status 1234."
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
    key = fold(name)
    command = key if key in SPECS else ALIASES.get(key, "")
    if command == "zahlung":
        # "50,00 €" arrives as two words; the currency sign is not an argument of its own.
        args = [a for a in args if fold(a) not in _CURRENCY]
    return Parsed(command, name[:30], tuple(group_invoice_number(command, args)))


def arity_problem(parsed: Parsed) -> str | None:
    """A German sentence when the argument count is wrong, with the right usage and an example."""
    spec = SPECS[parsed.command]
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
    """A page number for /ueberfaellig: a positive whole number."""
    if not (text.isascii() and text.isdigit()) or len(text) > 6 or int(text) < 1:
        raise InvalidInput(f"„{text[:20]}“ ist keine Seitenzahl. Beispiel: /ueberfaellig 2")
    return int(text)
