"""The practice's open invoices, read in one query into the matcher's index."""

from __future__ import annotations

from sqlalchemy import BigInteger, select, type_coerce
from sqlmodel import Session, col

from core.db.models import Invoice, InvoiceRecipient, Patient
from core.domain.claims import InvoiceStatus
from core.services.payments_in.bank_matching import InvoiceIndex, OpenInvoice, debtor_name

__all__ = ["open_invoice_index"]

_CLOSED = (InvoiceStatus.PAID, InvoiceStatus.COMPLETE, InvoiceStatus.UNCOLLECTIBLE)


def open_invoice_index(session: Session, *, practice_id: int) -> InvoiceIndex:
    """Every invoice with money open (in collection or not), with its debtors' names."""
    # Integer cents as stored: the index compares cents, and no row goes through Decimal.
    open_amount = type_coerce(
        col(Invoice.amount) - col(Invoice.paid_before) - col(Invoice.paid_direct), BigInteger
    )
    rows = session.connection().execute(
        select(
            col(Invoice.id),
            col(Invoice.number),
            open_amount.label("open"),
            col(Invoice.status),
            col(Patient.first_name),
            col(Patient.last_name),
            col(Patient.company),
            col(InvoiceRecipient.first_name),
            col(InvoiceRecipient.last_name),
            col(InvoiceRecipient.company),
        )
        .join(Patient, col(Patient.id) == col(Invoice.patient_id))
        .outerjoin(InvoiceRecipient, col(InvoiceRecipient.invoice_id) == col(Invoice.id))
        .where(col(Invoice.practice_id) == practice_id)
        .where(col(Invoice.status).not_in([str(s) for s in _CLOSED]))
        .where(open_amount > 0)
    )
    index = InvoiceIndex()
    for inv_id, number, open_cents, status, pf, pl, pc, rf, rl, rc in rows:
        people = (debtor_name(pf, pl), debtor_name(rf or "", rl or ""), debtor_name("", pc or ""))
        names = tuple(n for n in (*people, debtor_name("", rc or "")) if n)
        index.add(
            OpenInvoice(inv_id or 0, number, int(open_cents), status == InvoiceStatus.IN_COLLECTION, names)
        )
    return index
