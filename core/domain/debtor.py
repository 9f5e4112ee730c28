"""Who owes: the patient or the invoice's recipient (Rechnungsempfänger), and what follows from it.

A patient is often not the debtor: a child's invoice goes to a parent, a ward's to a guardian, a
policyholder's to the insured. When the practice software names a recipient, the recipient is the
debtor and nothing of the patient leaves the practice. A child (under 18 on the invoice date) is
never the debtor. A company without a person is a business for default interest (§ 288 BGB).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from core.domain.dates import format_date
from core.domain.errors import PreconditionFailed

__all__ = [
    "ADULT_AGE",
    "BUSINESS_INTEREST_POINTS",
    "CONSUMER_INTEREST_POINTS",
    "Party",
    "age_on",
    "check_debtor",
    "interest_points",
    "interest_text",
    "is_business",
    "is_minor",
]

ADULT_AGE = 18
# § 288 BGB: default interest above the base rate, in percentage points.
CONSUMER_INTEREST_POINTS = 5  # Abs. 1: a consumer takes part
BUSINESS_INTEREST_POINTS = 9  # Abs. 2: no consumer takes part


@dataclass(frozen=True, slots=True)
class Party:
    """A debtor's name, address and contact data, as the practice holds them."""

    first_name: str
    last_name: str
    street: str
    zip: str
    city: str
    salutation: str = ""
    company: str = ""
    country: str = "DE"
    birth_date: date | None = None
    email: str = ""
    phone: str = ""

    @property
    def is_company(self) -> bool:
        """A company without a person: nobody by name owes, the business does."""
        return bool(self.company) and not (self.first_name or self.last_name)

    @property
    def name(self) -> str:
        """As the overview shows it: the person if there is one, else the company."""
        person = " ".join(p for p in (self.salutation, self.first_name, self.last_name) if p)
        return person if self.first_name or self.last_name else self.company


def is_business(debtor: Party) -> bool:
    """§ 288 Abs. 2 BGB: a business when no consumer takes part; we know it only of a bare company."""
    return debtor.is_company


def interest_points(debtor: Party) -> int:
    """Default interest above the base rate (§ 288 Abs. 1 and 2 BGB)."""
    return BUSINESS_INTEREST_POINTS if is_business(debtor) else CONSUMER_INTEREST_POINTS


def interest_text(debtor: Party) -> str:
    """The overview's line on default interest (charged by the agency, not by the product)."""
    if is_business(debtor):
        return (
            f"Basiszinssatz + {BUSINESS_INTEREST_POINTS} Prozentpunkte "
            "(Schuldner ist ein Unternehmen, § 288 Abs. 2 BGB)"
        )
    return f"Basiszinssatz + {CONSUMER_INTEREST_POINTS} Prozentpunkte (Verbraucher, § 288 Abs. 1 BGB)"


def age_on(birth_date: date, on: date) -> int:
    """Completed years of life on `on` (a birthday on 29 February counts from 1 March)."""
    years = on.year - birth_date.year
    return years - 1 if (on.month, on.day) < (birth_date.month, birth_date.day) else years


def is_minor(birth_date: date | None, on: date) -> bool:
    """Under 18 on `on`; an unknown birth date is no reason to refuse."""
    return birth_date is not None and age_on(birth_date, on) < ADULT_AGE


def check_debtor(
    *, number: str, invoice_date: date, patient_birth_date: date | None, has_recipient: bool
) -> None:
    """Refuse a hand-over whose debtor would be a child: a minor's invoice needs its recipient."""
    if has_recipient or not is_minor(patient_birth_date, invoice_date):
        return
    raise PreconditionFailed(
        f"Rechnung {number}: Die Patientin/der Patient war am Rechnungsdatum "
        f"({format_date(invoice_date)}) minderjährig; gegen ein Kind wird keine Forderung übergeben. "
        "Bitte den Rechnungsempfänger (z. B. einen Elternteil) in der Exportdatei angeben – Spalten "
        "„Empfänger Vorname“, „Empfänger Nachname“, „Empfänger Straße“, „Empfänger PLZ“, "
        "„Empfänger Ort“ – und die Datei erneut importieren."
    )
