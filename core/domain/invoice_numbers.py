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

__all__ = ["EXAMPLE", "MAX_LENGTH", "agency_reference", "normalise_number"]

MAX_LENGTH = 40
EXAMPLE = "Beispiel: 1234, R-2026-0042 oder RE 2026 0001."
_PLAIN = re.compile(r"[A-Za-z0-9 ./_-]+")  # the common case, checked without a loop per character


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
    Accepted: any printable characters, at most 40; practice software writes numbers in its own
    way (`RE 2026 0001`, `R#17`, `2026/0042-Ä`). Where the agency or DATEV cannot carry a
    character it is mapped there (`agency_reference`, accounting/datev_format.belegfeld), never
    refused here.
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
    wrong = sorted({ch for ch in number if not ch.isprintable()})
    if wrong:
        shown = " ".join(f"U+{ord(ch):04X}" for ch in wrong[:5])
        raise InvalidInput(
            f"Die Rechnungsnummer enthält unlesbare Steuerzeichen ({shown}). "
            f"Bitte die Nummer so angeben, wie sie auf der Rechnung steht. {EXAMPLE}"
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

