"""The export's `Empfänger …` columns: the invoice's recipient, validated per row."""

from __future__ import annotations

from datetime import date

import pytest

from core.domain.debtor import Party
from core.domain.errors import InvalidInput
from core.domain.invoice_rows import COLUMNS, parse_row
from core.domain.recipient_columns import RECIPIENT_COLUMNS
from tests.factories import export_row

ON = date(2026, 6, 15)
PARENT = {
    "Empfänger Anrede": "Frau",
    "Empfänger Vorname": "Petra",
    "Empfänger Nachname": "Muster",
    "Empfänger Straße": "Lindenweg 3",
    "Empfänger PLZ": "50667",
    "Empfänger Ort": "Köln",
    "Empfänger Geburtsdatum": "02.03.1985",
    "Empfänger E-Mail": "petra@example.org",
    "Empfänger Telefon": "0221 123456",
}


def refusal(**cells: str) -> str:
    with pytest.raises(InvalidInput) as refused:
        parse_row(export_row(on=ON, cells=cells))
    return refused.value.user_message


def test_the_recipient_columns_are_optional_columns_of_the_export() -> None:
    assert set(RECIPIENT_COLUMNS) <= set(COLUMNS) and len(RECIPIENT_COLUMNS) == 11
    assert parse_row(export_row(on=ON)).recipient is None


def test_a_recipient_with_name_and_address_is_read_with_all_its_data() -> None:
    row = parse_row(export_row(on=ON, cells=PARENT))
    assert row.recipient == Party(
        salutation="Frau",
        first_name="Petra",
        last_name="Muster",
        street="Lindenweg 3",
        zip="50667",
        city="Köln",
        country="DE",
        birth_date=date(1985, 3, 2),
        email="petra@example.org",
        phone="0221 123456",
    )
    assert (row.first_name, row.last_name) == ("Erika", "Mustermann")  # the patient stays the patient


def test_a_company_without_a_person_is_a_recipient() -> None:
    cells = {"Empfänger Firma": "Muster GmbH", "Empfänger Straße": "Hafenstr. 1", "Empfänger PLZ": "20457",
             "Empfänger Ort": "Hamburg", "Empfänger Land": "de"}  # fmt: skip
    recipient = parse_row(export_row(on=ON, cells=cells)).recipient
    assert recipient is not None and recipient.is_company and recipient.country == "DE"


@pytest.mark.parametrize("column", ["Empfänger Straße", "Empfänger PLZ", "Empfänger Ort"])
def test_a_recipient_with_a_name_but_an_incomplete_address_is_refused_naming_the_column(column: str) -> None:
    message = refusal(**{**PARENT, column: ""})
    assert f"„{column}“ fehlt" in message and "vollständige Anschrift" in message


def test_a_recipient_address_without_a_name_is_refused() -> None:
    message = refusal(
        **{"Empfänger Straße": "Lindenweg 3", "Empfänger PLZ": "50667", "Empfänger Ort": "Köln"}
    )
    assert "„Empfänger Nachname“ oder „Empfänger Firma“ fehlt" in message


@pytest.mark.parametrize(
    ("empty", "named"),
    [("Empfänger Vorname", "Empfänger Vorname"), ("Empfänger Nachname", "Empfänger Nachname")],
)
def test_a_person_as_recipient_needs_first_and_last_name(empty: str, named: str) -> None:
    assert f"„{named}“ fehlt" in refusal(**{**PARENT, empty: ""})


def test_a_country_code_alone_is_no_recipient_because_some_programs_fill_it_on_every_row() -> None:
    assert parse_row(export_row(on=ON, cells={"Empfänger Land": "DE"})).recipient is None


def test_a_bad_country_code_or_birth_date_of_the_recipient_is_named() -> None:
    assert "„Empfänger Land“ bitte als Ländercode" in refusal(**{**PARENT, "Empfänger Land": "Deutschland"})
    assert "Empfänger Geburtsdatum „gestern“" in refusal(**{**PARENT, "Empfänger Geburtsdatum": "gestern"})


def test_a_recipient_is_part_of_the_row_hash_so_a_new_or_changed_recipient_is_an_update() -> None:
    without = parse_row(export_row(on=ON))
    parent = parse_row(export_row(on=ON, cells=PARENT))
    moved = parse_row(export_row(on=ON, cells={**PARENT, "Empfänger Ort": "Bonn"}))
    assert len({without.row_hash(), parent.row_hash(), moved.row_hash()}) == 3
