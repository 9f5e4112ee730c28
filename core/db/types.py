"""Column types: money as integer cents in the database, Decimal in Python; aware UTC times; states."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import BigInteger, DateTime
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator
from sqlmodel.sql.sqltypes import AutoString

from core.domain.money import from_cents, to_cents

__all__ = ["Cents", "StateText", "UTCDateTime"]


class Cents(TypeDecorator[Decimal]):
    """Exact money: stored as integer cents on every database, so SUM() stays exact on SQLite."""

    impl = BigInteger
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> int | None:
        return self.stored(value)

    @staticmethod
    def stored(value: Any) -> int | None:
        """What the database holds for an amount (the sync converts thousands with it directly)."""
        return None if value is None else to_cents(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        return from_cents(int(value))


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware datetimes that come back aware from SQLite too."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> datetime | None:
        return self.stored(value)

    @staticmethod
    def stored(value: datetime | None) -> datetime | None:
        """The time as stored: in UTC; a naive time is refused (the sync converts thousands)."""
        if value is None:
            return None
        if value.tzinfo is UTC:  # as decoded from the agency's answers: nothing to convert
            return value
        if value.tzinfo is None:
            raise ValueError("naive datetime")
        return value.astimezone(UTC)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        stored: datetime = value
        return stored.replace(tzinfo=UTC) if stored.tzinfo is None else stored.astimezone(UTC)


class StateText(TypeDecorator[StrEnum]):
    """A state of a StrEnum, stored as its plain text value (the column stays a VARCHAR).

    SQLModel would otherwise make an Enum column, which stores the members' names.
    """

    impl = AutoString
    cache_ok = True

    def __init__(self, states: type[StrEnum]) -> None:
        super().__init__()
        self.states = states

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        return None if value is None else self.states(value).value  # an unknown state is refused

    def process_result_value(self, value: Any, dialect: Dialect) -> StrEnum | None:
        return None if value is None else self.states(value)
