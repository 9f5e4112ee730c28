"""Supervision of the worker's parts (Telegram, mail, outbox, sync): no single door can stop it.

Each part runs under `supervise`: when it fails it is started again after a backoff (Telegram's
`retry_after` when the peer names one) while the other parts go on. Only `stop` (a signal) ends
it. A failure that lasts until a setting is fixed (credentials refused) is also recorded as a
problem (`core.ops.problems`): banner, chat message once, `inkasso doctor`.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from core.bootstrap import App
from core.domain.dates import utcnow
from core.domain.errors import InkassoError
from core.ops import problems

__all__ = ["Health", "Part", "PartState", "Ready", "sleep", "supervise"]

log = logging.getLogger(__name__)

FIRST_BACKOFF, LONGEST_BACKOFF = 1.0, 300.0


@dataclass
class PartState:
    running: bool = False
    failure: str = ""  # English, for logs and /healthz; never a secret (exception type and short text)
    last_ok: datetime | None = None  # the part's last successful round (sync, mail pass, ...)
    failures: int = 0


@dataclass
class Health:
    """What each part is doing now; read by /healthz and /metrics."""

    parts: dict[str, PartState] = field(default_factory=dict)

    def started(self, name: str) -> None:
        self.parts.setdefault(name, PartState()).running = True

    def ok(self, name: str) -> None:
        state = self.parts.setdefault(name, PartState())
        state.running, state.failure, state.last_ok = True, "", utcnow()

    def failed(self, name: str, failure: str) -> None:
        state = self.parts.setdefault(name, PartState())
        state.running, state.failure = False, failure
        state.failures += 1

    def failing(self) -> dict[str, str]:
        return {name: s.failure or "not running" for name, s in self.parts.items() if not s.running}


Ready = Callable[[], None]


@dataclass(frozen=True)
class Part:
    """`run(stop, ready)` does the part's work until `stop` is set; it calls `ready()` whenever it
    has shown that it works (a round done, a peer accepted it). `problem` names the peer whose
    refusal `lasting` recognises; `ready()` clears that problem again."""

    name: str
    run: Callable[[asyncio.Event, Ready], Awaitable[None]]
    problem: str | None = None
    lasting: Callable[[BaseException], bool] = lambda exc: False
    # False where an exception's text may hold a secret (Telegram's quote the bot token).
    traceback_in_log: bool = True


async def supervise(app: App, part: Part, stop: asyncio.Event, health: Health) -> None:
    """Run `part` until `stop` is set, starting it again after each failure."""
    backoff = FIRST_BACKOFF

    def ready() -> None:
        nonlocal backoff
        backoff = FIRST_BACKOFF
        health.ok(part.name)
        if part.problem is not None:
            problems.clear(app.uow(), practice_id=app.practice_id, source=part.problem)

    while not stop.is_set():
        health.started(part.name)
        try:
            await part.run(stop, ready)
            if stop.is_set():
                return
            raise RuntimeError("ended by itself")
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            delay = _retry_after(exc) or backoff
            health.failed(part.name, _describe(exc))
            lasting = part.problem is not None and part.lasting(exc)
            if lasting:
                assert part.problem is not None
                _report(app, part.problem)
                delay = max(delay, LONGEST_BACKOFF)
            unexpected = part.traceback_in_log and not isinstance(exc, InkassoError)
            log.warning(
                "%s failed (%s); starting it again in %.0f s",
                part.name,
                _describe(exc),
                delay,
                exc_info=unexpected,
            )
            backoff = min(backoff * 2, LONGEST_BACKOFF)
        await sleep(stop, delay)


def _report(app: App, source: str) -> None:
    try:
        problems.report(app.uow(), practice_id=app.practice_id, source=source)
    except Exception:  # the database may be the next thing that is down; the retry goes on
        log.exception("could not record the problem with %s", source)


def _retry_after(exc: BaseException) -> float | None:
    """Seconds the peer asked us to wait (Telegram's 429 carries `retry_after`)."""
    value = getattr(exc, "retry_after", None)
    if isinstance(value, timedelta):
        return value.total_seconds()
    if isinstance(value, int | float) and value >= 0:
        return float(value)
    return None


def _describe(exc: BaseException) -> str:
    # Only the type and the product's own log text: a Telegram error's str() may quote the token.
    detail = getattr(exc, "log_message", "")
    return f"{type(exc).__name__}: {detail}" if detail else type(exc).__name__


async def sleep(stop: asyncio.Event, seconds: float) -> None:
    """Wait `seconds`, or less when `stop` is set meanwhile."""
    try:
        await asyncio.wait_for(stop.wait(), timeout=seconds)
    except TimeoutError:
        pass
