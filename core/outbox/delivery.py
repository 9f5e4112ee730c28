"""Delivering items: lease one, hand it to the handler registered for its kind, record the outcome.

The handlers (what a claim, a payment, a withdrawal sends and records) live with their use cases
in core/services/collection/delivery/; this module knows only the outcomes every write can have.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Protocol

from sqlmodel import Session

from core.db.engine import UnitOfWork
from core.db.models import OutboxItem
from core.domain.dates import utcnow
from core.domain.errors import AgencyRejected, IllegalTransition, PeerUnavailable
from core.finance1159.errors import AuthenticationFailed
from core.ops import problems
from core.outbox import queue
from core.outbox.queue import LEASE, MAX_BACKOFF, WORKER_ID

NOT_YET_DELAY = timedelta(seconds=30)
log = logging.getLogger(__name__)

REFUSED_RETRY = timedelta(minutes=5)  # credentials refused: a fix is not noticed later than this


@dataclass(frozen=True)
class DeliveryResult:
    done: bool
    failed: bool
    message: str


class NotYet(Exception):
    """The item depends on another one not delivered yet; it is tried again soon, no attempt counted."""

    def __init__(self, user_message: str, log_message: str) -> None:
        super().__init__(log_message)
        self.user_message, self.log_message = user_message, log_message


class Handler(Protocol):
    """What one kind of item sends, and what it records when the agency answers or refuses."""

    async def send(self, uow: UnitOfWork, item: OutboxItem) -> None:
        """Make the write and record the answer, finishing the item in that transaction (queue.finish)."""

    def refused(self, session: Session, item: OutboxItem, exc: AgencyRejected) -> None:
        """Record on the item's subject that its write was refused for good (the item is failed already)."""


async def deliver(
    uow: UnitOfWork,
    *,
    handlers: Mapping[str, Handler],
    item_id: int,
    worker: str = WORKER_ID,
    lease: timedelta = LEASE,
) -> DeliveryResult:
    """Send one item if nobody else holds it; record the answer.

    `lease` is how long a crashed sender keeps the item before another worker may send it again
    (Settings.outbox_lease_seconds); it must be longer than one call with all its retries.
    """
    item = queue.lease(uow.fresh(), item_id, worker, lease)
    if item is None:
        return DeliveryResult(False, False, "Wird bereits übermittelt.")
    handler = handlers.get(item.kind)
    if handler is None:
        raise ValueError(f"unknown outbox kind {item.kind}")
    try:
        await handler.send(uow.fresh(), item)
    except NotYet as exc:
        queue.retry_later(uow.fresh(), item, exc.log_message, NOT_YET_DELAY, count=False)
        return DeliveryResult(False, False, exc.user_message)
    except AuthenticationFailed as exc:  # lasting until fixed: shown once, and tried again soon after
        delay = min(queue.backoff(item.attempts), REFUSED_RETRY)
        queue.retry_later(uow.fresh(), item, exc.log_message, delay)
        problems.report(uow.fresh(), practice_id=item.practice_id, source=problems.AGENCY)
        return DeliveryResult(False, False, exc.user_message)
    except PeerUnavailable as exc:
        queue.retry_later(uow.fresh(), item, exc.log_message, queue.backoff(item.attempts))
        return DeliveryResult(False, False, "1159 Finance ist gerade nicht erreichbar.")
    except AgencyRejected as exc:
        _fail(uow.fresh(), handler, item, exc)
        return DeliveryResult(False, True, exc.user_message)
    except IllegalTransition as exc:
        # The answer does not fit the subject's state (a bug, or a race no lease prevented). Sending
        # it again would end the same way and hold up the items behind it: failed, and logged.
        log.error("outbox item %s (%s): %s", item.id, item.kind, exc.log_message)
        with uow.fresh() as settling:
            queue.fail(settling.session, item, exc.log_message)
            settling.commit()
        return DeliveryResult(False, True, exc.user_message)
    return DeliveryResult(True, False, "Übermittelt.")


async def run_once(
    uow: UnitOfWork,
    *,
    handlers: Mapping[str, Handler],
    worker: str = WORKER_ID,
    limit: int = 50,
    practice_id: int | None = None,
    lease: timedelta = LEASE,
    include_postponed: bool = False,
) -> int:
    """Deliver every due item once (with `include_postponed`, also those waiting out a backoff)."""
    delivered = 0
    horizon = utcnow() + MAX_BACKOFF if include_postponed else None
    for item_id in queue.due_items(uow.fresh(), limit=limit, practice_id=practice_id, now=horizon):
        result = await deliver(uow, handlers=handlers, item_id=item_id, worker=worker, lease=lease)
        delivered += int(result.done)
    return delivered


def _fail(uow: UnitOfWork, handler: Handler, item: OutboxItem, exc: AgencyRejected) -> None:
    with uow:
        queue.fail(uow.session, item, exc.log_message)
        handler.refused(uow.session, item, exc)
        uow.commit()
    log.error("outbox item %s (%s) refused for good: %s", item.id, item.kind, exc.log_message)


__all__ = ["DeliveryResult", "Handler", "NotYet", "deliver", "run_once"]
