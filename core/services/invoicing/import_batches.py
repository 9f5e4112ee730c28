"""The import's rows in batches, each sorted into new, changed and unchanged against what is stored."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from sqlalchemy import select as sa_select
from sqlmodel import Session, col

from core.db.models import Invoice
from core.domain.invoice_rows import InvoiceRow
from core.services.invoicing.handed_over import protected_rows

__all__ = ["Known", "batches", "has_invoices", "sorted_batch"]


def batches(rows: Iterator[tuple[int, InvoiceRow]], size: int) -> Iterator[list[tuple[int, InvoiceRow]]]:
    """The rows in lists of `size`, so each list costs one query and one write."""
    batch: list[tuple[int, InvoiceRow]] = []
    for item in rows:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def sorted_batch(
    session: Session,
    practice_id: int,
    batch: list[tuple[int, InvoiceRow]],
    handed_over: frozenset[int],
    protected: list[tuple[int, str]],
    *,
    nothing_stored: bool = False,
) -> tuple[list[tuple[InvoiceRow, str]], list[tuple[InvoiceRow, str]], Known, list[tuple[int, InvoiceRow]]]:
    """New and changed rows (with their hashes); rows that would change a handed-over invoice are
    added to `protected` and left out (counted as unchanged). Last, every known row that differs
    from what is stored, protected or not, with its line: its "Bezahlt" is looked at in any case.

    `nothing_stored`: the practice had no invoice when the import began, so every row is new (a
    number twice in the file is refused while reading); nothing is looked up."""
    known = {} if nothing_stored else _known_invoices(session, practice_id, [r.number for _, r in batch])
    fresh, changed, candidates, touched = [], [], [], []
    for line, r in batch:
        h = r.row_hash()
        if r.number not in known:
            fresh.append((r, h))
        elif known[r.number][1] != h:
            changed.append((r, h))
            touched.append((line, r))
            if known[r.number][0] in handed_over:
                candidates.append((line, r))
    if candidates:
        reports = protected_rows(session, candidates, {n: v[0] for n, v in known.items()})
        protected += reports
        lines = {line for line, _ in reports}
        left = {r.number for line, r in candidates if line in lines}
        changed = [(r, h) for r, h in changed if r.number not in left]
    return fresh, changed, known, touched


def has_invoices(session: Session, practice_id: int) -> bool:
    """Whether the practice has any invoice stored."""
    query = sa_select(col(Invoice.id)).where(col(Invoice.practice_id) == practice_id).limit(1)
    return session.execute(query).first() is not None


# number -> (id, row hash, status, paid directly, paid before)
Known = dict[str, tuple[int, str, str, Decimal, Decimal]]


def _known_invoices(session: Session, practice_id: int, numbers: list[str]) -> Known:
    """The invoices of `numbers` already stored."""
    known: Known = {}
    for start in range(0, len(numbers), 500):
        known.update(
            (number, (invoice_id, row_hash, status, paid_direct, paid_before))
            for number, invoice_id, row_hash, status, paid_direct, paid_before in session.execute(
                sa_select(
                    col(Invoice.number),
                    col(Invoice.id),
                    col(Invoice.row_hash),
                    col(Invoice.status),
                    col(Invoice.paid_direct),
                    col(Invoice.paid_before),
                ).where(
                    col(Invoice.practice_id) == practice_id,
                    col(Invoice.number).in_(numbers[start : start + 500]),
                )
            ).all()
        )
    return known
