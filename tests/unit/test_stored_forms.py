"""The converters of the sync and the import (driver_rows.binder) store exactly what the ORM would store."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy.dialects import postgresql, sqlite

from core.db.driver_rows import binder
from core.db.models import Claim, Invoice
from core.db.types import Cents
from core.domain.money import to_cents

TIME = Claim.__table__.c.agency_updated_at  # type: ignore[attr-defined]
SQLITE = sqlite.dialect()
OFFSETS = st.timedeltas(min_value=-timedelta(hours=23, minutes=59), max_value=timedelta(hours=23, minutes=59))
AWARE = st.builds(
    lambda moment, offset: moment.replace(tzinfo=timezone(offset)),
    st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30)),
    OFFSETS,
)


def orm_time_binder(dialect: object) -> object:
    return TIME.type.dialect_impl(dialect).bind_processor(dialect)


def test_sqlite_times_get_the_fast_converter_and_postgresql_keeps_sqlalchemys() -> None:
    assert binder(TIME, SQLITE) is not None and binder(TIME, SQLITE) is not orm_time_binder(SQLITE)
    assert binder(TIME, postgresql.psycopg.dialect()).__qualname__.startswith("TypeDecorator")  # type: ignore[union-attr]


# The agency's answers decode to UTC itself (its own fast path), with or without microseconds.
IN_UTC = st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31), timezones=st.just(UTC))


@given(AWARE | IN_UTC)
def test_a_time_on_sqlite_is_stored_as_the_orm_stores_it(moment: datetime) -> None:
    fast, orm = binder(TIME, SQLITE), orm_time_binder(SQLITE)
    assert fast is not None
    assert fast(moment) == orm(moment)  # type: ignore[operator]


def test_sqlite_times_keep_whole_seconds_and_refuse_naive_ones() -> None:
    fast = binder(TIME, SQLITE)
    assert fast is not None
    an_hour_west = timezone(timedelta(hours=-1))
    assert fast(datetime(2026, 11, 27, 18, 0, tzinfo=an_hour_west)) == "2026-11-27 19:00:00.000000"
    assert fast(datetime(2026, 11, 27, 19, 0, tzinfo=UTC)) == "2026-11-27 19:00:00.000000"
    assert fast(datetime(2026, 11, 27, 19, 0, 0, 5, tzinfo=UTC)) == "2026-11-27 19:00:00.000005"
    assert fast(None) is None
    with pytest.raises(ValueError, match="naive"):
        fast(datetime(2026, 11, 27, 19, 0))
    with pytest.raises(ValueError, match="naive"):
        orm_time_binder(SQLITE)(datetime(2026, 11, 27, 19, 0))  # type: ignore[operator]


@given(st.decimals(min_value=-(10**9), max_value=10**9, allow_nan=False, allow_infinity=False, places=4))
def test_cents_are_stored_as_to_cents_makes_them(amount: Decimal) -> None:
    assert Cents.stored(amount) == to_cents(amount)
    assert Cents.stored(None) is None
    with pytest.raises(TypeError, match="never float"):
        Cents.stored(float(amount))
    assert Cents.stored(amount.quantize(Decimal("0.01"))) == int(amount.quantize(Decimal("0.01")) * 100)


DAY = Invoice.__table__.c.due_date  # type: ignore[attr-defined]


@given(st.dates() | st.datetimes() | st.none())
def test_a_day_on_sqlite_is_stored_as_the_orm_stores_it(value: date | None) -> None:
    fast, orm = binder(DAY, SQLITE), DAY.type.dialect_impl(SQLITE).bind_processor(SQLITE)
    assert fast is not None and fast is not orm
    assert fast(value) == orm(value)
