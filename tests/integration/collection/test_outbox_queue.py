"""The outbox as a queue that knows nothing of claims: any kind of item, delivered by its handler."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from sqlmodel import Session

from core import outbox
from core.bootstrap import App
from core.db.engine import UnitOfWork
from core.db.models import OutboxItem
from core.domain.dates import utcnow
from core.domain.errors import AgencyRejected, IllegalTransition


@dataclass
class NoteHandler:
    """A kind of item the collection never heard of; `outcome` says what its write does."""

    outcome: Exception | None = None
    sent: list[int] = field(default_factory=list)
    refusals: list[str] = field(default_factory=list)

    async def send(self, uow: UnitOfWork, item: OutboxItem) -> None:
        if self.outcome is not None:
            raise self.outcome
        with uow:
            self.sent.append(item.subject_id)
            outbox.finish(uow.session, item)
            uow.commit()

    def refused(self, session: Session, item: OutboxItem, exc: AgencyRejected) -> None:
        self.refusals.append(exc.user_message)


def _queued(app: App, key: str = "note:1", *, subject_id: int = 7) -> int:
    with app.uow() as uow:
        item = outbox.enqueue(
            uow.session, practice_id=app.practice_id, kind="note", subject_id=subject_id, key=key
        )
        uow.commit()
        return item.id or 0


def _item(app: App, item_id: int) -> OutboxItem:
    with app.uow() as uow:
        item = uow.session.get(OutboxItem, item_id)
        assert item is not None
        return item


async def test_an_item_of_any_kind_is_delivered_once_by_the_handler_registered_for_it(app: App) -> None:
    handler = NoteHandler()
    item_id = _queued(app)
    assert await outbox.run_once(app.uow(), handlers={"note": handler}) == 1
    assert await outbox.run_once(app.uow(), handlers={"note": handler}) == 0
    assert handler.sent == [7] and _item(app, item_id).state == "done"


async def test_an_item_another_worker_holds_is_left_alone(app: App) -> None:
    handler = NoteHandler()
    item_id = _queued(app)
    assert outbox.lease(app.uow(), item_id, "worker-a", timedelta(minutes=5)) is not None
    result = await outbox.deliver(app.uow(), handlers={"note": handler}, item_id=item_id, worker="worker-b")
    assert (result.done, result.message) == (False, "Wird bereits übermittelt.") and handler.sent == []


async def test_an_item_waiting_for_another_is_postponed_without_counting_an_attempt(app: App) -> None:
    handler = NoteHandler(outbox.NotYet("Wartet auf etwas anderes.", "waiting for something"))
    item_id = _queued(app)
    result = await outbox.deliver(app.uow(), handlers={"note": handler}, item_id=item_id)
    item = _item(app, item_id)
    assert (result.done, result.failed, result.message) == (False, False, "Wartet auf etwas anderes.")
    assert (item.state, item.attempts, item.last_error, item.locked_until) == (
        "pending",
        0,
        "waiting for something",
        None,
    )
    assert item.next_attempt_at > utcnow() + timedelta(seconds=20)


async def test_a_refusal_for_good_fails_the_item_and_is_recorded_by_its_handler(app: App) -> None:
    handler = NoteHandler(AgencyRejected("Nicht angenommen.", "refused"))
    item_id = _queued(app)
    result = await outbox.deliver(app.uow(), handlers={"note": handler}, item_id=item_id)
    item = _item(app, item_id)
    assert (result.done, result.failed, result.message) == (False, True, "Nicht angenommen.")
    assert (item.state, item.last_error) == ("failed", "refused") and handler.refusals == [
        "Nicht angenommen."
    ]


async def test_an_item_whose_kind_has_no_handler_is_an_error_not_a_silent_success(app: App) -> None:
    item_id = _queued(app)
    with pytest.raises(ValueError, match="unknown outbox kind note"):
        await outbox.deliver(app.uow(), handlers={}, item_id=item_id)
    assert _item(app, item_id).state == "pending"


@dataclass
class MisfitHandler(NoteHandler):
    """Its write for subject 1 gets an answer that does not fit the subject's state."""

    async def send(self, uow: UnitOfWork, item: OutboxItem) -> None:
        if item.subject_id == 1:
            raise IllegalTransition("Passt nicht.", "illegal move")
        await super().send(uow, item)


async def test_an_answer_that_does_not_fit_its_subject_fails_the_item_and_the_round_goes_on(app: App) -> None:
    misfit, later = _queued(app, "note:misfit", subject_id=1), _queued(app, "note:later")
    handler = MisfitHandler()
    assert await outbox.run_once(app.uow(), handlers={"note": handler}) == 1
    assert (_item(app, misfit).state, _item(app, misfit).last_error) == ("failed", "illegal move")
    assert _item(app, later).state == "done" and handler.sent == [7]
    assert handler.refusals == []  # nothing to record on the subject: its state is what it was
