"""The collection's writes to 1159 Finance through the outbox: one handler per item kind.

`deliver` and `run_once` are the outbox's, with these handlers registered.
"""

from __future__ import annotations

from datetime import timedelta

from core import outbox
from core.db.engine import UnitOfWork
from core.finance1159.client import Finance1159Client
from core.outbox import LEASE, WORKER_ID, DeliveryResult, Handler
from core.services.collection.delivery.claims import ClaimSender
from core.services.collection.delivery.common import CLAIM, PAYMENT, WITHDRAWAL
from core.services.collection.delivery.payments import PaymentSender
from core.services.collection.delivery.withdrawals import WithdrawalSender


def handlers(finance: Finance1159Client) -> dict[str, Handler]:
    """The handler of every item kind, sending through `finance`."""
    return {
        CLAIM: ClaimSender(finance),
        PAYMENT: PaymentSender(finance),
        WITHDRAWAL: WithdrawalSender(finance),
    }


async def deliver(
    uow: UnitOfWork,
    *,
    finance: Finance1159Client,
    item_id: int,
    worker: str = WORKER_ID,
    lease: timedelta = LEASE,
) -> DeliveryResult:
    """Send one item now if nobody else holds it (see outbox.deliver)."""
    return await outbox.deliver(uow, handlers=handlers(finance), item_id=item_id, worker=worker, lease=lease)


async def run_once(
    uow: UnitOfWork,
    *,
    finance: Finance1159Client,
    worker: str = WORKER_ID,
    limit: int = 50,
    practice_id: int | None = None,
    lease: timedelta = LEASE,
    include_postponed: bool = False,
) -> int:
    """Deliver every due item once; returns how many were delivered (see outbox.run_once)."""
    return await outbox.run_once(
        uow,
        handlers=handlers(finance),
        worker=worker,
        limit=limit,
        practice_id=practice_id,
        lease=lease,
        include_postponed=include_postponed,
    )


__all__ = ["CLAIM", "PAYMENT", "WITHDRAWAL", "DeliveryResult", "deliver", "handlers", "run_once"]
