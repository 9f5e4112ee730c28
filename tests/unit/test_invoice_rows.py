"""One export row, validated (core/domain/invoice_rows.py)."""

from __future__ import annotations

import hashlib
from dataclasses import astuple
from datetime import date
from decimal import ROUND_DOWN, Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.domain.dates import format_date
from core.domain.errors import InvalidInput
from core.domain.invoice_rows import REQUIRED, parse_row
from core.domain.money import clean_text, format_number
from tests.factories import export_row

ON = date(2026, 6, 15)


def problems(**columns: str) -> str:
    with pytest.raises(InvalidInput) as refused:
        parse_row(export_row(on=ON, cells=columns))
    return refused.value.user_message


def test_a_complete_row_becomes_an_invoice_row() -> None:
    row = parse_row(
        export_row(
            "R-7", on=ON, due_days_ago=45, amount="1.234,56", paid="34,56", reminder=True, announced=True
        )
    )
    assert row.number == "R-7"
    assert row.due_date == date(2026, 5, 1)
    assert row.invoice_date == date(2026, 4, 17)
    assert row.amount == Decimal("1234.56")
    assert row.paid == Decimal("34.56")
    assert row.reminder_date == date(2026, 5, 15)
    assert row.handover_announced is True
    assert row.consent_date is None
    assert row.birth_date == date(1970, 5, 17)
    assert row.country == "DE"


def test_only_the_required_columns_are_needed() -> None:
    full = export_row(on=ON)
    row = parse_row({column: full[column] for column in REQUIRED})
    assert row.paid == Decimal("0.00")
    assert row.country == "DE"
    assert row.handover_announced is False
    assert row.birth_date is None


@pytest.mark.parametrize("column", REQUIRED)
def test_an_empty_required_cell_is_named(column: str) -> None:
    assert f"„{column}“ fehlt" in problems(**{column: " "})


def test_a_bad_date_is_named_with_its_column() -> None:
    message = problems(**{"Fällig am": "31.02.2026"})
    assert "Fällig am „31.02.2026“ gibt es nicht im Kalender" in message


def test_a_bad_amount_is_named_with_its_column() -> None:
    assert problems(Betrag="12,345").startswith("Betrag: „12,345“ ist mehrdeutig")
    assert problems(Betrag="zwölf").startswith("Betrag: „zwölf“ ist kein gültiger Betrag")


def test_a_zero_amount_is_refused() -> None:
    assert "„Betrag“ muss größer als 0 sein" in problems(Betrag="0,00")


def test_paid_more_than_billed_is_refused() -> None:
    assert "„Bezahlt“ ist höher als der Rechnungsbetrag" in problems(Betrag="50,00", Bezahlt="50,01")


def test_paid_in_full_is_fine() -> None:
    assert parse_row(export_row(on=ON, amount="50,00", paid="50,00")).paid == Decimal("50.00")


def test_a_due_date_before_the_invoice_date_is_refused() -> None:
    message = problems(Rechnungsdatum="10.06.2026", **{"Fällig am": "01.06.2026"})
    assert "„Fällig am“ liegt vor dem Rechnungsdatum" in message


def test_the_announcement_must_be_yes_or_no() -> None:
    assert "„Inkasso angekündigt“ muss „ja“ oder „nein“ sein" in problems(
        **{"Inkasso angekündigt": "vielleicht"}
    )
    assert parse_row(export_row(on=ON, cells={"Inkasso angekündigt": "JA"})).handover_announced is True
    assert parse_row(export_row(on=ON, cells={"Inkasso angekündigt": ""})).handover_announced is False


def test_the_country_must_be_a_two_letter_code() -> None:
    assert "Ländercode" in problems(Land="Deutschland")
    assert parse_row(export_row(on=ON, Land="at")).country == "AT"


def test_overlong_cells_are_refused() -> None:
    too_long = problems(Rechnungsnummer="R" * 41)
    assert f"Die Rechnungsnummer „{'R' * 40}…“ ist zu lang (höchstens 40 Zeichen)." in too_long


@pytest.mark.parametrize(
    ("cell", "number"),
    [
        ("RE 2026 0001", "RE 2026 0001"),
        ("R-1\u200b", "R-1"),
        ("RE\u00a02026  0001", "RE 2026 0001"),
        ("2026/17.a_b", "2026/17.a_b"),
    ],
)
def test_invoice_numbers_are_imported_in_the_form_every_command_looks_up(cell: str, number: str) -> None:
    assert parse_row(export_row(cell, on=ON)).number == number


