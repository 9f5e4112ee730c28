"""Chat lines into commands: folding, invisible marks, arity, page numbers, buttons as text."""

from __future__ import annotations

import pytest

from bot.parsing import MAX_LENGTH, Parsed, arity_problem, clean_message, fold, page_number, parse
from bot.replies import Button, chunks
from core.domain.errors import InvalidInput


@pytest.mark.parametrize(
    ("line", "command", "args"),
    [
        ("/status 1234", "status", ("1234",)),
        ("/STATUS 1234", "status", ("1234",)),
        ("status 1234", "status", ("1234",)),
        ("/überfällig 2", "ueberfaellig", ("2",)),
        ("Überfällig", "ueberfaellig", ()),
        ("Bestätigen R-1 K7PX3MQ9TZ", "bestaetigen", ("R-1", "K7PX3MQ9TZ")),
        ("/help", "hilfe", ()),
        ("/zurückziehen R-1", "zurueckziehen", ("R-1",)),
        ("/zahlung 1234 50,00 €", "zahlung", ("1234", "50,00")),
        ("/zahlung 1234 50,00 EUR 01.02.2026", "zahlung", ("1234", "50,00", "01.02.2026")),
        ("/status@praxis_test_bot 1234", "status", ("1234",)),
        ("  /status\n1234\t", "status", ("1234",)),
    ],
)
def test_a_line_becomes_a_command_with_arguments(line: str, command: str, args: tuple[str, ...]) -> None:
    parsed = parse(line, bot_username="praxis_test_bot")
    assert parsed is not None
    assert (parsed.command, parsed.args) == (command, args)


@pytest.mark.parametrize(
    ("line", "command", "args"),
    [
        ("/forderung RE 2026 0001", "forderung", ("RE 2026 0001",)),
        ('/forderung "RE 2026 0001"', "forderung", ("RE 2026 0001",)),
        ("/status „RE 2026 0001“", "status", ("RE 2026 0001",)),
        ("/zurückziehen RE  2026\u00a00001", "zurueckziehen", ("RE 2026 0001",)),
        ("/zahlung RE 2026 0001 50,00", "zahlung", ("RE 2026 0001", "50,00")),
        (
            "/zahlung RE 2026 0001 1.234,56 € 01.02.2026",
            "zahlung",
            ("RE 2026 0001", "1.234,56", "01.02.2026"),
        ),
        ('/zahlung "RE 2026 0001" 50,00 2026-02-01', "zahlung", ("RE 2026 0001", "50,00", "2026-02-01")),
        ("/zahlung 1234 50,00 gestern", "zahlung", ("1234", "50,00", "gestern")),  # the date is named wrong
        ("/zahlung R-1 50,00 01.01.2026 extra", "zahlung", ("R-1", "50,00", "01.01.2026", "extra")),
        ("/bestaetigen RE 2026 0001 K7PX3MQ9TZ", "bestaetigen", ("RE 2026 0001", "K7PX3MQ9TZ")),
        ("/abbrechen K7PX3MQ9TZ", "abbrechen", ("K7PX3MQ9TZ",)),
        ("/forderung R-1\u200b", "forderung", ("R-1",)),
    ],
)
def test_an_invoice_number_with_spaces_is_one_argument(
    line: str, command: str, args: tuple[str, ...]
) -> None:
    parsed = parse(line)
    assert parsed is not None and (parsed.command, parsed.args) == (command, args)
    assert (arity_problem(parsed) is None) == (len(args) <= 3)


def test_a_command_for_another_bot_is_not_ours() -> None:
    assert parse("/status@other_bot 1234", bot_username="praxis_test_bot") is None


def test_an_unknown_word_is_kept_short_for_the_answer() -> None:
    parsed = parse("/" + "x" * 100 + " 1")
    assert parsed is not None and parsed.command == "" and parsed.word == "x" * 30


@pytest.mark.parametrize(
    "line",
    [
        "/status\u200b 1234",  # zero-width space
        "\u200f/status 1234\u200e",  # right-to-left and left-to-right marks
        "/status \u202e1234\u202c",  # embedding overrides
        "/status\u00a01234",  # no-break space
        "\ufeff/status 1234",  # byte-order mark
        "/status\u20601234".replace("\u2060", " \u2060"),  # word joiner
    ],
)
def test_invisible_marks_are_dropped(line: str) -> None:
    parsed = parse(line)
    assert parsed is not None and (parsed.command, parsed.args) == ("status", ("1234",))


def test_an_over_long_message_is_refused_before_anything_else() -> None:
    clean_message("x" * MAX_LENGTH)
    with pytest.raises(InvalidInput, match=r"zu lang \(4\.001 Zeichen, höchstens 4\.000\)"):
        clean_message("x" * (MAX_LENGTH + 1))


def test_control_characters_are_refused() -> None:
    with pytest.raises(InvalidInput, match="Steuerzeichen"):
        clean_message("/status 12\x0034")


def test_empty_and_invisible_only_lines_are_no_command() -> None:
    assert parse("") == Parsed("", "", ())
    assert parse("\u200b\u200f  ") == Parsed("", "", ())


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ("/status", "Es fehlt eine Angabe. So geht es: /status <Rechnungsnr>, z. B. /status 1234"),
        ("/zahlung", "Es fehlen Angaben. So geht es: /zahlung <Rechnungsnr> <Betrag> [TT.MM.JJJJ]"),
        ("/ueberfaellig 1 2", "Das sind zu viele Angaben. So geht es: /ueberfaellig [Seite]"),
        ("/faelle x", "/faelle braucht keine weiteren Angaben."),
        ("/inkasso anfordern jetzt", "Das sind zu viele Angaben."),
    ],
)
def test_wrong_argument_counts_say_what_would_be_right(line: str, problem: str) -> None:
    parsed = parse(line)
    assert parsed is not None
    assert problem in (arity_problem(parsed) or "")


@pytest.mark.parametrize("line", ["/status 1", "/zahlung 1 2", "/zahlung 1 2 3", "/inkasso", "/start xyz"])
def test_right_argument_counts_pass(line: str) -> None:
    parsed = parse(line)
    assert parsed is not None and arity_problem(parsed) is None


def test_page_numbers() -> None:
    assert page_number("3") == 3
    for bad in ("0", "-1", "zwei", "٣", "1234567", ""):
        with pytest.raises(InvalidInput, match="keine Seitenzahl"):
            page_number(bad)


def test_fold() -> None:
    assert fold("ÜBERFÄLLIG") == "ueberfaellig" and fold("Straße") == "strasse"


def test_buttons_have_a_text_command_for_doors_without_buttons() -> None:
    assert Button("Forderung anlegen", "ok:K7PX3MQ9TZ").command == "/bestaetigen K7PX3MQ9TZ"
    assert Button("Abbrechen", "no:K7PX3MQ9TZ").command == "/abbrechen K7PX3MQ9TZ"
    assert Button("Forderung anlegen – R-1", "new:R-1").command == "/forderung R-1"
    assert Button("Weiter ▶", "page:2").command == "/ueberfaellig 2"
    assert Button("?", "zz:1").command == ""


def test_long_replies_are_split_at_line_ends_under_telegrams_limit() -> None:
    text = "\n".join(f"Zeile {n}: " + "x" * 90 for n in range(200))
    parts = chunks(text)
    assert all(len(p) <= 4000 for p in parts) and len(parts) > 1
    assert "\n".join(parts) == text
    assert chunks("y" * 9000) == ["y" * 4000, "y" * 4000, "y" * 1000]
    assert chunks("") == []
