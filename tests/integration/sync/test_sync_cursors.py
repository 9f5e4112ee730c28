"""The pull's cursors (core/sync/cursors.py) on SQLite and PostgreSQL: created on the first pull,
moved forward, never back, kept apart per stream and practice."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from core.bootstrap import App
from core.db.models import Practice
from core.sync import cursors
from core.sync.cursors import CASES, PAYMENTS

T0 = datetime(2026, 3, 1, 12, 34, 56, 789012, tzinfo=UTC)


def positions(app: App, practice_id: int | None = None) -> dict[str, datetime | None]:
    with app.uow() as uow:
        return cursors.positions(uow.session.connection(), practice_id or app.practice_id)


def test_the_first_advance_creates_the_cursor_and_later_ones_move_it_forward(app: App) -> None:
    assert positions(app) == {CASES: None, PAYMENTS: None}
    cursors.advance(app.uow(), app.practice_id, CASES, T0)
    assert positions(app) == {CASES: T0, PAYMENTS: None}
    later = T0 + timedelta(microseconds=1)
    cursors.advance(app.uow(), app.practice_id, CASES, later)
    assert positions(app) == {CASES: later, PAYMENTS: None}
    assert cursors.last_sync(app.uow(), practice_id=app.practice_id) == later


def test_a_cursor_never_moves_back(app: App) -> None:
    cursors.advance(app.uow(), app.practice_id, PAYMENTS, T0)
    # Another worker got further meanwhile: an older answer, a whole second earlier or a microsecond
    # earlier, and nothing at all, leave its position alone.
    for older in (T0 - timedelta(seconds=1), T0 - timedelta(microseconds=1), T0.replace(microsecond=0), None):
        cursors.advance(app.uow(), app.practice_id, PAYMENTS, older)
        assert positions(app)[PAYMENTS] == T0


def test_a_time_in_another_zone_is_compared_as_the_same_instant(app: App) -> None:
    berlin = timezone(timedelta(hours=1))
    cursors.advance(app.uow(), app.practice_id, CASES, T0)
    cursors.advance(app.uow(), app.practice_id, CASES, (T0 - timedelta(minutes=30)).astimezone(berlin))
    assert positions(app)[CASES] == T0  # 13:04 in Berlin is earlier than 12:34 UTC
    newer = (T0 + timedelta(minutes=1)).astimezone(berlin)
    cursors.advance(app.uow(), app.practice_id, CASES, newer)
    assert positions(app)[CASES] == newer


def test_cursors_of_two_practices_are_apart(app: App) -> None:
    other = app.practice_id + 1
    with app.uow() as uow:
        uow.session.add(Practice(id=other, name="Praxis nebenan"))
        uow.commit()
    cursors.advance(app.uow(), app.practice_id, CASES, T0)
    cursors.advance(app.uow(), other, CASES, T0 + timedelta(days=1))
    assert positions(app)[CASES] == T0
    assert positions(app, other)[CASES] == T0 + timedelta(days=1)


def test_both_streams_move_in_one_call_and_a_stream_seen_as_none_stays(app: App) -> None:
    cursors.advance_streams(app.uow(), app.practice_id, {CASES: T0, PAYMENTS: None})
    assert positions(app) == {CASES: T0, PAYMENTS: None}
    later = T0 + timedelta(seconds=1)
    cursors.advance_streams(app.uow(), app.practice_id, {CASES: T0 - timedelta(seconds=1), PAYMENTS: later})
    assert positions(app) == {CASES: T0, PAYMENTS: later}
    cursors.advance_streams(app.uow(), app.practice_id, {})
    assert positions(app) == {CASES: T0, PAYMENTS: later}
