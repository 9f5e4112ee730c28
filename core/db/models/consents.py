"""Consents to pass a patient's data to 1159 Finance (Schweigepflichtentbindung), and revocations."""

from __future__ import annotations

from datetime import date, datetime

from sqlmodel import Column, Field, Index, SQLModel

from core.db.types import UTCDateTime
from core.domain.dates import utcnow

__all__ = ["Consent"]


class Consent(SQLModel, table=True):
    """One signed consent of a patient: for all their invoices (`invoice_id` None, as a form signed
    with the treatment contract is) or for one invoice (an imported `Einwilligung am` is per row).

    A revocation is the patient's: it is recorded on every consent of theirs that was in force, and
    `core.domain.consents` lets no consent given on or before it count again.
    """

    __table_args__ = (Index("ix_consent_patient", "patient_id", "given_on"),)
    id: int | None = Field(default=None, primary_key=True)
    practice_id: int = Field(foreign_key="practice.id", index=True)
    patient_id: int = Field(foreign_key="patient.id")
    invoice_id: int | None = Field(default=None, foreign_key="invoice.id", index=True)
    given_on: date
    scope: str = "Inkasso durch 1159 Finance"
    form_location: str = ""  # where the signed form lies: "Papierakte Nr. 12", a path
    source: str = "manual"  # manual | import
    recorded_by: str = ""
    recorded_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))
    revoked_on: date | None = None
    revoked_by: str = ""
    revoked_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime, nullable=True))
