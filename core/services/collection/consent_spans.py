"""Loading the consents the legal basis reads (`core.domain.consents`), for one invoice or a page."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from sqlmodel import Session, col, select

from core.db.models import Consent
from core.domain.consents import ConsentSpan

__all__ = ["spans_by_invoice", "spans_for"]

_CHUNK = 500  # ids per IN (...) list


def spans_for(session: Session, *, invoice_id: int | None, patient_id: int) -> tuple[ConsentSpan, ...]:
    """Every consent of the patient, each marked whether it covers invoice `invoice_id`."""
    return spans_by_invoice(session, [(invoice_id or 0, patient_id)]).get(invoice_id or 0, ())


def spans_by_invoice(
    session: Session, invoices: Iterable[tuple[int, int]]
) -> dict[int, tuple[ConsentSpan, ...]]:
    """For (invoice id, patient id) pairs: each invoice's spans, read in one query per 500 patients."""
    pairs = list(invoices)
    patients = sorted({patient_id for _, patient_id in pairs})
    rows: list[tuple[int, int | None, date, date | None]] = []
    for start in range(0, len(patients), _CHUNK):
        query = select(
            col(Consent.patient_id), col(Consent.invoice_id), col(Consent.given_on), col(Consent.revoked_on)
        ).where(col(Consent.patient_id).in_(patients[start : start + _CHUNK]))
        rows.extend(session.exec(query).all())
    by_patient: dict[int, list[tuple[int | None, date, date | None]]] = {}
    for patient_id, invoice_id, given_on, revoked in rows:
        by_patient.setdefault(patient_id, []).append((invoice_id, given_on, revoked))
    return {
        invoice_id: tuple(
            ConsentSpan(given, revoked, covers=scope is None or scope == invoice_id)
            for scope, given, revoked in by_patient.get(patient_id, [])
        )
        for invoice_id, patient_id in pairs
    }
