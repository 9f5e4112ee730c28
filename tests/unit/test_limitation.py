"""Statute of limitations of a fee claim, §§ 195, 199 BGB (core/domain/limitation.py)."""

from __future__ import annotations

from datetime import date

import pytest

from core.domain.errors import PreconditionFailed
from core.domain.limitation import (
    barred_soon,
    check_limitation,
    is_time_barred,
    limitation_end,
    limitation_warning,
)

INVOICED = date(2023, 3, 15)


@pytest.mark.parametrize("invoiced", [date(2023, 1, 1), INVOICED, date(2023, 12, 31)])
def test_the_period_ends_with_the_thirty_first_of_december_three_years_after_the_invoice_year(
    invoiced: date,
) -> None:
    assert limitation_end(invoiced) == date(2026, 12, 31)


def test_on_the_last_day_the_claim_is_not_yet_time_barred_and_the_next_day_it_is() -> None:
    assert not is_time_barred(INVOICED, date(2026, 12, 31))
    assert is_time_barred(INVOICED, date(2027, 1, 1))


def test_an_invoice_from_new_years_eve_is_time_barred_a_year_before_one_from_new_years_day() -> None:
    # The period starts with the end of the invoice's year: 31.12.2022 and 01.01.2023 differ by a year.
    assert is_time_barred(date(2022, 12, 31), date(2026, 1, 1))
    assert not is_time_barred(date(2023, 1, 1), date(2026, 1, 1))


@pytest.mark.parametrize(
    ("on", "warned"),
    [
        (date(2026, 9, 30), False),  # more than three months left
        (date(2026, 10, 1), True),  # the last three months begin
        (date(2026, 12, 31), True),  # the last day
        (date(2027, 1, 1), False),  # time-barred: refused, not warned
    ],
)
def test_the_overview_warns_in_the_last_three_months_only(on: date, warned: bool) -> None:
    assert barred_soon(INVOICED, on) is warned
    warning = limitation_warning(number="R-1", arose=INVOICED, on=on)
    assert (warning is not None) is warned
    if warning:
        assert "verjährt mit Ablauf des 31.12.2026" in warning and "R-1" in warning


def test_a_time_barred_claim_is_refused_in_german_with_the_date_it_became_time_barred() -> None:
    check_limitation(number="R-1", arose=INVOICED, on=date(2026, 12, 31))  # still allowed
    with pytest.raises(PreconditionFailed) as refused:
        check_limitation(number="R-1", arose=INVOICED, on=date(2027, 1, 1))
    message = refused.value.user_message
    assert "R-1" in message and "verjährt" in message and "31.12.2026" in message
    assert "§§ 195, 199 BGB" in message and "nicht an 1159 Finance übergeben" in message
