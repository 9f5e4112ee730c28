"""An invoice number as practice software writes it, or as it is pasted with invisible marks,
imports and can then be handed over, asked about and paid by the CLI and the chat commands."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.commands import CommandLayer
from bot.console import ConsoleChat
from cli.main import app as cli_app
from core.bootstrap import App
from core.services.invoicing.invoice_import import import_invoices
from core.services.people.access import OPERATOR
from tests.factories import add_user, export_row, write_csv
from tests.integration.chat.bot_helpers import seed_practice, wire_app
from tests.integration.collection.claims_helpers import (
    RecordingSandbox,
    agency_cases,
    all_claims,
    cli_env,
    product,
)
from tests.peers.sandbox import SandboxHandle

SPACED, INVISIBLE = "RE 2026 0001", "R-2\u200b"


def import_export(app: App, tmp_path: Path) -> None:
    rows = [
        export_row(number, amount="120,00", reminder=True, announced=True)
        for number in ("RE\u00a02026\u00a00001", "\u200bR-2", "RE  2026 0003")
    ]
    path = write_csv(tmp_path / "export.csv", rows)
    result = import_invoices(app.uow(), practice_id=app.practice_id, actor=OPERATOR, path=path)
    assert result.created == 3


def test_imported_numbers_with_spaces_or_invisible_marks_are_handed_over_from_the_command_line(
    sqlite_url: str, tmp_path: Path, recorded: RecordingSandbox
) -> None:
    # SQLite: the in-process CLI builds its own engine per command (as test_claims_cli does).
    app = product(sqlite_url, tmp_path, recorded.handle)
    import_export(app, tmp_path)
    env, runner = cli_env(app), CliRunner()
    for typed, stored in (
        (SPACED, "RE 2026 0001"),
        (INVISIBLE, "R-2"),
        ("RE 2026\u2060 0003 ", "RE 2026 0003"),
    ):
        created = runner.invoke(cli_app, ["claim", "create", typed, "--yes"], env=env)
        assert created.exit_code == 0, created.output
        assert f"Forderung {stored} ist an 1159 Finance übergeben (Fall" in created.output
    assert sorted(c["reference"] for c in agency_cases(recorded.handle)) == [
        "R-2",
        "RE 2026 0001",
        "RE 2026 0003",
    ]
    assert sorted(c.reference for c in all_claims(app)) == ["R-2", "RE 2026 0001", "RE 2026 0003"]
    shown = runner.invoke(cli_app, ["claim", "status", SPACED], env=env)
    assert shown.exit_code == 0 and "Forderung RE 2026 0001" in shown.output, shown.output
    app.close()


@pytest.fixture
async def chat_app(sqlite_url: str, tmp_path: Path, sandbox: SandboxHandle) -> AsyncIterator[App]:
    app = wire_app(sqlite_url, tmp_path, sandbox, None)
    seed_practice(app)
    add_user(app, role="staff", login="anna", name="Anna")
    import_export(app, tmp_path)
    yield app
    await app.aclose()
    app.close()


async def test_the_chat_commands_take_a_number_with_spaces_plain_or_quoted(
    chat_app: App, sandbox: SandboxHandle
) -> None:
    chat = ConsoleChat(CommandLayer(chat_app), "anna")
    (overview,) = await chat.send("/forderung RE 2026 0001")
    assert overview.startswith("Übersicht – Forderung RE 2026 0001"), overview
    (done,) = await chat.send("1")
    assert "Forderung RE 2026 0001 ist an 1159 Finance übergeben (Fall" in done
    (paid,) = await chat.send("/zahlung RE 2026 0001 20,00 €")
    assert "Noch offen: 100,00 €" in paid
    (status,) = await chat.send("/status „RE 2026 0001“")
    assert "Direkt an die Praxis gezahlt: 20,00 €" in status
    (second,) = await chat.send('/forderung "R-2\u200b"')
    assert second.startswith("Übersicht – Forderung R-2"), second
    (done,) = await chat.send("1")
    assert "Forderung R-2 ist an 1159 Finance übergeben" in done
    assert sandbox.state()["cases"] == 2
