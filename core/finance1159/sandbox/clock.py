"""The sandbox's simulated time: the wall clock shifted by the days advanced through /_sandbox/clock."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from core.finance1159.sandbox.store import Store

__all__ = ["Clock", "stamp"]


class Clock:
    """`day` (days advanced since the last reset) persists, so a restart keeps the simulated date."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._day = int(store.get_meta("day", "0") or 0)

    @property
    def day(self) -> int:
        return self._day

    def set_day(self, day: int) -> None:
        self._store.set_meta("day", str(day))
        self._day = day

    def now(self) -> datetime:
        return datetime.now(UTC) + timedelta(days=self._day)

    def stamp(self) -> str:
        """A fixed-width UTC time, so that SQLite compares stamps as text correctly."""
        return stamp(self.now())

    def today(self) -> date:
        return self.now().date()


def stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="microseconds")
