"""The import's checks one by one: cells, contact data, short years, amounts, profiles, file kinds."""

from __future__ import annotations

import io
import json
import os
import zipfile
from datetime import date, datetime
from pathlib import Path

import pytest

from core.domain.cell_checks import MAX_CELL, cell_problems
from core.domain.contact_checks import email_problem, phone_problem, sendable_email, sendable_phone
from core.domain.dates import expand_short_year
from core.domain.errors import ImportRefused, InvalidInput, by_line
from core.finance1159.wire import to_json
from core.services.collection.claim_payload import claim_payload
from core.services.invoicing.import_cells import german_amount
from core.services.invoicing.import_profile import DEFAULT, builtin_names, load_profile, parse_profile
from core.services.invoicing.import_sources import cell_text, open_rows
from tests.unit.test_claim_payload import invoice, patient

# --- cells -------------------------------------------------------------------------------------


def test_a_plain_row_has_no_cell_problems() -> None:
    assert cell_problems(["Vorname", "Nachname"], ["Erika", "Müller-Lüdenscheidt"]) == []


@pytest.mark.parametrize(
    ("value", "what"),
    [
        ("Mu\x00ster", "ein NUL-Byte"),
        ("\x1b[31mRot", "ein Escape-Zeichen"),
        ("Erika\tMaria", "einen Tabulator"),
        ("Zeile\neins", "einen Zeilenumbruch"),
        ("Glocke\x07", "das Steuerzeichen U+0007"),
        ("C1\x9b31m", "das Steuerzeichen U+009B"),
    ],
)
def test_a_control_character_in_a_cell_is_refused_naming_column_and_character(value: str, what: str) -> None:
    problems = cell_problems(["Rechnungsnummer", "Nachname"], ["R-1", value])
    assert problems == [f"„Nachname“ enthält {what}; bitte in der Praxissoftware entfernen"]


def test_line_breaks_and_tabs_are_allowed_in_the_treatment_text_but_nul_is_not() -> None:
    assert cell_problems(["Leistung"], ["KG\r\n6x\tje 20 min"]) == []
    assert cell_problems(["Leistung"], ["KG\x00"]) == [
        "„Leistung“ enthält ein NUL-Byte; bitte in der Praxissoftware entfernen"
    ]


def test_a_cell_over_the_limit_is_refused_with_its_length() -> None:
    problems = cell_problems(["Leistung", "Ort"], ["x" * 250_000, "Köln"])
    assert problems == [f"„Leistung“ ist mit 250000 Zeichen zu lang (höchstens {MAX_CELL})"]
    assert cell_problems(["Leistung"], ["x" * MAX_CELL]) == []


# --- contact data -------------------------------------------------------------------------------


@pytest.mark.parametrize("good", ["", "erika@example.org", "Erika.Müller@beispiel-praxis.de"])
def test_a_well_formed_email_address_passes(good: str) -> None:
    assert email_problem(good) is None
    assert sendable_email(good) == (good or None)


@pytest.mark.parametrize("bad", ["erika", "erika@", "a@b", "er ika@example.org", "erika@@example.org"])
def test_a_malformed_email_address_is_named_and_not_sendable(bad: str) -> None:
    assert email_problem(bad) == f"E-Mail „{bad}“ ist keine gültige Adresse"
    assert sendable_email(bad) is None


@pytest.mark.parametrize("good", ["0221 123456", "+49 221 1234567", "0171 1234567", "+43 1 5321234"])
def test_a_valid_phone_number_passes(good: str) -> None:
    assert phone_problem(good) is None
    assert sendable_phone(good) == good


@pytest.mark.parametrize("bad", ["0000 123456", "abc", "12", "0221"])
def test_an_invalid_phone_number_is_named_and_not_sendable(bad: str) -> None:
    assert phone_problem(bad) == f"Telefon „{bad}“ ist keine gültige Telefonnummer"
    assert sendable_phone(bad) is None


def test_an_invalid_email_or_phone_never_leaves_with_a_claim() -> None:
    body = json.loads(to_json(claim_payload(
        invoice(), patient(email="erika@", phone="0000 1"), recipient=None
    )))
    assert {"email", "phone"}.isdisjoint(body["debtor"])
    good = json.loads(
        to_json(
            claim_payload(
                invoice(), patient(email="erika@example.org", phone="0221 123456"), recipient=None
            )
        )
    )
    assert (good["debtor"]["email"], good["debtor"]["phone"]) == ("erika@example.org", "0221 123456")


# --- formats ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("short", "full"),
    [
        ("05.03.26", "05.03.2026"),
        ("17.05.70", "17.05.1970"),
        ("1.2.00", "1.2.2000"),
        ("05.03.2026", "05.03.2026"),
    ],
)
def test_a_two_digit_year_is_this_century_up_to_next_year(short: str, full: str) -> None:
    assert expand_short_year(short, on=date(2026, 12, 5)) == full


def test_a_two_digit_year_after_next_year_is_the_last_century() -> None:
    assert expand_short_year("01.01.28", on=date(2026, 12, 5)) == "01.01.1928"
    assert expand_short_year("01.01.27", on=date(2026, 12, 5)) == "01.01.2027"


