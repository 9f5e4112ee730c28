"""Who a claim is against (the patient or the invoice's recipient) and the checks that follow.

Before every hand-over: a time-barred claim is refused (§§ 195, 199 BGB), and so is one whose
debtor would be a child. The overview warns when the claim becomes time-barred soon.
"""

from __future__ import annotations

from datetime import date

from sqlmodel import Session

from core.db.models import Invoice, InvoiceRecipient, Patient
from core.domain.debtor import check_debtor
from core.domain.limitation import check_limitation, limitation_warning
from core.services.invoicing.invoice_recipients import recipient_of

__all__ = ["check_parties", "overview_warnings", "parties"]


def parties(session: Session, invoice: Invoice) -> tuple[Patient, InvoiceRecipient | None]:
    """The invoice's patient and its recipient (None when the patient is the debtor)."""
    patient = session.get(Patient, invoice.patient_id)
    assert patient is not None  # a foreign key
    return patient, recipient_of(session, invoice.id)


def check_parties(session: Session, invoice: Invoice, *, on: date) -> None:
    """Raise PreconditionFailed when the claim is time-barred or its debtor would be a minor."""
    check_limitation(number=invoice.number, arose=invoice.invoice_date, on=on)
    patient, recipient = parties(session, invoice)
    check_debtor(
        number=invoice.number,
        invoice_date=invoice.invoice_date,
        patient_birth_date=patient.birth_date,
        has_recipient=recipient is not None,
    )


def overview_warnings(invoice: Invoice, *, on: date) -> tuple[str, ...]:
    warning = limitation_warning(number=invoice.number, arose=invoice.invoice_date, on=on)
    return () if warning is None else (warning,)
