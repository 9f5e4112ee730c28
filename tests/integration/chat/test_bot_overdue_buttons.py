"""/ueberfaellig offers "Forderung anlegen" only where the hand-over would be accepted (the same
check the hand-over runs); elsewhere the line says why. A user added while the bot runs gets the
whole way through on the first press."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from core.bootstrap import App
from core.db.models import Claim
from core.services.people.access import Role
from tests.factories import add_invoice, add_user
from tests.integration.chat.bot_helpers import (
    BotRun,
    buttons,
    message_id,
    overdue_invoice,
    running_bot,
    seed_practice,
    text,
    wire_app,
)
from tests.peers.botapi import FakeBotAPI
from tests.peers.sandbox import SandboxHandle

NEWCOMER = 2024


@pytest.fixture
async def app(
    sqlite_url: str, tmp_path: Path, sandbox: SandboxHandle, fake_botapi: FakeBotAPI
) -> AsyncIterator[App]:
    app = wire_app(sqlite_url, tmp_path, sandbox, fake_botapi)
    seed_practice(app)
    yield app
    await app.aclose()
    app.close()


@pytest.fixture
async def bot(app: App, fake_botapi: FakeBotAPI) -> AsyncIterator[BotRun]:
    async with running_bot(app, fake_botapi) as running:
        yield running


async def test_only_invoices_the_hand_over_accepts_get_a_button_the_others_say_why(
    bot: BotRun, app: App
) -> None:
    overdue_invoice(app, "R-1", due_days_ago=90)
    add_invoice(app, number="R-2", due_days_ago=80)  # no reminder, no consent: no legal basis
    add_invoice(app, number="R-3", due_days_ago=70, reminder=True)  # reminder without announcement
    listing = await bot.say("/ueberfaellig")
    assert [data for _, data in buttons(listing)] == ["new:R-1"]
    lines = text(listing).splitlines()
    assert "⚠" not in lines[1] and "R-1" in lines[1]
    assert "R-2" in lines[2] and "Mahnung/Einwilligung fehlt" in lines[2]
    assert "R-3" in lines[3] and "Mahnung/Einwilligung fehlt" in lines[3]


async def test_a_user_added_while_the_bot_runs_hands_over_on_the_first_press(bot: BotRun, app: App) -> None:
    overdue_invoice(app, "R-7")
    add_user(app, role=Role.STAFF, telegram_id=NEWCOMER, name="Neu Hier")
    listing = await bot.say("/ueberfaellig", user=NEWCOMER)
    overview = await bot.press("new:R-7", message_id(listing), user=NEWCOMER)
    assert text(overview).startswith("Übersicht – Forderung R-7"), text(overview)
    ok = next(data for label, data in buttons(overview) if label == "Forderung anlegen")
    done = await bot.press(ok, message_id(overview), user=NEWCOMER)
    assert "R-7" in text(done) and "ungültig" not in text(done) and "abgelehnt" not in text(done), text(done)
    with app.uow() as uow:
        assert len(uow.session.exec(Claim.__table__.select()).all()) == 1  # type: ignore[attr-defined]
