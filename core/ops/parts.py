"""The worker's own parts, as `core.ops.supervision` runs them: deliver the outbox, pull from 1159 Finance.

A round that raises ends the part; the supervisor starts it again after a backoff. The agency
refusing the credentials (403) is a lasting problem: the sync raises it, the outbox records it
per item (`core.outbox`) and goes on with the next item.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

from core import sync
from core.bootstrap import App
from core.finance1159.errors import AuthenticationFailed
from core.ops import problems
from core.ops.supervision import Part, Ready, sleep
from core.services.collection import delivery

__all__ = ["app_ready", "outbox_part", "refused_by_agency", "sync_part"]

log = logging.getLogger(__name__)


def refused_by_agency(exc: BaseException) -> bool:
    return isinstance(exc, AuthenticationFailed)


def outbox_part(app: App) -> Part:
    async def run(stop: asyncio.Event, ready: Ready) -> None:
        # The first round after a start also sends what waits out a backoff: a restart is how
        # someone says "fixed, try now" (e.g. after correcting the agency's credentials).
        include_postponed = True
        while not stop.is_set():
            delivered = await delivery.run_once(
                app.uow(),
                finance=app.finance(),
                practice_id=app.practice_id,
                lease=timedelta(seconds=app.settings.outbox_lease_seconds),
                include_postponed=include_postponed,
            )
            include_postponed = False
            app_ready(app, ready, accepted=delivered > 0)
            await sleep(stop, app.settings.outbox_interval_seconds)

    return Part("outbox", run)


def sync_part(app: App) -> Part:
    async def run(stop: asyncio.Event, ready: Ready) -> None:
        while not stop.is_set():
            report = await sync.sync_once(
                app.uow(),
                finance=app.finance(),
                practice_id=app.practice_id,
                concurrency=app.settings.finance1159_concurrency,
            )
            if report.cases_changed or report.payments_added:
                log.info(
                    "sync: %s cases changed, %s payments added", report.cases_changed, report.payments_added
                )
            ready()
            await sleep(stop, app.settings.sync_interval_seconds)

    return Part("sync", run, problem=problems.AGENCY, lasting=refused_by_agency)


def app_ready(app: App, ready: Ready, *, accepted: bool) -> None:
    """A round done; when the agency took a write, it accepts the credentials again."""
    ready()
    if accepted:
        problems.clear(app.uow(), practice_id=app.practice_id, source=problems.AGENCY)
