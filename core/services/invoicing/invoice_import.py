"""Import the practice software's invoice export: all or nothing, streamed, in batches."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import Table
from sqlmodel import Session

from core.db import driver_rows
from core.db.engine import UnitOfWork
from core.db.models import Invoice
from core.domain.claims import InvoiceStatus, invoice_status
from core.domain.dates import utcnow
from core.domain.errors import ImportRefused
from core.domain.invoice_rows import InvoiceRow
from core.services.invoicing.handed_over import handed_over_ids
from core.services.invoicing.import_batches import Known, batches, has_invoices, sorted_batch
from core.services.invoicing.import_consents import store_consents
from core.services.invoicing.import_patients import ensure_patients
from core.services.invoicing.import_profile import load_profile
from core.services.invoicing.invoice_csv import load_mapping, read_rows
from core.services.invoicing.invoice_recipients import store_recipients
from core.services.payments_in import export_source
from core.services.people import audit
from core.services.people.access import Actor, Permission, require
from core.services.setup.onboarding import get_practice

__all__ = ["BATCH", "ImportResult", "import_invoices"]

BATCH = 2000
_AGENCY_STATES = {InvoiceStatus.IN_COLLECTION, InvoiceStatus.COMPLETE, InvoiceStatus.UNCOLLECTIBLE}


@dataclass(frozen=True)
class ImportResult:
    rows: int
    created: int
    updated: int
    unchanged: int
    dry_run: bool
    # (line, German text): contact data that will not be sent; rows of handed-over invoices left as they are
    warnings: tuple[tuple[int, str], ...] = ()
    protected: tuple[tuple[int, str], ...] = ()
    # (line, German text): what the export's "Bezahlt" changed (payments booked or suggested, decreases)
    payments: tuple[tuple[int, str], ...] = ()


def import_invoices(
    uow: UnitOfWork,
    *,
    practice_id: int,
    actor: Actor,
    path: Path,
    mapping_path: Path | None = None,
    profile: str | Path | None = None,
    dry_run: bool = False,
) -> ImportResult:
    """Import the export in one pass and one transaction: written batch by batch while reading,
    rolled back whole if any row is bad (memory stays flat however long the file is)."""
    require(actor, Permission.IMPORT)
    problems: list[tuple[int, str]] = []
    warnings: list[tuple[int, str]] = []
    protected: list[tuple[int, str]] = []
    paid: list[tuple[int, str]] = []
    rows = read_rows(
        path, load_mapping(mapping_path), problems, profile=load_profile(profile), warnings=warnings
    )
    with uow:
        session = uow.session
        get_practice(uow, practice_id)  # a German "set up the practice first" instead of a foreign-key error
        counts = {"created": 0, "updated": 0, "unchanged": 0}
        patients: dict[str, tuple[int, int]] = {}
        now = utcnow()
        handed_over = handed_over_ids(session, practice_id)
        # A first import need not look up its numbers: on PostgreSQL, each lookup into the table
        # this transaction fills would be planned as if it were as small as it began.
        nothing_stored = not has_invoices(session, practice_id)
        for batch in batches(rows, BATCH):
            if problems:
                continue  # the file is refused anyway; keep reading only to name every bad row
            fresh, changed, known, touched = sorted_batch(
                session, practice_id, batch, handed_over, protected, nothing_stored=nothing_stored
            )
            counts["created"] += len(fresh)
            counts["updated"] += len(changed)
            counts["unchanged"] += len(batch) - len(fresh) - len(changed)
            if not dry_run and (fresh or changed):
                _write_batch(session, practice_id, fresh, changed, known, patients, now)
            if touched:
                # After the rows are written: a payment is checked against the invoice's new amount.
                # A dry run settles too, for its report; its transaction is never committed.
                stored = {n: (k[0], k[4]) for n, k in known.items()}
                export_source.settle(session, actor, touched, stored, paid)
        if problems:
            raise ImportRefused(problems)
        total = sum(counts.values())
        if not total:
            raise ImportRefused([(2, "Die Datei enthält keine Rechnungen.")])
        result = ImportResult(
            total,
            counts["created"],
            counts["updated"],
            counts["unchanged"],
            dry_run,
            tuple(warnings),
            tuple(protected),
            tuple(paid),
        )
        if dry_run or not (result.created or result.updated or paid):
            return result
        audit.record(
            session,
            practice_id=practice_id,
            actor=actor,
            action="invoices.import",
            subject=path.name,
            created=result.created,
            updated=result.updated,
            unchanged=result.unchanged,
        )
        uow.commit()
        return result


# The invoice's columns an import writes, in the order of _invoice_values.
_COLUMNS = (
    "practice_id",
    "patient_id",
    "number",
    "invoice_date",
    "due_date",
    "amount",
    "paid_before",
    "service_text",
    "reminder_date",
    "handover_announced",
    "row_hash",
    "updated_at",
    "status",
)
_PAID_BEFORE, _STATUS = _COLUMNS.index("paid_before"), _COLUMNS.index("status")
_INVOICES: Table = Invoice.__table__  # type: ignore[attr-defined]
_GIVEN = ("updated_at", "paid_direct")  # in stored form already: the same in every row


def _write_batch(
    session: Session,
    practice_id: int,
    fresh: list[tuple[InvoiceRow, str]],
    changed: list[tuple[InvoiceRow, str]],
    known: Known,
    patients: dict[str, tuple[int, int]],
    now: datetime,
) -> None:
    rows = [r for r, _ in fresh + changed]
    keys = [r.patient_key for r in rows]
    ids = ensure_patients(session, practice_id, rows, keys, patients)
    connection = session.connection()
    # Values in stored form, past SQLAlchemy's per-row processing (driver_rows): what the ORM stores.
    at = driver_rows.binder(_INVOICES.c.updated_at, connection.dialect)
    now_stored = now if at is None else at(now)  # the same for every row
    if fresh:
        stored = driver_rows.storer(_INVOICES, (*_COLUMNS, "paid_direct"), connection.dialect, given=_GIVEN)
        inserted = [
            stored((*_invoice_values(r, h, practice_id, ids[key], now_stored), 0))
            for (r, h), key in zip(fresh, keys[: len(fresh)], strict=True)
        ]
        driver_rows.insert_many(connection, _INVOICES, (*_COLUMNS, "paid_direct"), inserted)
    if changed:
        stored = driver_rows.storer(_INVOICES, (*_COLUMNS, "id"), connection.dialect, given=_GIVEN)
        updates = []
        for (r, h), key in zip(changed, keys[len(fresh) :], strict=True):
            invoice_id, _, status, paid_direct, paid_before = known[r.number]
            values: list[object] = list(_invoice_values(r, h, practice_id, ids[key], now_stored))
            # What was paid before the first import stays; every later increase is in the ledger.
            values[_PAID_BEFORE] = paid_before
            if status in _AGENCY_STATES:
                values[_STATUS] = status  # the agency's side is not the export's to change
            else:
                paid = paid_before + paid_direct
                values[_STATUS] = invoice_status(amount=r.amount, paid=paid, claim_open=False)
            updates.append(stored((*values, invoice_id)))
        driver_rows.update_many(connection, _INVOICES, _COLUMNS, "id", updates)
    known_ids = {n: k[0] for n, k in known.items()}
    store_recipients(session, practice_id, rows, known_ids)
    store_consents(session, practice_id, rows, known_ids, ids)


def _invoice_values(
    r: InvoiceRow, row_hash: str, practice_id: int, patient_id: int, now: object
) -> tuple[object, ...]:
    """The values of _COLUMNS for a row; `now` in stored form."""
    return (
        practice_id,
        patient_id,
        r.number,
        r.invoice_date,
        r.due_date,
        r.amount,
        r.paid,
        r.service_text,
        r.reminder_date,
        r.handover_announced,
        row_hash,
        now,
        invoice_status(amount=r.amount, paid=r.paid, claim_open=False),
    )
