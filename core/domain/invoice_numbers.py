"""Invoice numbers: the one rule for what the import stores and every command looks up.

Numbers arrive as practice software writes them (`RE 2026 0001`, `R-2026/0042`, `2026.17_a`) and
as people type or paste them into a chat (with zero-width spaces, no-break spaces, typographic
dashes). `normalise_number` turns all of these into the one stored form; the import and every
lookup call it, so a number that imports can be handed over, asked about and withdrawn.
"""

from __future__ import annotations

import re
import unicodedata

from core.domain.errors import InvalidInput

__all__ = ["EXAMPLE", "MAX_LENGTH", "SEPARATORS", "agency_reference", "datev_document", "normalise_number"]

MAX_LENGTH = 40
SEPARATORS = " ./-_"
EXAMPLE = "Beispiel: 1234, R-2026-0042 oder RE 2026 0001."
_PLAIN = re.compile(r"[A-Za-z0-9 ./_-]+")  # the common case, checked without a loop per character
_DATEV_LENGTH = 36
_DATEV_OTHERS = "$&%*+-/"


def _fold(ch: str) -> str:
    """One character after NFKC: invisible format marks vanish, odd spaces and dashes become plain."""
    category = unicodedata.category(ch)
    if category == "Cf":  # zero-width space, direction marks, byte-order mark, word joiner
        return ""
    if ch.isspace() or category == "Zs":
        return " "
    if category == "Pd":  # en dash and friends, as chat clients "improve" a typed hyphen
        return "-"
    return ch


def normalise_number(text: str) -> str:
    """The stored form of an invoice number; InvalidInput (German) when it cannot be one.

    Drops invisible format characters, applies NFKC, folds runs of spaces into one and trims.
    Accepted: letters, digits and the separators space . / - _ ; at most 40 characters.
    """
    text = text or ""
    # Plain ASCII has no format marks, odd spaces or dashes, and NFKC leaves it as it is.
    folded = text if text.isascii() else "".join(_fold(ch) for ch in unicodedata.normalize("NFKC", text))
    number = " ".join(folded.split())
    if len(number) <= MAX_LENGTH and _PLAIN.fullmatch(number):
        return number
    if not number:
        raise InvalidInput(f"Die Rechnungsnummer fehlt. {EXAMPLE}")
    if len(number) > MAX_LENGTH:
        raise InvalidInput(
            f"Die Rechnungsnummer „{number[:MAX_LENGTH]}…“ ist zu lang (höchstens {MAX_LENGTH} Zeichen)."
        )
    wrong = sorted({ch for ch in number if not (ch.isalnum() or ch in SEPARATORS)})
    if wrong:
        shown = " ".join(ch if ch.isprintable() else f"U+{ord(ch):04X}" for ch in wrong[:5])
        raise InvalidInput(
            f"„{number}“ ist keine Rechnungsnummer: „{shown}“ darf darin nicht vorkommen. Erlaubt sind "
            f"Buchstaben, Ziffern, Leerzeichen, Punkt, Schrägstrich, Bindestrich und Unterstrich. {EXAMPLE}"
        )
    return number


def agency_reference(number: str) -> str:
    """The claim's `reference` at 1159 Finance for a stored invoice number.

    The agency takes any non-empty text of up to 200 characters and trims it (the sandbox's
    `validation.text`); every normalised number (at most 40 characters, trimmed, no control
    characters) is carried unchanged. Should the agency ever refuse a character, it is mapped
    here and nowhere else, never refused at import.
    """
    return number


def datev_document(number: str) -> str:
    """The number as DATEV's Belegfeld 1 carries it: letters, digits and $&%*+-/, at most 36.

    DATEV refuses spaces, dots, underscores and umlauts there; they become `-` (umlauts their
    ASCII spelling) so the tax advisor still recognises the number.
    """
    plain = number.strip().translate(_UMLAUTS)
    out = "".join(ch if (ch.isascii() and ch.isalnum()) or ch in _DATEV_OTHERS else "-" for ch in plain)
    return out[:_DATEV_LENGTH]


_UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue", "ß": "ss"})
