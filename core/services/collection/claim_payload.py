"""The one function that decides what patient data leaves the practice with a claim.

An allow-list: only the fields named here are sent. Never the treatment (`Leistung`), item
numbers or diagnoses; the subject is always the neutral "Honorarforderung". When the invoice has
a recipient (Rechnungsempfänger), the debtor is built from the recipient alone: nothing of the
patient, not even the name, leaves the practice.
"""

from __future__ import annotations

from decimal import Decimal

from core.db.models import Invoice, InvoiceRecipient, Patient
from core.domain.claims import NEUTRAL_SUBJECT
from core.domain.contact_checks import sendable_email, sendable_phone
from core.domain.dates import default_date, format_date
from core.domain.debtor import Party
from core.domain.money import format_eur
from core.finance1159.wire import ClaimIn, DebtorIn

__all__ = ["RECIPIENT_NOTE", "WITHHELD", "claim_payload", "debtor_of", "describe_payload"]

WITHHELD = (
    "Behandlung / Leistung",
    "Diagnosen",
    "GOÄ-/GebüH-Ziffern",
    "Behandlungsdaten und Befunde",
)


RECIPIENT_NOTE = "Daten des Patienten werden nicht übermittelt"


def debtor_of(patient: Patient, recipient: InvoiceRecipient | None) -> Party:
    """Who owes: the recipient when the export named one (read from it alone), else the patient."""
    source: Patient | InvoiceRecipient = patient if recipient is None else recipient
    return Party(
        salutation=source.salutation,
        first_name=source.first_name,
        last_name=source.last_name,
        company=source.company,
        street=source.street,
        zip=source.zip,
        city=source.city,
        country=source.country or "DE",
        birth_date=source.birth_date,
        email=source.email,
        phone=source.phone,
    )


def claim_payload(
    invoice: Invoice,
    patient: Patient,
    *,
    recipient: InvoiceRecipient | None,
    principal: Decimal | None = None,
    consumer_notice: bool = False,
) -> ClaimIn:
    """Build the claim for 1159 Finance from an allow-list of fields.

    `recipient` is required so that no caller can forget it and send the patient instead."""
    party = debtor_of(patient, recipient)
    debtor = DebtorIn(
        salutation=party.salutation or None,
        first_name=party.first_name or None,
        last_name=party.last_name or None,
        company=party.company or None,
        street=party.street,
        zip=party.zip,
        city=party.city,
        country=party.country,
        birth_date=party.birth_date,
        email=sendable_email(party.email),  # an invalid address stays in the practice
        phone=sendable_phone(party.phone),
    )
    return ClaimIn(
        reference=invoice.number,
        debtor=debtor,
        invoice_date=invoice.invoice_date,
        due_date=invoice.due_date,
        reminder_date=invoice.reminder_date,
        # A company recipient is no consumer: § 286 Abs. 3's 30 days bind it without the notice.
        default_date=default_date(
            due_date=invoice.due_date,
            reminder_date=invoice.reminder_date,
            consumer_notice=consumer_notice or bool(party.company),
        ),
        principal=invoice.open_amount if principal is None else principal,
        subject=NEUTRAL_SUBJECT,
    )


def describe_payload(claim: ClaimIn, *, by_recipient: bool = False) -> list[tuple[str, str]]:
    """The overview's list of exactly what will be sent, in German; `by_recipient` says the
    debtor is the invoice's recipient, not the patient."""
    d = claim.debtor
    name = " ".join(p for p in (d.salutation, d.first_name, d.last_name) if p) or d.company or ""
    rows = [
        ("Schuldner", f"Rechnungsempfänger {name} – {RECIPIENT_NOTE}" if by_recipient else name),
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
