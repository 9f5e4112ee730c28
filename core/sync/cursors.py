"""How far the last pull got, per stream (cases by their change time, payments by their creation)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import String, bindparam, text
from sqlalchemy.engine import Connection

from core.db.engine import UnitOfWork
from core.db.models import SyncCursor

__all__ = ["advance", "advance_streams", "last_sync", "newer_than", "positions"]

CASES, PAYMENTS = "cases", "payments"

_CURSORS = SyncCursor.__table__  # type: ignore[attr-defined]
# A plain statement: a pull reads it before its first request goes out, and the ORM's would first
# have to be compiled (milliseconds, in a worker's first pull).
_POSITIONS = text(f"SELECT stream, position FROM {_CURSORS.name} WHERE practice_id = :practice_id").columns(
    stream=String, position=_CURSORS.c.position.type
)


# One plain upsert, for the same reason, at the end of a pull: the ORM's select, insert and their
# compilation cost 4 ms of a worker's first pull. "Never back" is the WHERE: the ON CONFLICT clause
# of SQLite and PostgreSQL alike. SQLite compares the stored texts, which have a fixed width.
_ADVANCE = text(
    f"INSERT INTO {_CURSORS.name} (practice_id, stream, position) VALUES (:practice_id, :stream, :seen) "
    f"ON CONFLICT (practice_id, stream) DO UPDATE SET position = excluded.position "
    f"WHERE {_CURSORS.name}.position IS NULL OR {_CURSORS.name}.position < excluded.position"
).bindparams(bindparam("seen", type_=_CURSORS.c.position.type))


def positions(connection: Connection, practice_id: int) -> dict[str, datetime | None]:
    """Every stream's position (None for a stream never pulled)."""
    found: dict[str, datetime | None] = {CASES: None, PAYMENTS: None}
    found.update(
        (stream, position)
        for stream, position in connection.execute(_POSITIONS, {"practice_id": practice_id})
    )
    return found


def newer_than(seen: datetime | None) -> datetime | None:
    """The agency's filters are inclusive: ask for what is newer than the newest already seen.

    Otherwise every pull reads the last change again, and all cases that share its time stamp
    (a batch the agency made in one go) with it.
    """
    return None if seen is None else seen + timedelta(microseconds=1)


def advance(uow: UnitOfWork, practice_id: int, stream: str, seen: datetime | None) -> None:
    """Move the cursor forward to `seen`; never back (another worker may have got further)."""
    advance_streams(uow, practice_id, {stream: seen})


def advance_streams(uow: UnitOfWork, practice_id: int, seen: dict[str, datetime | None]) -> None:
    """Move several streams' cursors forward in one transaction (one commit waiting for the disk at
    the end of a pull, not one per stream); a stream seen as None stays where it is."""
    values = [
        {"practice_id": practice_id, "stream": stream, "seen": position}
        for stream, position in seen.items()
        if position is not None
    ]
    if not values:
        return
    with uow:
        for one in values:
            uow.session.connection().execute(_ADVANCE, one)
        uow.commit()


def last_sync(uow: UnitOfWork, *, practice_id: int) -> datetime | None:
    with uow:
        return positions(uow.session.connection(), practice_id)[CASES]
