"""The queue itself: enqueue, lease, postpone, finish and fail items, whatever they carry."""

from __future__ import annotations

import logging
import os
import socket
import uuid
from datetime import datetime, timedelta

from sqlalchemy import insert, or_, update
from sqlmodel import Session, col, select

from core.db.engine import UnitOfWork
from core.db.models import OutboxItem
from core.domain.dates import utcnow

LEASE = timedelta(minutes=5)
MAX_BACKOFF = timedelta(hours=1)
WORKER_ID = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
PENDING, DONE, FAILED, CANCELLED = "pending", "done", "failed", "cancelled"
log = logging.getLogger(__name__)


def enqueue(session: Session, *, practice_id: int, kind: str, subject_id: int, key: str) -> OutboxItem:
    """Store an item in the caller's transaction, beside the change it belongs to."""
    item = OutboxItem(practice_id=practice_id, kind=kind, subject_id=subject_id, idempotency_key=key)
    session.add(item)
    session.flush()
    return item


def enqueue_many(
    session: Session, *, practice_id: int, kind: str, subjects: dict[str, int]
) -> dict[str, int]:
    """Store one item per idempotency key (key → subject id) in the caller's transaction, in one
    statement however many there are (a bank statement's bookings); their ids by key."""
    if not subjects:
        return {}
    now = utcnow()
    rows = [
        {
            "practice_id": practice_id,
            "kind": kind,
            "subject_id": subject_id,
            "idempotency_key": key,
            "state": PENDING,
            "attempts": 0,
            "next_attempt_at": now,
            "locked_by": "",
            "last_error": "",
            "created_at": now,
        }
        for key, subject_id in subjects.items()
    ]
    stored = session.connection().execute(
        insert(OutboxItem).returning(col(OutboxItem.id), col(OutboxItem.idempotency_key)), rows
    )
    return {key: item_id or 0 for item_id, key in stored.all()}


def cancel_untouched(session: Session, item: OutboxItem) -> bool:
    """Cancel a pending item no worker ever took up, so its request cannot have reached 1159 Finance.
    False if one did (a lost answer or a crash after sending count no attempt, but leave locked_by),
    even a moment ago: one conditional UPDATE, like the lease, so of the two only one wins."""
    result = session.connection().execute(
        update(OutboxItem)
        .where(
            col(OutboxItem.id) == item.id,
            col(OutboxItem.state) == PENDING,
            col(OutboxItem.locked_by) == "",
            col(OutboxItem.attempts) == 0,
        )
        .values(state=CANCELLED, done_at=utcnow())
    )
    if item in session:
        session.expire(item, ["state", "done_at"])  # as the UPDATE left them
    return result.rowcount == 1


def lease(uow: UnitOfWork, item_id: int, worker: str, duration: timedelta) -> OutboxItem | None:
    """Take the item for `duration` if it is pending and nobody holds it: one conditional UPDATE,
    so of two workers only one gets it. None if another holds it or it is settled."""
    now = utcnow()
    with uow:
        result = uow.session.connection().execute(
            update(OutboxItem)
            .where(
                col(OutboxItem.id) == item_id,
                col(OutboxItem.state) == PENDING,
                or_(col(OutboxItem.locked_until).is_(None), col(OutboxItem.locked_until) < now),
            )
            .values(locked_until=now + duration, locked_by=worker)
        )
        if result.rowcount != 1:
            return None
        item = uow.session.get(OutboxItem, item_id)
        uow.commit()
        return item


def due_items(
    uow: UnitOfWork, *, limit: int = 50, practice_id: int | None = None, now: datetime | None = None
) -> list[int]:
    """Pending items whose next attempt is due by `now` (a later `now` pulls postponed ones forward)."""
    now = now or utcnow()
    with uow:
        query = (
            select(OutboxItem.id)
            .where(
                col(OutboxItem.state) == PENDING,
                col(OutboxItem.next_attempt_at) <= now,
                or_(col(OutboxItem.locked_until).is_(None), col(OutboxItem.locked_until) < now),
            )
            .order_by(col(OutboxItem.id))
            .limit(limit)
        )
        if practice_id is not None:
            query = query.where(OutboxItem.practice_id == practice_id)
        # No FOR UPDATE SKIP LOCKED here: the locks would end with this read at once, and while
        # they last another worker's read skips every listed row and finds an empty queue. The
        # conditional UPDATE in lease() is what keeps two workers off one item.
        return [i for i in uow.session.exec(query).all() if i is not None]


def backoff(attempts: int) -> timedelta:
    """How long a write waits after `attempts` failed tries: doubling from 10 s, at most an hour."""
    return min(timedelta(seconds=10 * 2 ** min(attempts, 12)), MAX_BACKOFF)


def retry_later(
    uow: UnitOfWork, item: OutboxItem, error: str, delay: timedelta, *, count: bool = True
) -> None:
    """Release the item until `delay` has passed."""
    with uow:
        row = uow.session.get(OutboxItem, item.id)
        assert row is not None
        row.attempts += int(count)
        row.next_attempt_at = utcnow() + delay
        row.locked_until = None
        row.last_error = error[:500]
        uow.commit()
    log.warning("outbox item %s (%s) postponed: %s", item.id, item.kind, error)


def finish(session: Session, item: OutboxItem) -> None:
    """Mark the item delivered, in the transaction that records the answer."""
    _settle(session, item, DONE, "")


def fail(session: Session, item: OutboxItem, error: str) -> None:
    """Mark the item refused for good, in the transaction that records the refusal."""
    _settle(session, item, FAILED, error[:500])


def _settle(session: Session, item: OutboxItem, state: str, error: str) -> None:
    row = session.get(OutboxItem, item.id)
    assert row is not None
    row.state, row.done_at, row.locked_until, row.last_error = state, utcnow(), None, error


__all__ = [
    "CANCELLED",
    "DONE",
    "FAILED",
    "LEASE",
    "MAX_BACKOFF",
    "PENDING",
    "WORKER_ID",
    "backoff",
    "cancel_untouched",
    "due_items",
    "enqueue",
    "enqueue_many",
    "fail",
    "finish",
    "lease",
    "retry_later",
]
