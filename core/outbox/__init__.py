"""The durable outbox: every write to 1159 Finance, delivered at least once and applied exactly once.

A write is stored in the same transaction as the change it belongs to (`enqueue`). A worker leases
an item (an atomic conditional UPDATE, so two workers never hold one item), calls 1159 Finance
outside any transaction, and records the answer. A crash between the call and the commit leaves
the item leased; when the lease ends it is sent again, and the agency's idempotency (the claim's
reference, the payment's own reference) turns the repeat into the first answer.

The queue knows nothing of what an item carries: queue.py keeps the items, delivery.py runs them
through the handler registered for their kind (core/services/collection/delivery/).
"""

from core.outbox.delivery import DeliveryResult, Handler, NotYet, deliver, run_once
from core.outbox.queue import (
    LEASE,
    MAX_BACKOFF,
    PENDING,
    WORKER_ID,
    cancel_untouched,
    due_items,
    enqueue,
    enqueue_many,
    finish,
    lease,
)

__all__ = [
    "LEASE",
    "MAX_BACKOFF",
    "PENDING",
    "WORKER_ID",
    "DeliveryResult",
    "Handler",
    "NotYet",
    "cancel_untouched",
    "deliver",
    "due_items",
    "enqueue",
    "enqueue_many",
    "finish",
    "lease",
    "run_once",
]
