"""How far the last pull got, per stream (cases by their change time, payments by their creation)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import select

from core.db.engine import UnitOfWork
from core.db.models import SyncCursor

CASES, PAYMENTS = "cases", "payments"


def position(uow: UnitOfWork, practice_id: int, stream: str) -> datetime | None:
    with uow:
        row = uow.session.exec(
            select(SyncCursor).where(SyncCursor.practice_id == practice_id, SyncCursor.stream == stream)
        ).first()
        return row.position if row else None


def newer_than(seen: datetime | None) -> datetime | None:
    """The agency's filters are inclusive: ask for what is newer than the newest already seen.

    Otherwise every pull reads the last change again, and all cases that share its time stamp
    (a batch the agency made in one go) with it.
    """
    return None if seen is None else seen + timedelta(microseconds=1)


def advance(uow: UnitOfWork, practice_id: int, stream: str, seen: datetime | None) -> None:
    """Move the cursor forward to `seen`; never back (another worker may have got further)."""
    if seen is None:
        return
    with uow:
        row = uow.session.exec(
            select(SyncCursor).where(SyncCursor.practice_id == practice_id, SyncCursor.stream == stream)
        ).first()
        if row is None:
            row = SyncCursor(practice_id=practice_id, stream=stream)
            uow.session.add(row)
        if row.position is None or seen > row.position:
            row.position = seen
        uow.commit()


def last_sync(uow: UnitOfWork, *, practice_id: int) -> datetime | None:
    return position(uow, practice_id, CASES)
