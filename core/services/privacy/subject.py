"""Whose data: the patient named by one of their invoice numbers, and every row held about them.

A patient is named by an invoice number because that is what a patient's letter quotes and what
every door already shows; the patient id is never shown anywhere, so it cannot be asked for.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, col, or_, select

from core.db.models import AuditEvent, Claim, Fee, Invoice, InvoiceRecipient, Patient, Payment
from core.domain.claim_lifecycle import OPEN
from core.services.invoicing.invoices import find

__all__ = ["Subject", "load_subject", "open_case_numbers"]


@dataclass(frozen=True)
class Subject:
    """One patient and everything that hangs off their invoices."""

    patient: Patient
    invoices: list[Invoice]
    recipients: dict[int, InvoiceRecipient]  # by invoice id
    claims: dict[int, Claim]  # by invoice id
    payments: list[Payment]
    fees: list[Fee]
    events: list[AuditEvent]


def load_subject(session: Session, *, practice_id: int, number: str) -> Subject:
    """The patient of invoice `number` (NotFound in German when there is none) and their rows."""
    patient = session.get(Patient, find(session, practice_id=practice_id, number=number).patient_id)
    assert patient is not None  # a foreign key
    invoices = list(
        session.exec(
            select(Invoice)
            .where(Invoice.patient_id == patient.id)
            .order_by(col(Invoice.invoice_date), col(Invoice.id))
        ).all()
    )
    ids = [i.id for i in invoices]
    recipients = session.exec(select(InvoiceRecipient).where(col(InvoiceRecipient.invoice_id).in_(ids))).all()
    claims = list(session.exec(select(Claim).where(col(Claim.invoice_id).in_(ids))).all())
    payments = list(
        session.exec(
            select(Payment).where(col(Payment.invoice_id).in_(ids)).order_by(col(Payment.paid_on))
        ).all()
    )
    fees = session.exec(select(Fee).where(col(Fee.claim_id).in_([c.id for c in claims]))).all()
    return Subject(
        patient=patient,
        invoices=invoices,
        recipients={r.invoice_id: r for r in recipients},
        claims={c.invoice_id: c for c in claims},
        payments=payments,
        fees=list(fees),
        events=_events(
            session, practice_id, [i.number for i in invoices] + [c.reference for c in claims], payments
        ),
    )


def _events(
    session: Session, practice_id: int, numbers: list[str], payments: list[Payment]
) -> list[AuditEvent]:
    """Audit events whose subject names one of the invoices or one of their payments (a write the
    agency refused names them as „Forderung R-1“ / „Zahlung …“)."""
    subjects = [f"{prefix}{n}" for n in set(numbers) for prefix in ("invoice:", "Forderung ")]
    subjects += [f"{prefix}{p.reference}" for p in payments for prefix in ("payment:", "Zahlung ")]
    if not subjects:
        return []
    query = select(AuditEvent).where(
        AuditEvent.practice_id == practice_id, or_(*(col(AuditEvent.subject) == s for s in subjects))
    )
    return list(session.exec(query.order_by(col(AuditEvent.at), col(AuditEvent.id))).all())


def open_case_numbers(subject: Subject) -> list[str]:
    """Invoice numbers whose claim is still with 1159 Finance or on its way there."""
    by_id = {i.id: i.number for i in subject.invoices}
    return sorted(by_id[c.invoice_id] for c in subject.claims.values() if c.delivery in OPEN)
