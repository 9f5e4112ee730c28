"""The import's patients: new ones inserted, known ones given the export's newer contact data."""

from __future__ import annotations

from sqlalchemy import bindparam, insert, update
from sqlmodel import Session, col, select

from core.db.models import Patient
from core.domain.invoice_rows import InvoiceRow

__all__ = ["ensure_patients"]


def ensure_patients(
    session: Session, practice_id: int, rows: list[InvoiceRow], written: dict[str, tuple[int, int]]
) -> dict[str, int]:
    """Patient ids by key: new patients inserted, known ones given the export's newer contact data.

    `written` remembers, for this import, each patient's id and a fingerprint of the data written,
    so a patient on many rows is written again only if a later row says something different.
    """
    wanted = {r.patient_key: _patient_values(r, practice_id) for r in rows}
    stored = _patient_ids(session, practice_id, [k for k in wanted if k not in written])
    stale, missing = [], []
    for key, values in wanted.items():
        fingerprint = hash(tuple(values.values()))
        patient_id = written[key][0] if key in written else stored.get(key)
        if patient_id is None:
            missing.append(values)
        elif written.get(key, (0, None))[1] != fingerprint:
            stale.append({**values, "b_id": patient_id})
        if patient_id is not None:
            written[key] = (patient_id, fingerprint)
    if stale:
        stmt = update(Patient).where(col(Patient.id) == bindparam("b_id"))
        session.connection().execute(stmt, stale)
    if missing:
        session.connection().execute(insert(Patient.__table__), missing)  # type: ignore[attr-defined]
        new_ids = _patient_ids(session, practice_id, [str(v["patient_key"]) for v in missing])
        for values in missing:
            key = str(values["patient_key"])
            written[key] = (new_ids[key], hash(tuple(values.values())))
    return {key: written[key][0] for key in wanted}


def _patient_ids(session: Session, practice_id: int, keys: list[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for start in range(0, len(keys), 500):
        chunk = keys[start : start + 500]
        found.update(
            (key, patient_id)
            for key, patient_id in session.exec(
                select(col(Patient.patient_key), col(Patient.id)).where(
                    Patient.practice_id == practice_id,
                    col(Patient.patient_key).in_(chunk),
                )
            ).all()
            if patient_id is not None
        )
    return found


def _patient_values(r: InvoiceRow, practice_id: int) -> dict[str, object]:
    return {
        "practice_id": practice_id,
        "patient_key": r.patient_key,
        "salutation": r.salutation,
        "first_name": r.first_name,
        "last_name": r.last_name,
        "company": r.company,
        "street": r.street,
        "zip": r.zip,
        "city": r.city,
        "country": r.country,
        "birth_date": r.birth_date,
        "email": r.email,
        "phone": r.phone,
    }