@pytest.mark.parametrize(
    ("text", "decimal", "thousands", "german"),
    [
        ("1,234.56", ".", ",", "1234,56"),
        ("1 234,56", ",", " ", "1234,56"),
        ("1'234.50", ".", "'", "1234,50"),
        ("99.9", ".", "", "99,9"),
    ],
)
def test_amounts_in_other_formats_are_rewritten_as_the_product_reads_them(
    text: str, decimal: str, thousands: str, german: str
) -> None:
    assert german_amount(text, decimal=decimal, thousands=thousands) == german


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, ""),
        (datetime(2026, 3, 5), "05.03.2026"),
        (date(1970, 5, 17), "17.05.1970"),
        (120.1, "120.1"),
        (1234.56, "1234.56"),
        (1e-05, "0.00001"),
        (10.005, "10.0050"),  # one decimal too many, not `10.005` (ambiguous)
        (2026001.0, "2026001"),
        (42, "42"),
        (True, "ja"),
        (False, "nein"),
        ("R-1", "R-1"),
    ],
)
def test_a_spreadsheet_cell_becomes_the_text_the_csv_export_would_hold(value: object, text: str) -> None:
    assert cell_text(value) == text


# --- profiles -----------------------------------------------------------------------------------


def test_the_built_in_profiles_are_shipped_and_load() -> None:
    assert {"standard", "kurzes-datum", "international"} <= set(builtin_names())
    international = load_profile("international")
    assert (international.delimiter, international.decimal, international.date_style) == (",", ".", "ISO")
    assert load_profile(None) == DEFAULT
    assert load_profile("standard").converts_cells is False


def test_a_profile_file_maps_columns_and_formats() -> None:
    profile = parse_profile(
        """
        [spalten]
        Rechnungsnummer = "RE-Nr"
        "Fällig am" = "Fälligkeit"
        [format]
        datum = "TT.MM.JJ"
        dezimalzeichen = "."
        tausendertrennzeichen = ","
        trennzeichen = ","
        zeichensatz = "cp1252"
        ignorieren = ["Kundennummer"]
        """,
        name="p.toml",
    )
    assert profile.columns == {"Rechnungsnummer": "RE-Nr", "Fällig am": "Fälligkeit"}
    assert (profile.date_style, profile.decimal, profile.thousands, profile.delimiter) == (
        "TT.MM.JJ",
        ".",
        ",",
        ",",
    )
    assert profile.encoding == "cp1252" and profile.ignored == {"Kundennummer"}
    assert profile.converts_cells


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[spalten]\nRechnungsnr = "RE"', "nennt unbekannte Spalten des Produkts: Rechnungsnr"),
        ('[format]\ndatum = "MM/DD/YYYY"', "„datum“ = 'MM/DD/YYYY' geht nicht"),
        ('[format]\ntrennzeichen = "#"', "„trennzeichen“ = '#' geht nicht"),
        ("[spalten\n", "ist kein gültiges TOML"),
        ("[mapping]\n", "unbekannte Abschnitte: mapping"),
        ("[spalten]\nBetrag = 3", "[spalten] muss Namen auf Namen abbilden"),
        ('[format]\nignorieren = "X"', "„ignorieren“ bitte als Liste"),
        ('[format]\ndezimalzeichen = "."\ntausendertrennzeichen = "."', "müssen verschieden sein"),
    ],
)
def test_a_bad_profile_is_refused_in_german_naming_the_mistake(text: str, message: str) -> None:
    with pytest.raises(InvalidInput) as refusal:
        parse_profile(text, name="p.toml")
    assert message in refusal.value.user_message
    assert refusal.value.user_message.startswith("Das Profil p.toml")


def test_an_unknown_profile_name_lists_the_built_in_ones() -> None:
    with pytest.raises(
        InvalidInput, match="Ein Profil „praxisfix“ gibt es nicht. Eingebaut sind: international"
    ):
        load_profile("praxisfix")


# --- file kinds ---------------------------------------------------------------------------------


def _zip(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("content", "sentence"),
    [
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "ist ein PDF-Dokument, keine Rechnungsliste."),
        (_zip({"rechnungen.csv": b"a;b"}), "ist ein ZIP-Archiv, aber keine Excel-Arbeitsmappe."),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(500), "im alten Excel-Format (.xls)"),
        (os.urandom(1 << 14), "ist keine Textdatei und keine Excel-Datei."),
        (bytes(range(32)) * 100, "ist keine Textdatei und keine Excel-Datei."),
    ],
)
def test_a_file_that_is_no_export_is_refused_with_one_german_sentence(
    tmp_path: Path, content: bytes, sentence: str
) -> None:
    path = tmp_path / "export.csv"
    path.write_bytes(content)
    with pytest.raises(InvalidInput) as refusal:
        open_rows(path)
    message = refusal.value.user_message
    assert not isinstance(refusal.value, ImportRefused)
    assert message.startswith("„export.csv“ ") and sentence in message
    assert message.endswith(
        "Bitte den Export als CSV (UTF-8, UTF-16 oder Windows-1252) oder als Excel-Datei (.xlsx) speichern."
    )


@pytest.mark.parametrize(
    ("encoding", "prefix"),
    [("utf-16", b""), ("utf-8-sig", b""), ("cp1252", b""), ("utf-8", b"")],
)
def test_utf16_utf8_with_and_without_bom_and_windows_1252_are_read(
    tmp_path: Path, encoding: str, prefix: bytes
) -> None:
    path = tmp_path / "export.csv"
    path.write_bytes(prefix + "Ort;Name\r\nKöln;Müßig\r\n".encode(encoding))
    assert [cells for _, cells in open_rows(path)] == [["Ort", "Name"], ["Köln", "Müßig"]]


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="gibt es nicht"):
        open_rows(tmp_path / "fehlt.csv")


# --- capped lists -------------------------------------------------------------------------------


def test_a_long_list_of_problems_shows_fifty_and_counts_the_rest() -> None:
    text = by_line([(n, "kaputt") for n in range(2, 10_002)])
    lines = text.splitlines()
    assert len(lines) == 51
    assert lines[0] == "Zeile 2: kaputt" and lines[49] == "Zeile 51: kaputt"
    assert lines[50] == "… und 9950 weitere Fehler."
    assert by_line([(3, "x")], noun="Hinweise") == "Zeile 3: x"
