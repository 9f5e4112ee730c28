"""Closed months: a manager closes a month, its entries and files are kept as they were, and
whatever changes later for it (a late fee, a corrected payment) is booked in the next open month
as a correction that names the month and booking it corrects.

Per closed month we keep its journal entries (`BookMonth.entries`) and its final files with their
SHA-256 (`BookExport`, `final`); every other export is kept with its hash too.
"""

from __future__ import annotations

import hashlib
from datetime import date
from decimal import Decimal
from typing import Any

from sqlmodel import Session, col, func, select

from core.db.models import BookExport, BookMonth, Claim
from core.domain.dates import format_date
from core.domain.money import ZERO
from core.services.accounting import journal
from core.services.accounting.journal import Book, Entry
from core.services.accounting.ledger import Period, local_day, period

__all__ = [
    "Key",
    "clearing_before",
    "closed_months",
    "final_export",
    "from_json",
    "keep_export",
    "month_entries",
    "to_json",
]

Key = tuple[str, str, int | None, str, str, date]


def to_json(e: Entry) -> dict[str, Any]:
    return {
        "day": e.day.isoformat(), "amount": str(e.amount), "debit": e.debit, "credit": e.credit,
        "text": e.text, "reference": e.reference, "case_id": e.case_id, "source": e.source, "kind": e.kind,
        "corrects": e.corrects, "original_day": e.original_day.isoformat() if e.original_day else None,
    }  # fmt: skip


def from_json(d: dict[str, Any]) -> Entry:
    original = date.fromisoformat(d["original_day"]) if d.get("original_day") else None
    return Entry(
        date.fromisoformat(d["day"]), Decimal(d["amount"]), d["debit"], d["credit"], d["text"],
        d["reference"], d["case_id"], d["source"], d["kind"], d.get("corrects", ""), original,
    )  # fmt: skip


def closed_months(session: Session, *, practice_id: int) -> dict[str, BookMonth]:
    rows = session.exec(select(BookMonth).where(BookMonth.practice_id == practice_id)).all()
    return {row.month: row for row in rows}


def month_entries(session: Session, *, practice_id: int, book: Book, span: Period) -> list[Entry]:
    """A closed month's entries as locked; an open month's own entries plus the corrections of the
    closed months whose next open month it is."""
    closed = closed_months(session, practice_id=practice_id)
    if span.month in closed:
        return [from_json(d) for d in closed[span.month].entries]
    own = journal.build(session, practice_id=practice_id, book=book, span=span)
    return own + _corrections(session, practice_id, book, span, closed)


def _next_open(month: str, closed: dict[str, BookMonth]) -> str:
    span = period(month, allow_future=True)
    nxt = span.end.strftime("%Y-%m")
    return _next_open(nxt, closed) if nxt in closed else nxt


def _key(e: Entry) -> Key:
    return (e.kind, e.reference, e.case_id, e.debit, e.credit, e.original_day or e.day)


def _net(entries: list[Entry]) -> tuple[dict[Key, Decimal], dict[Key, Entry]]:
    sums: dict[Key, Decimal] = {}
    sample: dict[Key, Entry] = {}
    for e in entries:
        sums[_key(e)] = sums.get(_key(e), ZERO) + e.amount
        sample.setdefault(_key(e), e)
    return sums, sample


def _corrections(
    session: Session, practice_id: int, book: Book, span: Period, closed: dict[str, BookMonth]
) -> list[Entry]:
    out: list[Entry] = []
    for month in sorted(m for m in closed if m < span.month and _next_open(m, closed) == span.month):
        past = period(month, allow_future=True)
        locked = [from_json(d) for row in closed.values() for d in row.entries]
        locked = [e for e in locked if (e.corrects or (e.day.strftime("%Y-%m"))) == month]
        now, sample = _net(journal.build(session, practice_id=practice_id, book=book, span=past))
        before, sample_before = _net(locked)
        for key in sorted(set(now) | set(before), key=str):
            diff = now.get(key, ZERO) - before.get(key, ZERO)
            if diff:
                how = "nachgetragen" if key not in before else "storniert" if key not in now else "berichtigt"
                out.append(_correction(sample.get(key) or sample_before[key], diff, past, span, how))
    return out


def _correction(template: Entry, amount: Decimal, past: Period, span: Period, how: str) -> Entry:
    """`how`: nachgetragen (new since closing), storniert (gone since), berichtigt (changed)."""
    day = template.original_day or template.day
    source = f"{how}: Buchung vom {format_date(day)} ({template.source})"
    return Entry(
        span.start, amount, template.debit, template.credit, f"Korrektur {past.label}: {template.text}",
        template.reference, template.case_id, source, template.kind, past.month, day,
    )  # fmt: skip


def keep_export(
    session: Session, *, practice_id: int, month: str, fmt: str, name: str, data: bytes, by: str, final: bool
) -> BookExport:
    row = BookExport(
        practice_id=practice_id, month=month, format=fmt, name=name, data=data,
        sha256=hashlib.sha256(data).hexdigest(), final=final, created_by=by,
    )  # fmt: skip
    session.add(row)
    return row


def final_export(session: Session, *, practice_id: int, month: str, fmt: str) -> BookExport | None:
    return session.exec(
        select(BookExport)
        .where(
            BookExport.practice_id == practice_id,
            BookExport.month == month,
            BookExport.format == fmt,
            col(BookExport.final).is_(True),
        )  # fmt: skip
        .order_by(col(BookExport.id))
    ).first()


def clearing_before(session: Session, *, practice_id: int, book: Book, span: Period) -> Decimal:
    """The clearing account's balance at the start of `span`: every earlier month's entries (a
    closed month's as locked, an open month's with its corrections)."""
    first = session.exec(select(func.min(Claim.created_at)).where(Claim.practice_id == practice_id)).one()
    if first is None:
        return ZERO
    clearing, total = book.account("clearing"), ZERO
    month = local_day(first).strftime("%Y-%m")
    while month < span.month:
        past = period(month, allow_future=True)
        for e in month_entries(session, practice_id=practice_id, book=book, span=past):
            total += journal.effect_on(clearing, e)
        month = past.end.strftime("%Y-%m")
    return total
