"""The retention periods' one rule: kept through 31 December of the last year, gone from 1 January."""

from __future__ import annotations

from datetime import date

import pytest

from core.services.privacy.retention import cutoff, kept_until


@pytest.mark.parametrize(
    ("arose", "years", "on", "past"),
    [
        (date(2015, 1, 1), 10, date(2025, 12, 31), False),
        (date(2015, 12, 31), 10, date(2026, 1, 1), True),
        (date(2016, 1, 1), 10, date(2026, 1, 1), False),
        (date(2019, 11, 1), 6, date(2026, 1, 1), True),
        (date(2020, 1, 2), 6, date(2026, 12, 31), False),
    ],
)
def test_a_record_is_past_retention_only_after_the_last_day_it_is_kept(
    arose: date, years: int, on: date, past: bool
) -> None:
    assert (arose < cutoff(years, on)) is past
    assert (kept_until(arose, years) < on) is past
