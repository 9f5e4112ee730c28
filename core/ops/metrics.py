"""/metrics of `inkasso run --health-port`, in the Prometheus text format (prometheus-client).

Outbox figures come from the database (so they are right whichever worker delivered); the last
successful sync and mail pass and the parts' state from this worker's `Health`.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import func
from sqlmodel import col, select

from core.bootstrap import App
from core.db.models import OutboxItem
from core.domain.dates import utcnow
from core.ops import problems
from core.ops.supervision import Health

__all__ = ["PREFIX", "WorkerCollector", "registry_for", "render"]

PREFIX = "inkasso"


class WorkerCollector(Collector):
    def __init__(self, app: App, health: Health) -> None:
        self.app, self.health = app, health

    def collect(self) -> Iterator[GaugeMetricFamily | CounterMetricFamily]:
        yield from self._outbox()
        yield from self._parts()
        active = GaugeMetricFamily(f"{PREFIX}_problem", "A peer refuses the worker (1)", labels=["source"])
        for problem in problems.active(self.app.uow(), practice_id=self.app.practice_id):
            active.add_metric([problem.source], 1)
        yield active

    def _outbox(self) -> Iterator[GaugeMetricFamily | CounterMetricFamily]:
        pending = GaugeMetricFamily(
            f"{PREFIX}_outbox_pending", "Writes waiting for 1159 Finance", labels=["kind"]
        )
        oldest = GaugeMetricFamily(
            f"{PREFIX}_outbox_oldest_pending_age_seconds", "Age of the oldest waiting write (0: none)"
        )
        done = CounterMetricFamily(f"{PREFIX}_outbox_delivered", "Writes 1159 Finance took", labels=["kind"])
        failed = CounterMetricFamily(f"{PREFIX}_outbox_failed", "Writes refused for good", labels=["kind"])
        first: datetime | None = None
        for kind, state, count, since in self._outbox_rows():
            if state == "pending":
                pending.add_metric([kind], count)
                first = since if first is None or since < first else first
            elif state in ("done", "failed"):
                (done if state == "done" else failed).add_metric([kind], count)
        oldest.add_metric([], (utcnow() - first).total_seconds() if first else 0.0)
        yield from (pending, oldest, done, failed)

    def _outbox_rows(self) -> list[tuple[str, str, int, datetime]]:
        query = (
            select(OutboxItem.kind, OutboxItem.state, func.count(), func.min(OutboxItem.created_at))
            .where(OutboxItem.practice_id == self.app.practice_id)
            .group_by(col(OutboxItem.kind), col(OutboxItem.state))
        )
        with self.app.uow() as uow:
            return [(k, s, n, t) for k, s, n, t in uow.session.exec(query).all()]

    def _parts(self) -> Iterator[GaugeMetricFamily | CounterMetricFamily]:
        up = GaugeMetricFamily(
            f"{PREFIX}_part_up", "The worker's part is running (1) or failing (0)", labels=["part"]
        )
        failures = CounterMetricFamily(
            f"{PREFIX}_part_failures", "Failures of the part since start", labels=["part"]
        )
        last_ok = GaugeMetricFamily(
            f"{PREFIX}_last_success_timestamp_seconds",
            "Last successful round of the part (sync: a pull, mail: a mailbox pass), Unix time",
            labels=["part"],
        )
        for name, state in sorted(self.health.parts.items()):
            up.add_metric([name], 1 if state.running else 0)
            failures.add_metric([name], state.failures)
            if state.last_ok is not None:
                last_ok.add_metric([name], state.last_ok.timestamp())
        yield from (up, failures, last_ok)


def registry_for(app: App, health: Health) -> CollectorRegistry:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(WorkerCollector(app, health))
    return registry


def render(registry: CollectorRegistry) -> bytes:
    return generate_latest(registry)
