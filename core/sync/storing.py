"""Storing the cases of a pull while its pages are still coming in.

Pages are planned in their own task, a few dozen cases at a time, so that answers and new requests
always go first: a page held up by planning keeps a connection idle for 20 ms. The plans are
written in order by one writer thread, so SQLite's and the driver's own work runs beside the HTTP
work; plans that wait while it writes go into its next transaction together (a commit waits for
the disk, so a writer that falls behind commits less often and catches up). A full pull first
reads all claims at once, in a thread, once its first requests are out.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import datetime
from types import TracebackType

from core.db.engine import UnitOfWork
from core.finance1159 import wire
from core.sync.cases import Form, Plan, apply_cases, plan_cases, write_plans
from core.sync.stored import KnownClaims, known_claims, read_known_claims

__all__ = ["BATCH", "CaseStore", "SLICE"]

BATCH = 200  # cases per transaction: one costs about as much as planning a hundred cases
SLICE = 50  # cases planned before the loop may serve answers again


class CaseStore:
    """`async with CaseStore(...) as store:` give it pages with `add`, then `await store.finish()`."""

    def __init__(self, uow: UnitOfWork, practice_id: int, *, read_all: bool) -> None:
        self._uow, self._practice_id, self._read_all = uow, practice_id, read_all
        self._form = Form.of(uow.engine.dialect)
        self._pages: asyncio.Queue[Sequence[wire.Case] | None] = asyncio.Queue()
        self._requests_out = asyncio.Event()
        self._waiting: deque[Plan] = deque()  # planned, not yet taken by the writer
        self._written: list[Future[int]] = []
        self.changed = 0  # claims changed in status or money
        self.seen: set[int] = set()  # case ids read
        self.newest: datetime | None = None  # the latest change among them

    async def __aenter__(self) -> CaseStore:
        self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sync-writer")
        self._known = asyncio.ensure_future(self._read_known())
        self._planner = asyncio.ensure_future(self._plan())
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self._planner.cancel()
        if not self._requests_out.is_set():
            self._known.cancel()  # still waiting, no thread started
        # A started read runs on in its thread until done; it is waited for, not abandoned.
        await asyncio.gather(self._planner, self._known, return_exceptions=True)
        self._writer.shutdown(wait=True)  # nothing is written after the pull returned

    def requests_out(self) -> None:
        """The pull has sent its first requests: the early read may begin."""
        self._requests_out.set()

    def add(self, cases: Sequence[wire.Case]) -> None:
        self.seen.update(c.case_id for c in cases)
        latest = max(c.updated_at for c in cases)
        self.newest = latest if self.newest is None else max(self.newest, latest)
        self._pages.put_nowait(cases)

    async def finish(self) -> None:
        """Store what still waits and wait until everything is written."""
        self._pages.put_nowait(None)
        await self._planner
        self.changed += sum([await asyncio.wrap_future(done) for done in self._written])

    async def _read_known(self) -> KnownClaims | None:
        if not self._read_all:
            return None
        await self._requests_out.wait()
        return await asyncio.to_thread(read_known_claims, self._uow.fresh(), self._practice_id)

    async def _plan(self) -> None:
        batch: list[wire.Case] = []
        while (cases := await self._pages.get()) is not None:
            batch.extend(cases)
            if len(batch) >= BATCH:
                await self._store(batch)
                batch = []
        if batch:
            await self._store(batch)

    async def _known_claims(self) -> KnownClaims | None:
        """The early read's claims; waited for once begun (reading them again per batch would cost
        more), None where there is none."""
        if self._requests_out.is_set():
            await asyncio.wait([self._known])
        ready = self._known.done() and not self._known.cancelled() and not self._known.exception()
        return self._known.result() if ready else None

    async def _store(self, cases: list[wire.Case]) -> None:
        known = await self._known_claims()
        stored, fees, missing = known_claims(known, cases)
        if missing:  # an incremental pull, or claims handed over since the full one began
            self.changed += apply_cases(self._uow.fresh(), self._practice_id, missing)
        mine = [c for c in cases if c.case_id in stored]
        plan: Plan | None = None
        for start in range(0, len(mine), SLICE):
            await asyncio.sleep(0)
            plan = plan_cases(self._form, stored, fees, mine[start : start + SLICE], into=plan)
        if plan is not None:
            self._waiting.append(plan)
            self._written.append(self._writer.submit(self._write_waiting))

    def _write_waiting(self) -> int:
        """In the writer thread: every plan waiting so far, in one transaction (none if an earlier
        call took them all)."""
        plans: list[Plan] = []
        while self._waiting:
            plans.append(self._waiting.popleft())
        return write_plans(self._uow.fresh(), plans) if plans else 0
