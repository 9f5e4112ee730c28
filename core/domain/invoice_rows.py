"""One row of the practice software's invoice export, validated (PRODUCT.md, "Invoice import format")."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, fields
from datetime import date
from decimal import Decimal
from operator import attrgetter

from core.domain.dates import parse_date, today
from core.domain.debtor import Party
from core.domain.errors import InvalidInput
from core.domain.invoice_numbers import normalise_number
from core.domain.money import clean_text, parse_amount
from core.domain.recipient_columns import RECIPIENT_COLUMNS, parse_recipient

__all__ = ["COLUMNS", "InvoiceRow", "OPTIONAL", "REQUIRED", "parse_row"]

REQUIRED = (
    "Rechnungsnummer",
    "Rechnungsdatum",
    "Fällig am",
    "Betrag",
    "Vorname",
    "Nachname",
    "Straße",
    "PLZ",
    "Ort",
)
OPTIONAL = (
    "Bezahlt",
    "Anrede",
    "Firma",
    "Land",
    "Geburtsdatum",
    "E-Mail",
    "Telefon",
    "Leistung",
    "Mahnung am",
    "Inkasso angekündigt",
    "Einwilligung am",
    *RECIPIENT_COLUMNS,
)
COLUMNS = REQUIRED + OPTIONAL
_YES = {"ja", "j", "yes", "x", "1", "true", "wahr"}
_NO = {"nein", "n", "no", "0", "false", "falsch", ""}
_YES_OR_NO = _YES | _NO


@dataclass(frozen=True, slots=True)
class InvoiceRow:
    number: str
    invoice_date: date
    due_date: date
    amount: Decimal
    paid: Decimal
    salutation: str
    first_name: str
    last_name: str
    company: str
    street: str
    zip: str
    city: str
    country: str
    birth_date: date | None
    email: str
    phone: str
    service_text: str
    reminder_date: date | None
    handover_announced: bool
    consent_date: date | None
    recipient: Party | None = None  # the invoice's addressee when not the patient: the debtor

    @property
    def patient_key(self) -> str:
        parts = (self.first_name, self.last_name, str(self.birth_date or ""), self.street, self.zip)
        return "|".join([p.casefold().strip() for p in parts])

    def row_hash(self) -> str:
        # Same text as repr(dataclasses.astuple(self)), without its deep copy of every field.
        values: tuple[object, ...] = _FIELDS(self)
        if self.recipient is not None:
            # Only then: rows without a recipient keep the hash they had before the column existed.
            values += (self.recipient,)
        return hashlib.sha256(repr(values).encode()).hexdigest()[:32]


_FIELD_NAMES = tuple(f.name for f in fields(InvoiceRow) if f.name != "recipient")
_FIELDS = attrgetter(*_FIELD_NAMES)  # all of them in one call, as a tuple


def _clean(raw: str) -> str:
    """clean_text, with a fast path: plain ASCII has no invisible marks and nothing to fold."""
    return raw.strip() if raw.isascii() else clean_text(raw)


def _number(raw: str, problems: list[str]) -> str:
    """The invoice number in the one form every command looks it up by (invoice_numbers.py)."""
    if not _clean(raw):
        problems.append("„Rechnungsnummer“ fehlt")
        return ""
    try:
        return normalise_number(raw)
    except InvalidInput as exc:
        problems.append(exc.user_message)
        return ""


def parse_row(values: dict[str, str], *, on: date | None = None) -> InvoiceRow:
    """Validate one row (keys: canonical column names) on `on` (default today); raise InvalidInput
    naming every problem."""
    problems: list[str] = []
    on = on or today()

    def text(column: str, *, required: bool = False, limit: int = 200) -> str:
        raw = values.get(column) or ""
        value = raw.strip() if raw.isascii() else clean_text(raw)  # _clean, without a call per cell
        if required and not value:
            problems.append(f"„{column}“ fehlt")
        if len(value) > limit:
            problems.append(f"„{column}“ ist zu lang (höchstens {limit} Zeichen)")
        return value

    def day(column: str, *, required: bool = False) -> date | None:
        raw = values.get(column) or ""
        if not _clean(raw):
            if required:
                problems.append(f"„{column}“ fehlt")
            return None
        try:
            return parse_date(raw, field=column)
        except InvalidInput as exc:
            problems.append(exc.user_message)
            return None

    def money(column: str, *, required: bool = False) -> Decimal:
        raw = values.get(column) or ""
        if not _clean(raw):
            if required:
                problems.append(f"„{column}“ fehlt")
            return Decimal("0.00")
        try:
            return parse_amount(raw, allow_zero=True)
        except InvalidInput as exc:
            problems.append(f"{column}: {exc.user_message}")
            return Decimal("0.00")

    number = _number(values.get("Rechnungsnummer") or "", problems)
    invoice_date = day("Rechnungsdatum", required=True)
    due_date = day("Fällig am", required=True)
    amount = money("Betrag", required=True)
    paid = money("Bezahlt")
    announced_raw = text("Inkasso angekündigt").casefold()
    if announced_raw not in _YES_OR_NO:
        problems.append("„Inkasso angekündigt“ muss „ja“ oder „nein“ sein")
    row = InvoiceRow(
        number=number,
        invoice_date=invoice_date or date.min,
        due_date=due_date or date.min,
        amount=amount,
        paid=paid,
        salutation=text("Anrede"),
        first_name=text("Vorname", required=True),
        last_name=text("Nachname", required=True),
        company=text("Firma"),
        street=text("Straße", required=True),
        zip=text("PLZ", required=True, limit=10),
        city=text("Ort", required=True),
        country=(text("Land") or "DE").upper(),
        birth_date=day("Geburtsdatum"),
        email=text("E-Mail"),
        phone=text("Telefon"),
        service_text=text("Leistung", limit=2000),
        reminder_date=day("Mahnung am"),
        handover_announced=announced_raw in _YES,
        consent_date=day("Einwilligung am"),
        # Most rows have no recipient: their empty cells are not read one by one.
        recipient=parse_recipient(text, day, problems) if any(map(values.get, RECIPIENT_COLUMNS)) else None,
    )
    problems += _dated_ahead(row, on)
    if invoice_date and due_date and due_date < invoice_date:
        problems.append("„Fällig am“ liegt vor dem Rechnungsdatum")
    if amount <= 0 and "Betrag" not in " ".join(problems):
        problems.append("„Betrag“ muss größer als 0 sein")
    if paid > amount:
        problems.append("„Bezahlt“ ist höher als der Rechnungsbetrag")
    if len(row.country) != 2 or not row.country.isalpha():
        problems.append("„Land“ bitte als Ländercode, z. B. DE")
    if problems:
        raise InvalidInput("; ".join(problems))
    return row


def _dated_ahead(row: InvoiceRow, on: date) -> list[str]:
    """A reminder or consent is a basis for passing data on (§ 203 StGB): it cannot lie ahead."""
    dated = (("Mahnung am", row.reminder_date), ("Einwilligung am", row.consent_date))
    return [
        f"„{column}“ liegt in der Zukunft ({value.strftime('%d.%m.%Y')}); "
        "bitte das Datum eintragen, an dem sie geschah"
        for column, value in dated
        if value is not None and value > on
    ]
