"""Which records are past their retention periods (docs/retention.md names the sources).

Every period runs from the end of the calendar year in which the record arose (§ 147 Abs. 4 AO,
§ 257 Abs. 5 HGB); the patient record's (§ 630f Abs. 3 BGB, from the end of the treatment) is
counted the same way, so a record is kept at most one year longer than that law asks.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import func
from sqlmodel import Session, col, select

from core.config import Settings
from core.db.models import Claim, Invoice, MailRecord, Patient
from core.domain.claim_lifecycle import OPEN

__all__ = ["Due", "ERASED", "cutoff", "due", "kept_until", "patient_years"]

ERASED = "gelöscht"


@dataclass(frozen=True)
class Due:
    """What the purge would erase on a day: patients (with their invoices' numbers) and raw mails."""

    patients: list[tuple[int, list[str]]]  # patient id, its invoice numbers
    mail_ids: list[int]


def cutoff(years: int, on: date) -> date:
    """Records that arose before this day are past a period of `years` on `on`: one from 2015
    is kept until 31.12.2025 under 10 years and may go from 1.1.2026."""
    return date(on.year - years, 1, 1)


def kept_until(arose: date, years: int) -> date:
    """The last day a record is kept: the day before `cutoff` lets it go."""
    return date(arose.year + years, 12, 31)


def patient_years(settings: Settings) -> int:
    """An invoice is both part of the patient record and a booking record: the longer period wins."""
    return max(settings.retention_patient_record_years, settings.retention_booking_years)


def due(session: Session, *, practice_id: int, settings: Settings, on: date) -> Due:
    """Patients whose every invoice is past retention and who have no open case; raw mails past it."""
    newest = func.max(Invoice.invoice_date)
    past = (
        select(Invoice.patient_id)
        .join(Patient, col(Patient.id) == col(Invoice.patient_id))
        .where(Invoice.practice_id == practice_id, ~col(Patient.patient_key).startswith(f"{ERASED}:"))
        .group_by(col(Invoice.patient_id))
        .having(newest < cutoff(patient_years(settings), on))
    )
    open_patients = (
        select(Invoice.patient_id)
        .join(Claim, col(Claim.invoice_id) == col(Invoice.id))
        .where(col(Claim.delivery).in_(OPEN))
    )
    patients: list[tuple[int, list[str]]] = []
    for patient_id in sorted(set(session.exec(past).all()) - set(session.exec(open_patients).all())):
        numbers = session.exec(
            select(Invoice.number).where(Invoice.patient_id == patient_id).order_by(col(Invoice.number))
        ).all()
        patients.append((patient_id, list(numbers)))
    return Due(patients, _due_mails(session, practice_id, settings.retention_letter_years, on))


def _due_mails(session: Session, practice_id: int, years: int, on: date) -> list[int]:
    """Mails whose raw copy is still held and that arrived before the period's cut-off."""
    before = datetime.combine(cutoff(years, on), datetime.min.time(), tzinfo=UTC)
    ids = session.exec(
        select(MailRecord.id).where(
            MailRecord.practice_id == practice_id,
            col(MailRecord.sender) != ERASED,
            col(MailRecord.at) < before,
        )
    ).all()
    return sorted(i for i in ids if i is not None)
