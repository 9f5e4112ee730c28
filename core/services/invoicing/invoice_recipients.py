"""Storing the invoice recipients an import names (the export's `Empfänger …` columns)."""

from __future__ import annotations

from dataclasses import asdict

from sqlalchemy import delete, insert
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from core.db.models import Invoice, InvoiceRecipient
from core.domain.invoice_rows import InvoiceRow

__all__ = ["invoice_ids", "recipient_of", "store_recipients"]

_CHUNK = 500  # numbers per IN (...) list


def store_recipients(
    session: Session, practice_id: int, rows: list[InvoiceRow], known: dict[str, int]
) -> None:
    """The recipients of a batch's new and changed invoices, replaced whole: an export's row names
    the invoice's recipient or none (then the patient owes again). `known`: number -> id of the
    invoices that were stored before this batch."""
    table = InvoiceRecipient.__table__  # type: ignore[attr-defined]
    changed = [known[r.number] for r in rows if r.number in known]
    for start in range(0, len(changed), _CHUNK):
        chunk = changed[start : start + _CHUNK]
        session.connection().execute(delete(table).where(table.c.invoice_id.in_(chunk)))
    named = [(r, r.recipient) for r in rows if r.recipient is not None]
    if not named:
        return
    ids = dict(known)
    ids.update(invoice_ids(session, practice_id, [r.number for r, _ in named if r.number not in known]))
    values = [
        {**asdict(recipient), "practice_id": practice_id, "invoice_id": ids[r.number]}
        for r, recipient in named
    ]
    session.connection().execute(insert(table), values)


def invoice_ids(session: Session, practice_id: int, numbers: list[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for start in range(0, len(numbers), _CHUNK):
        query = sa_select(col(Invoice.number), col(Invoice.id)).where(
            col(Invoice.practice_id) == practice_id, col(Invoice.number).in_(numbers[start : start + _CHUNK])
        )
        found.update((number, invoice_id) for number, invoice_id in session.execute(query).all())
    return found


def recipient_of(session: Session, invoice_id: int | None) -> InvoiceRecipient | None:
    """The invoice's recipient, if the export named one."""
    return session.exec(select(InvoiceRecipient).where(InvoiceRecipient.invoice_id == invoice_id)).first()
