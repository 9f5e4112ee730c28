"""How far the last pull got, per stream (cases by their change time, payments by their creation)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import Session, select

from core.db.engine import UnitOfWork
from core.db.models import SyncCursor

CASES, PAYMENTS = "cases", "payments"


def positions(session: Session, practice_id: int) -> dict[str, datetime | None]:
    """Every stream's position (None for a stream never pulled)."""
    rows = session.exec(
        select(SyncCursor.stream, SyncCursor.position).where(SyncCursor.practice_id == practice_id)
    ).all()
    found: dict[str, datetime | None] = {CASES: None, PAYMENTS: None}
    found.update(dict(rows))
    return found


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
    with uow:
        return positions(uow.session, practice_id)[CASES]
