"""Money: German parsing and formatting, Decimal only (core/domain/money.py)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.domain.errors import InvalidInput
from core.domain.money import (
    MAX_AMOUNT,
    clean_text,
    format_eur,
    format_number,
    from_cents,
    parse_amount,
    to_cents,
)

amounts = st.decimals(min_value=Decimal("0.01"), max_value=MAX_AMOUNT, places=2)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("50", "50.00"),
        ("12,50", "12.50"),
        ("12,5", "12.50"),
        ("1.234,56", "1234.56"),
        ("123.456,78", "123456.78"),
        ("12.50", "12.50"),
        ("50,00 €", "50.00"),
        ("€ 50,00", "50.00"),
        ("EUR 7,10", "7.10"),
        ("+3,00", "3.00"),
        (" 1 234,56 ", "1234.56"),
        ("1\u00a0234,56", "1234.56"),
        ("5\u200b0,00", "50.00"),
        ("1000000", "1000000.00"),
    ],
)
def test_german_and_plain_amounts_are_parsed_to_two_decimal_places(text: str, expected: str) -> None:
    assert parse_amount(text) == Decimal(expected)
    assert parse_amount(text).as_tuple().exponent == -2


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "fehlt"),
        ("   ", "fehlt"),
        ("€", "fehlt"),
        ("-5,00", "negativ"),
        ("12,345", "mehrdeutig"),
        ("1.234", "mehrdeutig"),
        ("0,001", "mehrdeutig"),
        ("1234,567", "mehr als zwei Nachkommastellen"),
        ("1.000.001", "unplausibel hoch"),
        ("1000000,01", "unplausibel hoch"),
        ("abc", "kein gültiger Betrag"),
        ("NaN", "kein gültiger Betrag"),
        ("1e5", "kein gültiger Betrag"),
        ("12,50,00", "kein gültiger Betrag"),
        ("1.23.456", "kein gültiger Betrag"),
        ("0", "nicht 0"),
        ("0,00", "nicht 0"),
    ],
)
def test_bad_amounts_are_refused_with_a_german_reason(text: str, reason: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        parse_amount(text)
    assert reason in refused.value.user_message


def test_zero_is_accepted_only_when_allowed() -> None:
    assert parse_amount("0,00", allow_zero=True) == Decimal("0.00")


@pytest.mark.parametrize(
    ("amount", "number"),
    [
        ("0", "0,00"),
        ("0.5", "0,50"),
        ("12.5", "12,50"),
        ("999.99", "999,99"),
        ("1234.56", "1.234,56"),
        ("1000000", "1.000.000,00"),
        ("-1234.5", "-1.234,50"),
        ("0.005", "0,01"),
        ("2.675", "2,68"),
    ],
)
def test_amounts_are_formatted_the_german_way_rounding_half_up(amount: str, number: str) -> None:
    assert format_number(Decimal(amount)) == number
    assert format_eur(Decimal(amount)) == f"{number} €"


def test_cents_convert_both_ways_exactly() -> None:
    assert to_cents(Decimal("12.34")) == 1234
    assert to_cents(Decimal("0.005")) == 1
    for zero in ("0.00", "-0.00", "0E-7", "0"):
        assert to_cents(Decimal(zero)) == 0
    with pytest.raises(TypeError, match="never float"):
        to_cents(12.5)  # type: ignore[arg-type]
    assert from_cents(1234) == Decimal("12.34")
    assert from_cents(0) == Decimal("0.00")


def test_clean_text_drops_invisible_marks_and_folds_odd_spaces() -> None:
    assert clean_text("\u200e12,50\u200f") == "12,50"
    assert clean_text("a\u2009b") == "a b"
    assert clean_text("  x  ") == "x"


@given(amounts)
def test_any_formatted_amount_parses_back_to_the_same_decimal(amount: Decimal) -> None:
    assert parse_amount(format_number(amount)) == amount
    assert parse_amount(format_eur(amount)) == amount


@given(amounts)
def test_plain_dotted_amounts_parse_back_too(amount: Decimal) -> None:
    assert parse_amount(f"{amount:.2f}") == amount


@given(st.integers(min_value=0, max_value=100_000_000))
def test_cents_round_trip(cents: int) -> None:
    assert to_cents(from_cents(cents)) == cents


@given(st.decimals(min_value=-(10**9), max_value=10**9, places=5, allow_nan=False))
def test_cents_round_half_away_from_zero_like_a_bank(amount: Decimal) -> None:
    # The plain definition; to_cents takes a shortcut for amounts already in whole cents.
    expected = int((amount * 100).to_integral_value(rounding=ROUND_HALF_UP))
    assert to_cents(amount) == expected
    assert to_cents(str(amount)) == expected  # type: ignore[arg-type]


@given(st.text(max_size=30))
def test_junk_never_crashes_and_never_yields_a_float(text: str) -> None:
    try:
        value = parse_amount(text)
    except InvalidInput as refused:
        assert refused.user_message
        return
    assert isinstance(value, Decimal)
    assert not isinstance(value, float)
    assert value.as_tuple().exponent == -2
    assert Decimal("0.01") <= value <= MAX_AMOUNT


@given(st.from_regex(r"\A[0-9.,€ +-]{0,14}\Z"))
def test_number_like_junk_never_crashes(text: str) -> None:
    try:
        value = parse_amount(text)
    except InvalidInput:
        return
    assert isinstance(value, Decimal)
    assert value.as_tuple().exponent == -2


def test_clean_text_on_latin1_text_is_what_the_character_by_character_cleaning_gives() -> None:
    """The fast path for ASCII and NFKC-normal Latin-1 text (German names) changes nothing."""
    from core.domain.money import _clean_each

    samples = [chr(code) for code in range(0x100)]
    samples += [f" Gr{ch}ße {ch}x " for ch in samples] + ["Müller-Lüdenscheidt", "Straße\xad 5", "5\xa0€", ""]
    for text in samples:
        assert clean_text(text) == _clean_each(text), repr(text)
