"""Erasing a patient's personal data: on request (refused while a case is open) and by the purge
after the retention periods. Invoice numbers, amounts and dates stay, so the books still add up;
the person becomes „gelöscht“."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlmodel import Session, select

from core.db.engine import UnitOfWork
from core.db.models import Invoice, InvoiceRecipient, MailRecord, Patient
from core.domain.dates import today
from core.domain.errors import PreconditionFailed
from core.services.people import audit
from core.services.people.access import Actor, Permission, require
from core.services.privacy.retention import ERASED, due
from core.services.privacy.subject import load_subject, open_case_numbers

__all__ = ["PurgeReport", "anonymise", "erase_patient", "purge"]

_PERSON = ("salutation", "first_name", "company", "street", "zip", "city", "country", "email", "phone")


def _blank(row: Patient | InvoiceRecipient) -> None:
    for name in _PERSON:
        setattr(row, name, "")
    row.last_name, row.birth_date = ERASED, None


def anonymise(session: Session, patient_id: int) -> list[str]:
    """Erase the patient's and their invoices' personal data; returns the invoice numbers."""
    patient = session.get(Patient, patient_id)
    assert patient is not None
    _blank(patient)
    patient.patient_key = f"{ERASED}:{patient_id}"  # unique, and a later import never matches it
    invoices = session.exec(select(Invoice).where(Invoice.patient_id == patient_id)).all()
    for invoice in invoices:
        # The row hash stays: a re-import of the unchanged export row then changes nothing and
        # does not bring the erased data back (a hash of the whole row reveals none of it).
        invoice.service_text = ""
        recipient = session.exec(
            select(InvoiceRecipient).where(InvoiceRecipient.invoice_id == invoice.id)
        ).first()
        if recipient is not None:
            _blank(recipient)
    return sorted(i.number for i in invoices)


def erase_patient(uow: UnitOfWork, *, practice_id: int, actor: Actor, number: str) -> list[str]:
    """Art. 17 GDPR on request: the patient of invoice `number`, unless a case of theirs is open."""
    require(actor, Permission.PRIVACY)
    with uow:
        session = uow.session
        subject = load_subject(session, practice_id=practice_id, number=number)
        still_open = open_case_numbers(subject)
        if still_open:
            raise PreconditionFailed(
                "Die Daten können noch nicht gelöscht werden: Die Forderung zu Rechnung "
                f"{', '.join(still_open)} ist bei 1159 Finance offen und wird für deren Durchsetzung "
                "gebraucht (Art. 17 Abs. 3 lit. e DSGVO). Nach Abschluss oder Rücknahme erneut löschen."
            )
        numbers = anonymise(session, subject.patient.id or 0)
        audit.record(
            session, practice_id=practice_id, actor=actor, action="privacy.erase",
            subject=f"invoice:{numbers[0]}" if numbers else "", invoices=", ".join(numbers),
        )  # fmt: skip
        uow.commit()
        return numbers


@dataclass(frozen=True)
class PurgeReport:
    """What the purge erased (or, on a dry run, would erase)."""

    dry_run: bool
    invoices: list[list[str]] = field(default_factory=list)  # per patient, their invoice numbers
    mails: int = 0


def purge(
    uow: UnitOfWork, *, practice_id: int, actor: Actor, dry_run: bool = False, on: date | None = None
) -> PurgeReport:
    """Erase every patient and raw mail past the retention periods; a dry run changes nothing."""
    require(actor, Permission.PRIVACY)
    with uow:
        session = uow.session
        found = due(session, practice_id=practice_id, settings=uow.settings, on=on or today())
        report = PurgeReport(dry_run, [numbers for _, numbers in found.patients], len(found.mail_ids))
        if dry_run:
            return report
        for patient_id, _ in found.patients:
            anonymise(session, patient_id)
        for mail_id in found.mail_ids:
            _erase_mail(session, mail_id)
        audit.record(
            session, practice_id=practice_id, actor=actor, action="privacy.purge",
            patients=len(found.patients), mails=len(found.mail_ids),
            invoices=", ".join(n for _, numbers in found.patients for n in numbers),
        )  # fmt: skip
        uow.commit()
        return report


def _erase_mail(session: Session, mail_id: int) -> None:
    """The raw copy and what it said about whom; its key stays so it is still acted on once."""
    mail = session.get(MailRecord, mail_id)
    assert mail is not None
    mail.raw, mail.sender, mail.subject = b"", ERASED, ""
