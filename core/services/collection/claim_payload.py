"""The one function that decides what patient data leaves the practice with a claim.

An allow-list: only the fields named here are sent. Never the treatment (`Leistung`), item
numbers or diagnoses; the subject is always the neutral "Honorarforderung".
"""

from __future__ import annotations

from decimal import Decimal

from core.db.models import Invoice, Patient
from core.domain.claims import NEUTRAL_SUBJECT
from core.domain.contact_checks import sendable_email, sendable_phone
from core.domain.dates import default_date, format_date
from core.domain.money import format_eur
from core.finance1159.wire import ClaimIn, DebtorIn

WITHHELD = (
    "Behandlung / Leistung",
    "Diagnosen",
    "GOÄ-/GebüH-Ziffern",
    "Behandlungsdaten und Befunde",
)


def claim_payload(invoice: Invoice, patient: Patient, *, principal: Decimal | None = None) -> ClaimIn:
    """Build the claim for 1159 Finance from an allow-list of fields."""
    debtor = DebtorIn(
        salutation=patient.salutation or None,
        first_name=patient.first_name,
        last_name=patient.last_name,
        company=patient.company or None,
        street=patient.street,
        zip=patient.zip,
        city=patient.city,
        country=patient.country or "DE",
        birth_date=patient.birth_date,
        email=sendable_email(patient.email),  # an invalid address stays in the practice
        phone=sendable_phone(patient.phone),
    )
    return ClaimIn(
        reference=invoice.number,
        debtor=debtor,
        invoice_date=invoice.invoice_date,
        due_date=invoice.due_date,
        reminder_date=invoice.reminder_date,
        default_date=default_date(due_date=invoice.due_date, reminder_date=invoice.reminder_date),
        principal=invoice.open_amount if principal is None else principal,
        subject=NEUTRAL_SUBJECT,
    )


def describe_payload(claim: ClaimIn) -> list[tuple[str, str]]:
    """The overview's list of exactly what will be sent, in German."""
    d = claim.debtor
    name = " ".join(p for p in (d.salutation, d.first_name, d.last_name) if p)
    rows = [
        ("Schuldner", name),
        ("Anschrift", f"{d.street}, {d.zip} {d.city}, {d.country}"),
    ]
    if d.company:
        rows.append(("Firma", d.company))
    if d.birth_date:
        rows.append(("Geburtsdatum", format_date(d.birth_date)))
    if d.email:
        rows.append(("E-Mail", d.email))
    if d.phone:
        rows.append(("Telefon", d.phone))
    rows += [
        ("Rechnungsnummer", claim.reference),
        ("Rechnungsdatum", format_date(claim.invoice_date)),
        ("Fällig am", format_date(claim.due_date)),
        ("Mahnung vom", format_date(claim.reminder_date)),
        ("Verzug seit", format_date(claim.default_date)),
        ("Hauptforderung", format_eur(claim.principal)),
        ("Betreff", claim.subject),
    ]
    return rows
