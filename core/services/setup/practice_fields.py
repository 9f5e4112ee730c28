"""The practice's own data (Praxisdaten): each field's German label and the one rule that checks it.

Every check returns the value as it is stored (trimmed, normalised) or raises InvalidInput with a
German message that names the field and says how it is right.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

import phonenumbers
from email_validator import EmailNotValidError, validate_email
from stdnum import iban as stdnum_iban
from stdnum.de import stnr, vat
from stdnum.exceptions import ValidationError

from core.domain.errors import InvalidInput

__all__ = ["FIELDS", "REQUIRED", "Field", "check", "format_iban"]

MAX_TEXT = 200
_ZIP = re.compile(r"^\d{5}$")


@dataclass(frozen=True)
class Field:
    name: str  # attribute of core.db.models.Practice
    label: str  # German, as pages and messages name it
    required: bool
    clean: Callable[[str, str], str]  # (value, label) -> stored value


def _text(value: str, label: str) -> str:
    value = " ".join(value.split())
    if any(unicodedata.category(c).startswith("C") for c in value):
        raise InvalidInput(f"{label}: Steuerzeichen sind nicht erlaubt. Bitte nur sichtbaren Text eingeben.")
    if len(value) > MAX_TEXT:
        raise InvalidInput(f"{label}: höchstens {MAX_TEXT} Zeichen, bitte kürzen.")
    return value


def _email(value: str, label: str) -> str:
    value = _text(value, label)
    try:
        # No DNS look-up (set-up may run offline); `.test` (RFC 2606) allowed for local test mail servers.
        return validate_email(value, check_deliverability=False, test_environment=True).normalized
    except EmailNotValidError:
        raise InvalidInput(
            f"{label}: „{value}“ ist keine gültige E-Mail-Adresse. Beispiel: praxis@beispiel.de"
        ) from None


def _zip(value: str, label: str) -> str:
    value = _text(value, label)
    if not _ZIP.match(value):
        raise InvalidInput(
            f"{label}: „{value}“ ist keine deutsche Postleitzahl. Bitte fünf Ziffern, z. B. 51373."
        )
    return value


def _phone(value: str, label: str) -> str:
    value = _text(value, label)
    try:
        number = phonenumbers.parse(value, "DE")
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        raise InvalidInput(f"{label}: „{value}“ ist keine gültige Telefonnummer. Beispiel: 0214 123456")
    return value


def _tax_number(value: str, label: str) -> str:
    value = _text(value, label)
    if vat.is_valid(value):
        return "DE" + str(vat.compact(value))
    if stnr.is_valid(value):
        return value
    raise InvalidInput(
        f"{label}: „{value}“ ist weder eine Steuernummer (z. B. 181/815/08155) "
        "noch eine USt-IdNr. (z. B. DE136695976)."
    )


def _iban(value: str, label: str) -> str:
    value = _text(value, label)
    try:
        return str(stdnum_iban.validate(value))
    except ValidationError:
        raise InvalidInput(
            f"{label}: „{value}“ ist keine gültige IBAN. Bitte genau wie auf dem Kontoauszug eingeben, "
            "z. B. DE89 3704 0044 0532 0130 00."
        ) from None


FIELDS: dict[str, Field] = {
    f.name: f
    for f in (
        Field("name", "Name der Praxis", True, _text),
        Field("street", "Straße und Hausnummer", True, _text),
        Field("zip", "PLZ", True, _zip),
        Field("city", "Ort", True, _text),
        Field("email", "E-Mail-Adresse der Praxis", True, _email),
        Field("phone", "Telefon", False, _phone),
        Field("tax_number", "Steuernummer", False, _tax_number),
        Field("iban", "IBAN", False, _iban),
    )
}
REQUIRED = [f.name for f in FIELDS.values() if f.required]


def check(name: str, value: str) -> str:
    """The value as stored; empty clears an optional field, and is refused for a required one."""
    field = FIELDS.get(name)
    if field is None:
        known = ", ".join(FIELDS)
        raise InvalidInput(f"Das Feld „{name}“ gibt es nicht. Möglich sind: {known}.")
    if not value.strip():
        if field.required:
            raise InvalidInput(f"{field.label} fehlt. Bitte angeben.")
        return ""
    return field.clean(value, field.label)


def format_iban(value: str) -> str:
    """`DE89370400440532013000` → `DE89 3704 0044 0532 0130 00` (for people; stored compact)."""
    return str(stdnum_iban.format(value)) if value else ""
