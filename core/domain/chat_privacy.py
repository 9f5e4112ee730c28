"""What patient data a chat may show: the one place that renders a person for a chat.

Telegram (and plain mail) sign no processing agreement and give no § 203 StGB undertaking, so by
default a chat shows only what is needed to find the invoice: the patient's initials and postal
code, and "hinterlegt" for personal data that exists but is not shown. `CHAT_PRIVACY=full`
shows names and addresses. The dashboard is not a chat and shows everything to those allowed.
"""

from __future__ import annotations

from enum import StrEnum

__all__ = ["ChatPrivacy", "PERSONAL_FIELDS", "STORED", "chat_field", "chat_person", "initials"]

STORED = "hinterlegt"
# The overview's fields (core.services.collection.claim_payload.describe_payload) that are about
# the person; invoice numbers, dates and amounts are shown in every setting.
PERSONAL_FIELDS = frozenset({"Schuldner", "Anschrift", "Firma", "Geburtsdatum", "E-Mail", "Telefon"})


class ChatPrivacy(StrEnum):
    MINIMAL = "minimal"
    FULL = "full"


def initials(name: str) -> str:
    """First and last word's first letters: "Erika Maria Mustermann" → "E. M."."""
    words = name.split()
    picked = words[:1] + words[1:][-1:]
    return " ".join(f"{word[0].upper()}." for word in picked) or "?"


def chat_person(name: str, postal_code: str, privacy: ChatPrivacy) -> str:
    """A patient as a chat shows them: the full name, or initials and postal code."""
    if privacy == ChatPrivacy.FULL:
        return name
    short = initials(name)
    return f"{short} (PLZ {postal_code})" if postal_code else short


def chat_field(label: str, value: str, privacy: ChatPrivacy) -> str:
    """One field of the overview as a chat shows it: personal values become "hinterlegt"."""
    if privacy == ChatPrivacy.MINIMAL and label in PERSONAL_FIELDS and value:
        return STORED
    return value
