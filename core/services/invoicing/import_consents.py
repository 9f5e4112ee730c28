"""Storing the consents an import names (the export's `Einwilligung am`), one per invoice row.

An imported date is a consent to collection by 1159 Finance for that invoice. A re-import replaces
the imported consent of a changed row, unless someone in the practice completed it (scope, where
the form lies) or the patient revoked it: that one stays as recorded, and a differing date from
the export is added beside it. Consents recorded in the product are never touched by an import.
"""

from __future__ import annotations

from sqlalchemy import and_, delete, insert
from sqlalchemy import select as sa_select
from sqlmodel import Session

from core.db.models import Consent
from core.domain.consents import DEFAULT_SCOPE
from core.domain.dates import utcnow
from core.domain.invoice_rows import InvoiceRow
from core.services.invoicing.invoice_recipients import invoice_ids

__all__ = ["IMPORTED_BY", "store_consents"]

IMPORTED_BY = "Import"
_CHUNK = 500


def store_consents(
    session: Session,
    practice_id: int,
    rows: list[InvoiceRow],
    known: dict[str, int],
    patients: dict[str, int],
) -> None:
    """The imported consents of a batch's new and changed invoices. `known`: number -> id of the
    invoices stored before this batch; `patients`: patient key -> id."""
    table = Consent.__table__  # type: ignore[attr-defined]
    changed = [known[r.number] for r in rows if r.number in known]
    kept: set[tuple[int, object]] = set()
    for start in range(0, len(changed), _CHUNK):
        chunk = changed[start : start + _CHUNK]
        imported = and_(table.c.invoice_id.in_(chunk), table.c.source == "import")
        untouched = and_(
            table.c.revoked_on.is_(None), table.c.form_location == "", table.c.scope == DEFAULT_SCOPE
        )
        session.connection().execute(delete(table).where(imported, untouched))
        query = sa_select(table.c.invoice_id, table.c.given_on).where(imported)
        kept.update((invoice_id, given_on) for invoice_id, given_on in session.execute(query).all())
    dated = [r for r in rows if r.consent_date is not None]
    if not dated:
        return
    ids = dict(known)
    ids.update(invoice_ids(session, practice_id, [r.number for r in dated if r.number not in known]))
    now = utcnow()
    values = [
        {
            "practice_id": practice_id,
            "patient_id": patients[r.patient_key],
            "invoice_id": ids[r.number],
            "given_on": r.consent_date,
            "scope": DEFAULT_SCOPE,
            "form_location": "",
            "source": "import",
            "recorded_by": IMPORTED_BY,
            "recorded_at": now,
            "revoked_by": "",
        }
        for r in dated
        if (ids[r.number], r.consent_date) not in kept
    ]
    if values:
        session.connection().execute(insert(table), values)
