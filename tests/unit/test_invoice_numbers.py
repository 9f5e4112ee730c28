"""One rule for invoice numbers, for the import and every command (core/domain/invoice_numbers.py)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.domain.errors import InvalidInput
from core.domain.invoice_numbers import MAX_LENGTH, agency_reference, normalise_number


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("1234", "1234"),
        ("R-2026-0042", "R-2026-0042"),
        ("RE 2026 0001", "RE 2026 0001"),
        ("2026/17.a_b", "2026/17.a_b"),
        ("  RE   2026\t0001 ", "RE 2026 0001"),  # runs of spaces fold into one
        ("R-1\u200b", "R-1"),  # zero-width space pasted from a chat
        ("\ufeffR-1", "R-1"),  # byte-order mark at the start of an export
        ("R\u200e-1\u200f", "R-1"),  # direction marks
        ("RE\u00a02026\u202f0001", "RE 2026 0001"),  # no-break and narrow no-break spaces
        ("R\u20131", "R-1"),  # en dash from a phone's "smart punctuation"
        ("\uff32\uff0d\uff11", "R-1"),  # full-width letters and digits (NFKC)
        ("Ü-12", "Ü-12"),
    ],
)
def test_numbers_are_stored_and_looked_up_in_one_form(typed: str, stored: str) -> None:
    assert normalise_number(typed) == stored


@pytest.mark.parametrize("typed", ["", "   ", "\u200b", "\u200b\u200f "])
def test_a_missing_number_is_refused_with_an_example(typed: str) -> None:
    with pytest.raises(InvalidInput, match=r"Die Rechnungsnummer fehlt\. Beispiel: 1234"):
        normalise_number(typed)


def test_an_over_long_number_is_refused_naming_the_limit() -> None:
    normalise_number("R" * MAX_LENGTH)
    with pytest.raises(InvalidInput, match="zu lang \\(höchstens 40 Zeichen\\)"):
        normalise_number("R" * (MAX_LENGTH + 1))


@pytest.mark.parametrize("typed", ["R#1", "R;1", "<R1>", "2026/0042-Ä", "Rg.-Nr. 17"])
def test_numbers_as_practice_software_writes_them_are_accepted_as_they_are(typed: str) -> None:
    assert normalise_number(typed) == typed


@pytest.mark.parametrize(("typed", "named"), [("R\x001", "U+0000"), ("R\x1b[31m1", "U+001B")])
def test_control_characters_are_refused_naming_them(typed: str, named: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        normalise_number(typed)
    message = refused.value.user_message
    assert "unlesbare Steuerzeichen" in message and named in message


_ALLOWED = st.text(st.sampled_from("AZaz09 ./-_Äß"), min_size=1, max_size=MAX_LENGTH).filter(str.strip)


@given(_ALLOWED)
def test_normalising_twice_changes_nothing(typed: str) -> None:
    once = normalise_number(typed)
    assert normalise_number(once) == once


@given(_ALLOWED)
def test_every_stored_number_goes_to_the_agency_unchanged(typed: str) -> None:
    # 1159 Finance takes any trimmed text of up to 200 characters as a claim's reference.
    number = normalise_number(typed)
    reference = agency_reference(number)
    assert reference == number and reference == reference.strip() and len(reference) <= 200

