"""The import's patients: new ones inserted, known ones given the export's newer contact data."""

from __future__ import annotations

from operator import attrgetter

from sqlalchemy import Table, bindparam, update
from sqlmodel import Session, col, select

from core.db import driver_rows
from core.db.models import Patient
from core.domain.invoice_rows import InvoiceRow

__all__ = ["ensure_patients"]

_PATIENTS: Table = Patient.__table__  # type: ignore[attr-defined]


def ensure_patients(
    session: Session,
    practice_id: int,
    rows: list[InvoiceRow],
    keys: list[str],
    written: dict[str, tuple[int, int]],
) -> dict[str, int]:
    """Patient ids by key (`keys`: each row's patient_key): new patients inserted, known ones given
    the export's newer contact data.

    `written` remembers, for this import, each patient's id and a fingerprint of the data written,
    so a patient on many rows is written again only if a later row says something different.
    """
    assert len(rows) == len(keys)
    # A patient's last row speaks for them; keys stay in the order they first came (new ids too).
    last = {key: rows[i] for key, i in {key: i for i, key in enumerate(keys)}.items()}
    stored = _patient_ids(session, practice_id, [k for k in last if k not in written])
    stale, missing, fingerprints = [], [], {}
    for key, r in last.items():
        # The data as compared within this import (the dict is built only for what is written).
        fingerprint = hash(_CONTACT(r))
        known = written.get(key)
        patient_id = known[0] if known is not None else stored.get(key)
        if patient_id is None:
            missing.append(_patient_values(r, key, practice_id))
            fingerprints[key] = fingerprint
            continue
        if known is None or known[1] != fingerprint:
            stale.append({**_patient_values(r, key, practice_id), "b_id": patient_id})
        written[key] = (patient_id, fingerprint)
    if stale:
        stmt = update(Patient).where(col(Patient.id) == bindparam("b_id"))
        session.connection().execute(stmt, stale)
    if missing:
        connection = session.connection()
        names = list(missing[0])
        to_stored = driver_rows.storer(_PATIENTS, names, connection.dialect)
        driver_rows.insert_many(connection, _PATIENTS, names, [to_stored(list(v.values())) for v in missing])
        new_ids = _patient_ids(session, practice_id, list(fingerprints))
        for key, fingerprint in fingerprints.items():
            written[key] = (new_ids[key], fingerprint)
    return {key: written[key][0] for key in last}


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


# What a row says of its patient, as written by _patient_values (the key and practice aside).
_CONTACT = attrgetter(
    "salutation", "first_name", "last_name", "company", "street", "zip", "city", "country", "birth_date",
    "email", "phone",
)  # fmt: skip


def _patient_values(r: InvoiceRow, key: str, practice_id: int) -> dict[str, object]:
    return {
        "practice_id": practice_id,
        "patient_key": key,
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
