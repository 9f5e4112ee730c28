"""One round of the worker (`inkasso run --once`); the running worker's parts are core.ops.parts."""

from __future__ import annotations

import gc
import logging
from datetime import timedelta

from core import sync
from core.bootstrap import App
from core.services.collection import delivery

__all__ = ["run_once", "settle_after_start"]

log = logging.getLogger(__name__)


def settle_after_start() -> None:
    """Keep what start-up built (modules, models, settings) out of the garbage collector's sight.

    Otherwise every full collection walks those 100,000 objects again: about 40 ms in which the
    event loop stands still, measured in the middle of a 10,000-case sync (bench/sync_bench.py).
    A page of cases makes a thousand objects at once, so the youngest generation is collected
    every 10,000 allocations instead of every 700 (the pull's collections: 19.6 ms -> 12.6 ms).
    Called once the worker is set up, before its loops start.
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(10_000, 10, 10)


async def run_once(app: App) -> sync.SyncReport:
    """One round of everything the worker does (for `inkasso run --once` and `inkasso sync --once`).

    Someone asking for a round now also wants writes that wait out a backoff to be tried now.
    """
    await delivery.run_once(
        app.uow(),
        finance=app.finance(),
        practice_id=app.practice_id,
        lease=_lease(app),
        include_postponed=True,
    )
    return await sync.sync_once(
        app.uow(),
        finance=app.finance(),
        practice_id=app.practice_id,
        concurrency=app.settings.finance1159_concurrency,
    )


def _lease(app: App) -> timedelta:
    return timedelta(seconds=app.settings.outbox_lease_seconds)

