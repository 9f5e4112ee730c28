"""The console chat: the same command layer in a terminal, buttons as numbered choices.
Real database, 1159 Finance sandbox."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.commands import REFUSAL, CommandLayer, Sender
from bot.console import GREETING, ConsoleChat, run
from cli.main import app as cli
from core.bootstrap import App
from tests.factories import add_user
from tests.integration.chat.bot_helpers import (
    MANAGER,
    audit_actions,
    counts,
    overdue_invoice,
    seed_practice,
    wire_app,
)
from tests.peers.sandbox import SandboxHandle


@pytest.fixture
async def app(sqlite_url: str, tmp_path: Path, sandbox: SandboxHandle) -> AsyncIterator[App]:
    app = wire_app(sqlite_url, tmp_path, sandbox, None)
    seed_practice(app)
    add_user(app, role="staff", login="anna", name="Anna")
    overdue_invoice(app, "R-1", amount="120,00")
    yield app
    await app.aclose()
    app.close()


async def test_forderung_then_choice_one_creates_the_case(app: App, sandbox: SandboxHandle) -> None:
    chat = ConsoleChat(CommandLayer(app), "anna")
    (overview,) = await chat.send("/forderung R-1")
    assert overview.startswith("Übersicht – Forderung R-1")
    assert overview.endswith("  [1] Forderung anlegen\n  [2] Abbrechen")
    assert sandbox.state()["cases"] == 0
    (done,) = await chat.send("1")
    assert "übergeben (Fall" in done and sandbox.state()["cases"] == 1
    assert ("claim.create", "console:anna") in audit_actions(app)
    (again,) = await chat.send("1")  # the choices are gone: "1" is just an unknown word now
    assert "kenne ich nicht" in again
    (paid,) = await chat.send("/zahlung R-1 20,00")
    assert "Noch offen: 100,00 €" in paid and "An 1159 Finance gemeldet" in paid
    (status,) = await chat.send("/status R-1")
    assert "Direkt an die Praxis gezahlt: 20,00 €" in status


async def test_choices_out_of_range_and_cancel(app: App) -> None:
    chat = ConsoleChat(CommandLayer(app), None)  # the first manager
    await chat.send("/forderung R-1")
    (hint,) = await chat.send("7")
    assert hint == "Bitte eine Zahl von 1 bis 2 eingeben oder einen Befehl."
    (cancelled,) = await chat.send("2")
    assert "Abgebrochen" in cancelled and counts(app).claims == 0


async def test_paging_by_number(app: App) -> None:
    for n in range(2, 8):
        overdue_invoice(app, f"R-{n}")
    chat = ConsoleChat(CommandLayer(app), str(MANAGER))  # by Telegram id
    (page1,) = await chat.send("/ueberfaellig")
    assert "Seite 1 von 2" in page1 and "  [6] Weiter ▶" in page1
    (page2,) = await chat.send("6")
    assert "Seite 2 von 2" in page2 and "[3] ◀ Zurück" in page2


async def test_an_unknown_console_user_is_refused_once(app: App) -> None:
    chat = ConsoleChat(CommandLayer(app), "mallory")
    assert await chat.send("/faelle") == [REFUSAL]
    assert await chat.send("/faelle") == []


async def test_bad_input_in_the_console_is_answered_like_in_telegram(app: App) -> None:
    chat = ConsoleChat(CommandLayer(app), "anna")
    (amount,) = await chat.send("/zahlung R-1 12.345,678")
    assert "mehr als zwei Nachkommastellen" in amount
    (day,) = await chat.send("/zahlung R-1 5,00 31.02.2026")
    assert "gibt es nicht im Kalender" in day
    (staff,) = await chat.send("/zurueckziehen R-1")
    assert "nur Praxisleitungen" in staff
    assert counts(app).payments == 0


async def test_the_loop_reads_until_ende(app: App) -> None:
    lines = iter(["/hilfe", "", "/faelle", "/ende", "/hilfe"])
    out: list[str] = []
    await run(CommandLayer(app), "anna", read=lambda prompt: next(lines), write=out.append)
    assert (
        out[0] == GREETING
        and out[1].startswith("Praxis-Inkasso")
        and out[2] == "Keine offenen Inkasso-Fälle."
    )
    assert len(out) == 3


def test_inkasso_chat_command(app: App, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    env = {
        "DATABASE_URL": app.settings.database_url,
        "DATA_DIR": str(tmp_path),
        "FINANCE1159_BASE_URL": app.settings.finance1159_base_url,
    }
    result = CliRunner().invoke(cli, ["chat", "--as", "anna"], input="/faelle\n/ende\n", env=env)
    assert result.exit_code == 0, result.output
    assert "Angemeldet als Anna (staff)." in result.output and "Keine offenen Inkasso-Fälle." in result.output
    refused = CliRunner().invoke(cli, ["chat", "--as", "mallory"], input="", env=env)
    assert refused.exit_code == 1 and "kein freigeschalteter Benutzer" in refused.output


async def test_a_typed_code_confirms_like_the_button_and_checks_the_invoice(
    app: App, sandbox: SandboxHandle
) -> None:
    """What the mail door sends for „Bestätigen R-1 CODE“."""
    layer = CommandLayer(app)
    sender = Sender("console", "anna")
    (overview,) = await layer.handle_text(sender, "/forderung R-1")
    code = overview.buttons[0][0].data.removeprefix("ok:")
    assert overview.buttons[0][0].command == f"/bestaetigen {code}"
    overdue_invoice(app, "R-2")
    (wrong,) = await layer.handle_text(sender, f"Bestätigen R-2 {code}")
    assert "gehört nicht zu R-2" in wrong.text and sandbox.state()["cases"] == 0
    (other,) = await layer.handle_text(Sender("console", str(MANAGER)), f"/bestaetigen {code.lower()}")
    assert "ungültig" in other.text and sandbox.state()["cases"] == 0
    (done,) = await layer.handle_text(sender, f"Bestätigen R-1 {code.lower()}")
    assert "übergeben (Fall" in done.text and done.settles_prompt and sandbox.state()["cases"] == 1
