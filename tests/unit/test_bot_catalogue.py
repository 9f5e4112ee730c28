"""The chat command catalogue is the one table the chat, the Telegram menu, /hilfe, the parser,
the console and the mail door read; core messages name actions, never chat commands."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from bot import catalogue
from bot.actions import Actions
from bot.console import GREETING
from bot.parsing import arity_problem, fold, parse
from bot.replies import Button
from mail.command_mail import FOOTER
from mail.message import parse as parse_mail
from mail.rules import DEFAULT_COMMAND_KEYWORDS, MailRules, classify

ROOT = Path(__file__).resolve().parents[2]
NAMES = [c.name for c in catalogue.CATALOGUE]


@pytest.mark.parametrize("command", catalogue.CATALOGUE, ids=NAMES)
def test_every_command_has_a_handler_in_the_command_layer(command: catalogue.Command) -> None:
    assert command.handler == "help" or callable(getattr(Actions, command.handler, None))


def test_no_word_names_two_commands_and_every_word_is_folded() -> None:
    words = [w for c in catalogue.CATALOGUE for w in (c.name, *c.aliases)]
    assert len(words) == len(set(words))
    assert all(fold(w) == w for w in words)


@pytest.mark.parametrize("command", catalogue.CATALOGUE, ids=NAMES)
def test_the_parser_knows_each_command_by_its_name_aliases_and_written_form(
    command: catalogue.Command,
) -> None:
    for word in {command.name, *command.aliases, command.written} - {""}:
        parsed = parse(f"/{word}")
        assert parsed is not None and parsed.command == command.name


@pytest.mark.parametrize("command", catalogue.CATALOGUE, ids=NAMES)
def test_each_example_is_a_well_formed_call(command: catalogue.Command) -> None:
    for arguments in command.examples or ("",):
        parsed = parse(command.line(arguments))
        assert parsed is not None and parsed.command == command.name
        assert arity_problem(parsed) is None


def test_hilfe_lists_each_listed_command_with_its_usage_and_examples() -> None:
    text = catalogue.help_text()
    for command in catalogue.CATALOGUE:
        assert (command.usage in text) == command.listed
        assert all(command.line(e) in text for e in command.examples if command.listed)
    withdraw = "/zurueckziehen <Rechnungsnr> – Irrtümlich übergebene Forderung zurückziehen"
    assert f"{withdraw} (nur Praxisleitung)" in text


def test_the_telegram_menu_is_the_menu_rows_of_the_table() -> None:
    assert [name for name, _ in catalogue.menu()] == [c.name for c in catalogue.CATALOGUE if c.in_menu]
    status = "Forderung anzeigen: Status, Gebühren, Zahlungen (z. B. /status 1234)"
    assert ("status", status) in catalogue.menu()


def test_a_button_becomes_the_text_command_of_its_row() -> None:
    for command in catalogue.CATALOGUE:
        if command.button:
            assert Button("x", f"{command.button}:V1").command == f"/{command.name} V1"


def test_the_mail_door_recognises_each_commands_written_and_folded_form() -> None:
    assert set(DEFAULT_COMMAND_KEYWORDS) == {
        w for c in catalogue.CATALOGUE if c.by_mail for w in (c.name, c.written.casefold())
    }
    raw = (
        b"From: anna@praxis.test\r\nTo: praxis@praxis.test\r\n"
        b"Subject: Zur\xc3\xbcckziehen 1234\r\n\r\nDanke\r\n"
    )
    rules = MailRules(agency_domain="1159finance.com")
    found = classify(parse_mail(raw), rules, staff_addresses=frozenset({"anna@praxis.test"}))
    assert found.command == "Zurückziehen 1234"


def test_the_console_and_mail_texts_quote_commands_from_the_table() -> None:
    assert catalogue.command("status").example in GREETING
    assert f"„{catalogue.mail_line(catalogue.command('zahlung').example)}“" in FOOTER
    assert catalogue.mail_line("/bestaetigen K7PX3MQ9TZ") == "Bestätigen K7PX3MQ9TZ"


def _strings(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)]


def test_core_messages_name_actions_not_chat_commands() -> None:
    command = re.compile(r"(?<![\w/}])/(" + "|".join(NAMES) + r")\b")
    skipped = ("finance1159", "migrations")  # URL paths of the agency's API, not messages
    found = [
        f"{path.relative_to(ROOT)}: {text!r}"
        for path in sorted((ROOT / "core").rglob("*.py"))
        if not any(part in skipped for part in path.parts)
        for text in _strings(path)
        if command.search(text)
    ]
    assert found == []


def test_the_chat_adds_its_command_to_an_error_naming_the_next_action() -> None:
    assert catalogue.hint("claim.create", "R-1") == " Im Chat: /forderung R-1"
    assert catalogue.hint("onboarding.status") == " Im Chat: /inkasso"
    assert catalogue.hint(None) == "" and catalogue.hint("no.such.action") == ""


def test_every_next_action_the_core_names_has_a_chat_command() -> None:
    named = set()
    for path in (ROOT / "core").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.keyword) and node.arg == "next_action":
                assert isinstance(node.value, ast.Constant), f"{path}: next_action must be a literal"
                named.add(node.value.value)
    assert named and all(catalogue.hint(action) for action in named)
