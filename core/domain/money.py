"""Money: Decimal only, German input and output (`12,50`, `1.234,56 €`)."""

from __future__ import annotations

import re
import unicodedata
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from core.domain.errors import InvalidInput

__all__ = [
    "CENT",
    "MAX_AMOUNT",
    "ZERO",
    "clean_text",
    "format_eur",
    "format_number",
    "from_cents",
    "parse_amount",
    "shorten",
    "to_cents",
]

CENT = Decimal("0.01")
_HUNDRED = Decimal(100)
ZERO = Decimal("0.00")
MAX_AMOUNT = Decimal("1000000.00")

_HINT = "Bitte den Betrag so angeben: 50,00 oder 1.234,56."
# Thousands groups with dots and an optional decimal comma: 1.234 | 1.234,56
_GERMAN_GROUPED = re.compile(r"^\d{1,3}(\.\d{3})+(,\d+)?$")
_GERMAN = re.compile(r"^\d+(,\d+)?$")
_DOTTED = re.compile(r"^\d+\.\d+$")
_CENTS = re.compile(r"[0-9]{1,7},[0-9]{2}")
_INVISIBLE = {"Cf", "Zs"}


def clean_text(text: str) -> str:
    """Drop zero-width and direction marks and fold odd spaces (they arrive from chat clients)."""
    if text.isascii() or (
        # Latin-1 text as NFKC leaves it (German names and streets) holds no such mark but the
        # soft hyphen: it comes out as it went in, without a look at every character.
        max(text) < "\u0100" and "\xad" not in text and unicodedata.is_normalized("NFKC", text)
    ):
        return text.strip()
    return _clean_each(text)


def _clean_each(text: str) -> str:
    out = []
    for ch in unicodedata.normalize("NFKC", text):
        category = unicodedata.category(ch)
        if category == "Cf":
            continue
        out.append(" " if category in _INVISIBLE else ch)
    return "".join(out).strip()


def shorten(text: str, limit: int = 30) -> str:
    """Input quoted back in a message, cut to a readable length (a chat message may be 4,000 characters)."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def parse_amount(text: str, *, allow_zero: bool = False) -> Decimal:
    """Parse a German (or plain dotted) amount into a Decimal with two places.

    Refuses empty, negative, NaN, more than two decimals, ambiguous `12,345`-style input and
    absurd amounts, with a German message saying what was wrong.
    """
    full = clean_text(text or "")
    if _CENTS.fullmatch(full):  # the common case, as exports write amounts: 1234,56
        amount = Decimal(full.replace(",", "."))
        if (amount or allow_zero) and amount <= MAX_AMOUNT:
            return amount
    raw = shorten(full)
    value = full.replace("€", "").replace("EUR", "").replace("eur", "").strip().replace(" ", "")
    if not value:
        raise InvalidInput(f"Es fehlt ein Betrag. {_HINT}")
    if value.startswith("-"):
        raise InvalidInput(f"Der Betrag „{raw}“ ist negativ. Bitte einen positiven Betrag angeben.")
    if value.startswith("+"):
        value = value[1:]
    digits = _normalise(value, raw)
    try:
        amount = Decimal(digits)
    except InvalidOperation:
        raise InvalidInput(f"„{raw}“ ist kein gültiger Betrag. {_HINT}") from None
    if amount.as_tuple().exponent < -2:  # type: ignore[operator]
        raise InvalidInput(f"„{raw}“ hat mehr als zwei Nachkommastellen. {_HINT}")
    if amount > MAX_AMOUNT:
        raise InvalidInput(f"„{raw}“ ist unplausibel hoch (über {format_eur(MAX_AMOUNT)}).")
    if amount == 0 and not allow_zero:
        raise InvalidInput("Der Betrag darf nicht 0 sein.")
    return amount.quantize(CENT)


def _normalise(value: str, raw: str) -> str:
    if re.match(r"^\d{1,3}[.,]\d{3}$", value):
        # `12,345` / `12.345` could be 12.345 € or 12 €: German and English readings differ.
        raise InvalidInput(f"„{raw}“ ist mehrdeutig. {_HINT}")
    if _GERMAN_GROUPED.match(value):
        return value.replace(".", "").replace(",", ".")
    if _GERMAN.match(value):
        return value.replace(",", ".")
    if _DOTTED.match(value):
        return value
    raise InvalidInput(f"„{raw}“ ist kein gültiger Betrag. {_HINT}")


def format_eur(amount: Decimal) -> str:
    """Format as `1.234,56 €`."""
    return f"{format_number(amount)} €"


def format_number(amount: Decimal) -> str:
    """Format as `1.234,56` (no currency sign), e.g. for CSV files."""
    quantized = Decimal(amount).quantize(CENT, rounding=ROUND_HALF_UP)
    sign = "-" if quantized < 0 else ""
    whole, frac = f"{abs(quantized):.2f}".split(".")
    grouped = f"{int(whole):,}".replace(",", ".")
    return f"{sign}{grouped},{frac}"


def to_cents(amount: Decimal) -> int:
    """Whole cents, half a cent and more rounded away from zero. A float is refused: money is never
    float."""
    if type(amount) is not Decimal:
        if isinstance(amount, float):
            raise TypeError("money must be Decimal, never float")
        amount = Decimal(amount)
    if not amount:  # most amounts of a case (interest, fees, payments) stay zero for long
        return 0
    scaled = amount * _HUNDRED
    whole = int(scaled)  # exact for amounts in cents, the usual case; others are rounded
    return whole if whole == scaled else int(scaled.to_integral_value(rounding=ROUND_HALF_UP))


def from_cents(cents: int) -> Decimal:
    return (Decimal(cents) / 100).quantize(CENT)
