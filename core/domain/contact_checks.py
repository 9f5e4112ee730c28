"""Is an e-mail address or phone number fit to be handed to the agency? (email-validator, phonenumbers)

The practice's own record keeps what its software exported; a claim carries only what passes here,
so nothing broken is sent to 1159 Finance.
"""

from __future__ import annotations

from functools import lru_cache

import phonenumbers
from email_validator import EmailNotValidError, validate_email

__all__ = ["REGION", "email_problem", "phone_problem", "sendable_email", "sendable_phone"]

REGION = "DE"


@lru_cache(maxsize=65536)  # a patient's address repeats on every invoice: checked once per import
def email_problem(raw: str) -> str | None:
    """None if `raw` is empty or a well-formed address, else a German reason."""
    if not raw:
        return None
    try:
        validate_email(raw, check_deliverability=False)
    except EmailNotValidError:
        return f"E-Mail „{_short(raw)}“ ist keine gültige Adresse"
    return None


@lru_cache(maxsize=65536)
def phone_problem(raw: str) -> str | None:
    """None if `raw` is empty or a valid number (German unless it starts with +), else a German reason."""
    if not raw:
        return None
    try:
        valid = phonenumbers.is_valid_number(phonenumbers.parse(raw, REGION))
    except phonenumbers.NumberParseException:
        valid = False
    return None if valid else f"Telefon „{_short(raw)}“ ist keine gültige Telefonnummer"


def sendable_email(raw: str | None) -> str | None:
    """The address if it may go out with a claim, else None."""
    return raw if raw and email_problem(raw) is None else None


def sendable_phone(raw: str | None) -> str | None:
    """The number if it may go out with a claim, else None."""
    return raw if raw and phone_problem(raw) is None else None


def _short(text: str) -> str:
    return text if len(text) <= 40 else text[:39] + "…"
