"""The export's optional recipient columns (`Empfänger …`): the invoice's addressee, who then owes.

A recipient needs a name (first and last name, or a company) and a complete address (street,
postal code, city); a row naming one without is refused with the column that is missing.
"""

from __future__ import annotations

from datetime import date
from typing import Protocol

from core.domain.debtor import Party

__all__ = [
    "BIRTH_DATE",
    "CITY",
    "COMPANY",
    "COUNTRY",
    "DateCell",
    "EMAIL",
    "FIRST_NAME",
    "LAST_NAME",
    "PHONE",
    "RECIPIENT_COLUMNS",
    "SALUTATION",
    "STREET",
    "TextCell",
    "ZIP",
    "parse_recipient",
]

SALUTATION = "Empfänger Anrede"
FIRST_NAME = "Empfänger Vorname"
LAST_NAME = "Empfänger Nachname"
COMPANY = "Empfänger Firma"
STREET = "Empfänger Straße"
ZIP = "Empfänger PLZ"
CITY = "Empfänger Ort"
COUNTRY = "Empfänger Land"
BIRTH_DATE = "Empfänger Geburtsdatum"
EMAIL = "Empfänger E-Mail"
PHONE = "Empfänger Telefon"
RECIPIENT_COLUMNS = (
    SALUTATION, FIRST_NAME, LAST_NAME, COMPANY, STREET, ZIP, CITY, COUNTRY, BIRTH_DATE, EMAIL, PHONE,
)  # fmt: skip
_ADDRESS = (STREET, ZIP, CITY)


class TextCell(Protocol):
    def __call__(self, column: str, *, required: bool = ..., limit: int = ...) -> str: ...


class DateCell(Protocol):
    def __call__(self, column: str, *, required: bool = ...) -> date | None: ...


def parse_recipient(text: TextCell, day: DateCell, problems: list[str]) -> Party | None:
    """The row's recipient, or None when its columns are empty; problems are added to `problems`.

    `text` and `day` are the row's own cell readers, so every check of a cell applies here too.
    A country code alone is no recipient: some programs fill `Empfänger Land` on every row.
    """
    cells = {c: text(c, limit=10 if c == ZIP else 200) for c in RECIPIENT_COLUMNS if c != BIRTH_DATE}
    birth_date = day(BIRTH_DATE)
    if not any(v for c, v in cells.items() if c != COUNTRY) and birth_date is None:
        return None
    problems.extend(_name_problems(cells))
    problems.extend(
        f"„{c}“ fehlt: ein Rechnungsempfänger braucht eine vollständige Anschrift (Straße, PLZ, Ort)"
        for c in _ADDRESS
        if not cells[c]
    )
    country = (cells[COUNTRY] or "DE").upper()
    if len(country) != 2 or not country.isalpha():
        problems.append(f"„{COUNTRY}“ bitte als Ländercode, z. B. DE")
    return Party(
        salutation=cells[SALUTATION],
        first_name=cells[FIRST_NAME],
        last_name=cells[LAST_NAME],
        company=cells[COMPANY],
        street=cells[STREET],
        zip=cells[ZIP],
        city=cells[CITY],
        country=country,
        birth_date=birth_date,
        email=cells[EMAIL],
        phone=cells[PHONE],
    )


def _name_problems(cells: dict[str, str]) -> list[str]:
    first, last = cells[FIRST_NAME], cells[LAST_NAME]
    if not (first or last or cells[COMPANY]):
        return [
            f"„{LAST_NAME}“ oder „{COMPANY}“ fehlt: ein Rechnungsempfänger braucht einen Namen "
            "(Vor- und Nachname oder eine Firma)"
        ]
    if first and not last:
        return [f"„{LAST_NAME}“ fehlt: zum Vornamen des Rechnungsempfängers gehört ein Nachname"]
    if last and not first:
        return [f"„{FIRST_NAME}“ fehlt: zum Nachnamen des Rechnungsempfängers gehört ein Vorname"]
    return []
