"""A newer export may not change what an invoice already handed to 1159 Finance was handed over
with: its amount or its debtor (the patient). Such rows are reported and left. A changed "Bezahlt"
is the practice export speaking as a payment source (payments_in/export_source.py)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import exists
from sqlmodel import Session, col, select

from core.db.models import Claim, Invoice, InvoiceRecipient, Patient
from core.domain.dates import format_date
from core.domain.invoice_rows import InvoiceRow
from core.domain.money import format_eur
from core.services.collection.handover_check import HANDED_OVER

__all__ = ["PATIENT_FIELDS", "RECIPIENT_FIELDS", "handed_over_ids", "protected_rows"]

# (German column name, attribute on the import row and on the stored patient)
PATIENT_FIELDS = (
    ("Vorname", "first_name"),
    ("Nachname", "last_name"),
    ("Firma", "company"),
    ("Geburtsdatum", "birth_date"),
    ("Straße", "street"),
    ("PLZ", "zip"),
    ("Ort", "city"),
)


def handed_over_ids(session: Session, practice_id: int) -> frozenset[int]:
    """The ids of the practice's invoices with a claim at (or on its way to) the agency: read once
    per import, so the rows of all other invoices cost no further query."""
    query = select(Claim.invoice_id).where(col(Claim.practice_id) == practice_id, HANDED_OVER)
    return frozenset(session.exec(query).all())


def protected_rows(
    session: Session, rows: list[tuple[int, InvoiceRow]], ids: dict[str, int]
) -> list[tuple[int, str]]:
    """(line, report) for every row that would change a handed-over invoice; `ids` by number."""
    handed = _handed_over(session, [ids[r.number] for _, r in rows])
    recipients = _recipients(session, list(handed))
    reports = []
    for line, row in rows:
        stored = handed.get(ids[row.number])
        if stored is None:
            continue
        changes = _changes(row, *stored) + _recipient_changes(row, recipients.get(ids[row.number]))
        if changes:
            reports.append(
                (
                    line,
                    f"Rechnung {row.number} ist an 1159 Finance übergeben, die Zeile wurde nicht übernommen: "
                    + "; ".join(changes),
                )
            )
    return reports


def _handed_over(session: Session, invoice_ids: list[int]) -> dict[int, tuple[Invoice, Patient]]:
    found: dict[int, tuple[Invoice, Patient]] = {}
    claimed = exists().where(col(Claim.invoice_id) == col(Invoice.id), HANDED_OVER)
    for start in range(0, len(invoice_ids), 500):
        query = (
            select(Invoice, Patient)
            .join(Patient, col(Patient.id) == col(Invoice.patient_id))
            .where(col(Invoice.id).in_(invoice_ids[start : start + 500]), claimed)
        )
        for invoice, patient in session.exec(query).all():
            found[invoice.id or 0] = (invoice, patient)
    return found


def _changes(row: InvoiceRow, invoice: Invoice, patient: Patient) -> list[str]:
    changes = []
    if row.amount != invoice.amount:
        changes.append(f"Betrag {format_eur(invoice.amount)} → {format_eur(row.amount)}")
    for label, name in PATIENT_FIELDS:
        old, new = getattr(patient, name), getattr(row, name)
        if (old or "") != (new or ""):
            changes.append(f"{label} „{_shown(old)}“ → „{_shown(new)}“")
    return changes


def _shown(value: object) -> str:
    return format_date(value) if isinstance(value, date) else str(value or "")


# The recipient's fields that make up the debtor the agency holds (contact data may change).
RECIPIENT_FIELDS = ("first_name", "last_name", "company", "birth_date", "street", "zip", "city", "country")


def _recipients(session: Session, invoice_ids: list[int]) -> dict[int, InvoiceRecipient]:
    found: dict[int, InvoiceRecipient] = {}
    for start in range(0, len(invoice_ids), 500):
        query = select(InvoiceRecipient).where(
            col(InvoiceRecipient.invoice_id).in_(invoice_ids[start : start + 500])
        )
        found.update((r.invoice_id, r) for r in session.exec(query).all())
    return found


def _recipient_changes(row: InvoiceRow, stored: InvoiceRecipient | None) -> list[str]:
    """The debtor of a handed-over invoice is fixed: a recipient added, removed or changed is reported."""
    new = row.recipient
    if stored is None and new is None:
        return []
    if stored is None or new is None:
        return ["Rechnungsempfänger " + ("hinzugefügt" if stored is None else "entfernt")]
    for name in RECIPIENT_FIELDS:
        if (getattr(stored, name) or "") != (getattr(new, name) or ""):
            return ["Rechnungsempfänger geändert"]
    return []
