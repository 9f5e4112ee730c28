"""Dates: `TT.MM.JJJJ` input and output, default per § 286 BGB, ageing (core/domain/dates.py)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.domain.dates import (
    AgeBucket,
    age_bucket,
    bucket_bounds,
    days_overdue,
    default_date,
    format_date,
    format_datetime,
    parse_date,
    parse_month,
)
from core.domain.errors import InvalidInput


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("05.03.2026", date(2026, 3, 5)),
        ("5.3.2026", date(2026, 3, 5)),
        ("2026-03-05", date(2026, 3, 5)),
        (" 29.02.2024 ", date(2024, 2, 29)),
        ("\u200e31.12.2025", date(2025, 12, 31)),
        ("\u0660\u0665.\u0660\u0663.\u0662\u0660\u0662\u0666", date(2026, 3, 5)),  # Arabic-Indic digits
    ],
)
def test_german_and_iso_dates_are_parsed(text: str, expected: date) -> None:
    assert parse_date(text) == expected


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "fehlt"),
        ("31.02.2026", "gibt es nicht im Kalender"),
        ("29.02.2025", "gibt es nicht im Kalender"),
        ("00.01.2026", "gibt es nicht im Kalender"),
        ("05.13.2026", "gibt es nicht im Kalender"),
        ("+5.03.2026", "ist kein Datum"),
        ("05.03.2O26", "ist kein Datum"),
        ("05/03/2026", "ist kein Datum"),
        ("5.3.26", "ist kein Datum"),
        ("März 2026", "ist kein Datum"),
        ("2026-3-5", "ist kein Datum"),
    ],
)
def test_impossible_or_foreign_dates_are_refused_in_german(text: str, reason: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        parse_date(text)
    assert reason in refused.value.user_message
    assert "TT.MM.JJJJ" in refused.value.user_message or "Kalender" in refused.value.user_message


def test_a_refused_date_names_its_field() -> None:
    with pytest.raises(InvalidInput, match="Fällig am"):
        parse_date("gestern", field="Fällig am")


@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2199, 12, 31)))
def test_any_formatted_date_parses_back(value: date) -> None:
    assert parse_date(format_date(value)) == value
    assert parse_date(value.isoformat()) == value


def test_a_missing_date_is_shown_as_a_dash() -> None:
    assert format_date(None) == "–"
    assert format_datetime(None) == "–"


def test_times_are_shown_in_berlin_time() -> None:
    assert format_datetime(datetime(2026, 7, 1, 10, 0, tzinfo=UTC)) == "01.07.2026 12:00"
    assert format_datetime(datetime(2026, 1, 15, 10, 0, tzinfo=UTC)) == "15.01.2026 11:00"


def _default(due: date, reminder: date | None, *, notice: bool) -> date | None:
    return default_date(due_date=due, reminder_date=reminder, consumer_notice=notice)


def test_default_starts_thirty_days_after_the_due_date_without_a_reminder() -> None:
    assert _default(date(2026, 1, 1), None, notice=True) == date(2026, 1, 31)


def test_a_reminder_after_the_due_date_brings_the_default_forward() -> None:
    assert _default(date(2026, 1, 1), date(2026, 1, 10), notice=True) == date(2026, 1, 10)


def test_a_late_reminder_does_not_postpone_the_default() -> None:
    assert _default(date(2026, 1, 1), date(2026, 3, 1), notice=True) == date(2026, 1, 31)


def test_without_the_consumer_notice_only_a_reminder_puts_a_patient_in_default() -> None:
    assert _default(date(2026, 1, 1), None, notice=False) is None
    on_reminder = _default(date(2026, 1, 1), date(2026, 3, 1), notice=False)
    assert on_reminder == date(2026, 3, 1)
    early = _default(date(2026, 1, 31), date(2026, 1, 20), notice=False)
    assert early is None


def test_a_reminder_before_the_due_date_does_not_count() -> None:
    assert _default(date(2026, 1, 31), date(2026, 1, 20), notice=True) == date(2026, 3, 2)


def test_days_overdue_is_never_negative() -> None:
    due = date(2026, 5, 10)
    assert days_overdue(due_date=due, on=due - timedelta(days=3)) == 0
    assert days_overdue(due_date=due, on=due) == 0
    assert days_overdue(due_date=due, on=due + timedelta(days=45)) == 45


@pytest.mark.parametrize(
    ("days", "bucket"),
    [
        (0, AgeBucket.D0_30),
        (1, AgeBucket.D0_30),
        (30, AgeBucket.D0_30),
        (31, AgeBucket.D31_60),
        (60, AgeBucket.D31_60),
        (61, AgeBucket.D61_90),
        (90, AgeBucket.D61_90),
        (91, AgeBucket.D90_PLUS),
        (1000, AgeBucket.D90_PLUS),
    ],
)
def test_ageing_buckets_have_inclusive_upper_bounds(days: int, bucket: AgeBucket) -> None:
    assert age_bucket(days) == bucket


def test_the_bounds_of_each_bucket_are_those_the_bucketing_uses() -> None:
    assert [bucket_bounds(b) for b in AgeBucket] == [(None, 30), (31, 60), (61, 90), (91, None)]
    for days in range(-3, 200):
        lower, upper = bucket_bounds(age_bucket(days))
        assert (lower is None or lower <= days) and (upper is None or days <= upper)


@pytest.mark.parametrize(
    ("text", "expected"), [("2026-10", (2026, 10)), ("3/2026", (2026, 3)), ("03.2026", (2026, 3))]
)
def test_months_are_parsed(text: str, expected: tuple[int, int]) -> None:
    assert parse_month(text) == expected


@pytest.mark.parametrize("text", ["2026-13", "13/2026", "Oktober", "", "2026-00"])
def test_bad_months_are_refused_in_german(text: str) -> None:
    with pytest.raises(InvalidInput, match="JJJJ-MM"):
        parse_month(text)
