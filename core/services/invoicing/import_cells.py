"""From a file's own header and cells to the product's: the profile's names, dates and amounts,
and the warnings for contact data that will not be sent."""

from __future__ import annotations

from collections.abc import Callable

from core.domain.contact_checks import email_problem, phone_problem
from core.domain.dates import expand_short_year
from core.domain.errors import ImportRefused
from core.domain.invoice_rows import InvoiceRow
from core.services.invoicing.import_profile import ImportProfile

__all__ = [
    "AMOUNT_COLUMNS",
    "DATE_COLUMNS",
    "IGNORED",
    "cell_converter",
    "contact_warnings",
    "german_amount",
    "profile_names",
]

IGNORED = ""  # the name of a column the profile says to skip (no product column is empty)
DATE_COLUMNS = ("Rechnungsdatum", "Fällig am", "Geburtsdatum", "Mahnung am", "Einwilligung am")
AMOUNT_COLUMNS = ("Betrag", "Bezahlt")


def profile_names(header: list[str], profile: ImportProfile) -> list[str]:
    """The header in the product's column names; a column the profile names but the file lacks is
    refused, naming it."""
    wanted = {file: product for product, file in profile.columns.items()}
    missing = [f"„{file}“ (für „{product}“)" for file, product in wanted.items() if file not in header]
    if missing:
        raise ImportRefused(
            [(1, f"Das Profil {profile.name} nennt Spalten, die die Datei nicht hat: {', '.join(missing)}")]
        )
    return [IGNORED if name in profile.ignored else wanted.get(name, name) for name in header]


def cell_converter(columns: list[str], profile: ImportProfile) -> Callable[[list[str]], list[str]] | None:
    """A function rewriting one row's date and amount cells into the product's format, or None if
    the profile's format is the product's own (the fast path)."""
    if not profile.converts_cells:
        return None
    dates = (
        [i for i, c in enumerate(columns) if c in DATE_COLUMNS] if profile.date_style == "TT.MM.JJ" else []
    )
    amounts = [i for i, c in enumerate(columns) if c in AMOUNT_COLUMNS]
    decimal, thousands = profile.decimal, profile.thousands

    def convert(cells: list[str]) -> list[str]:
        out = list(cells)
        for i in dates:
            out[i] = expand_short_year(out[i])
        if (decimal, thousands) != (",", "."):
            for i in amounts:
                out[i] = german_amount(out[i], decimal=decimal, thousands=thousands)
        return out

    return convert


def german_amount(text: str, *, decimal: str, thousands: str) -> str:
    """`1,234.56` (or `1 234,56`, `1'234.56`) as the product reads amounts: `1234,56`."""
    value = text.strip()
    if thousands:
        value = value.replace(thousands, "")
    return value.replace(decimal, ",") if decimal != "," else value


def contact_warnings(row: InvoiceRow) -> list[str]:
    """Why the row's e-mail address or phone number will not go to the agency, if they will not."""
    found = [email_problem(row.email), phone_problem(row.phone)]
    if row.recipient is not None:  # the recipient's contact data would be the debtor's
        found += [email_problem(row.recipient.email), phone_problem(row.recipient.phone)]
    return [f"{text}; wird nicht an 1159 Finance übergeben" for text in found if text]