def test_an_invoice_number_as_the_practice_software_writes_it_is_imported_as_it_is() -> None:
    assert parse_row(export_row(on=ON, Rechnungsnummer="R#1 / 2026")).number == "R#1 / 2026"


def test_every_problem_of_a_row_is_named_at_once() -> None:
    message = problems(Betrag="x", Vorname="", **{"Mahnung am": "gestern"})
    assert message.count("; ") == 2
    assert "Betrag:" in message and "„Vorname“ fehlt" in message and "Mahnung am „gestern“" in message


def test_the_same_row_always_has_the_same_hash_and_a_change_changes_it() -> None:
    one = parse_row(export_row(on=ON))
    assert one.row_hash() == parse_row(export_row(on=ON)).row_hash()
    assert one.row_hash() != parse_row(export_row(on=ON, paid="10,00")).row_hash()
    assert one.row_hash() != parse_row(export_row(on=ON, Ort="Bonn")).row_hash()


def test_the_patient_is_recognised_regardless_of_case_and_spaces() -> None:
    one = parse_row(export_row("R-1", on=ON))
    other = parse_row(export_row("R-2", on=ON, Vorname=" ERIKA ", Nachname="mustermann"))
    assert one.patient_key == other.patient_key
    assert one.patient_key != parse_row(export_row("R-3", on=ON, Geburtsdatum="18.05.1970")).patient_key


def test_invisible_characters_from_copy_and_paste_are_dropped() -> None:
    row = parse_row(export_row("\u200bR-9\u200e", on=ON, Betrag="\u00a0120,00"))
    assert row.number == "R-9"
    assert row.amount == Decimal("120.00")


def test_the_row_hash_stays_what_earlier_imports_stored() -> None:
    # Stored hashes came from repr(dataclasses.astuple(row)); a different text would mark every row changed.
    # The recipient came later; a row without one (None, the last field) hashes as before it existed.
    row = parse_row(export_row(on=ON, consent=True, reminder=True, announced=True, Ort="Köln"))
    assert row.recipient is None
    assert row.row_hash() == hashlib.sha256(repr(astuple(row)[:-1]).encode()).hexdigest()[:32]


@given(st.text(alphabet=st.characters(max_codepoint=127), max_size=20))
def test_the_ascii_fast_path_cleans_text_exactly_like_clean_text(raw: str) -> None:
    row = export_row(on=ON, Telefon=raw)
    try:
        phone = parse_row(row).phone
    except InvalidInput:
        return
    assert phone == clean_text(raw)


@given(
    amount=st.decimals(min_value=Decimal("0.01"), max_value=Decimal("999999.99"), places=2),
    paid_share=st.integers(min_value=0, max_value=100),
    due=st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31)),
)
def test_any_amounts_and_dates_as_the_export_writes_them_are_read_back_exactly(
    amount: Decimal, paid_share: int, due: date
) -> None:
    paid = (amount * paid_share / 100).quantize(Decimal("0.01"), rounding=ROUND_DOWN)
    cells = {
        "Betrag": format_number(amount),
        "Bezahlt": format_number(paid),
        "Rechnungsdatum": format_date(due),
        "Fällig am": format_date(due),
    }
    row = parse_row(export_row(on=ON, cells=cells))
    assert (row.amount, row.paid, row.due_date) == (amount, paid, due)


def test_a_reminder_or_consent_dated_after_the_import_day_is_refused_in_german() -> None:
    cells = {"Mahnung am": "16.06.2026", "Einwilligung am": "01.01.2030", "Inkasso angekündigt": "ja"}
    with pytest.raises(InvalidInput) as refused:
        parse_row(export_row(on=ON, cells=cells), on=ON)
    assert refused.value.user_message == (
        "„Mahnung am“ liegt in der Zukunft (16.06.2026); bitte das Datum eintragen, an dem sie geschah; "
        "„Einwilligung am“ liegt in der Zukunft (01.01.2030); bitte das Datum eintragen, an dem sie geschah"
    )
    today_only = {**cells, "Mahnung am": "15.06.2026", "Einwilligung am": ""}
    same_day = parse_row(export_row(on=ON, cells=today_only), on=ON)
    assert same_day.reminder_date == ON
