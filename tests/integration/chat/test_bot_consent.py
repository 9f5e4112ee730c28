"""A revoked consent in the chat (real PTB against the Bot API stand-in, SQLite and PostgreSQL):
the practice chat is told once about the open case, /status and /faelle show it, and
/ueberfaellig gives the reason instead of a button."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from core.bootstrap import App
from core.domain.dates import today
from core.services.collection import consent_revocation
from core.services.people.access import OPERATOR
from tests.factories import add_invoice, add_patient
from tests.integration.chat.bot_helpers import (
    PRACTICE_CHAT,
    BotRun,
    buttons,
    message_id,
    running_bot,
    seed_practice,
    text,
    wire_app,
)
from tests.peers.botapi import FakeBotAPI
from tests.peers.sandbox import SandboxHandle

TODAY = f"{today():%d.%m.%Y}"
NOTICE = "Einwilligung widerrufen: R-1; die Forderung ist bereits bei 1159 Finance."


@pytest.fixture
async def app(
    database_url: str, tmp_path: Path, sandbox: SandboxHandle, fake_botapi: FakeBotAPI
) -> AsyncIterator[App]:
    app = wire_app(database_url, tmp_path, sandbox, fake_botapi)
    seed_practice(app)
    patient = add_patient(app, consent_date=today() - timedelta(days=200))  # for all their invoices
    add_invoice(app, number="R-1", due_days_ago=45, patient=patient)
    add_invoice(app, number="R-2", due_days_ago=50, patient=patient)
    yield app
    await app.aclose()
    app.close()


@pytest.fixture
async def bot(app: App, fake_botapi: FakeBotAPI) -> AsyncIterator[BotRun]:
    async with running_bot(app, fake_botapi) as running:
        yield running


def notices(bot: BotRun) -> list[str]:
    return [str(c.raw["text"]) for c in bot.sent_to(PRACTICE_CHAT) if NOTICE in str(c.raw["text"])]


async def test_a_revocation_after_the_handover_is_told_once_and_shown_in_the_chat(
    bot: BotRun, app: App
) -> None:
    answer = await bot.say("/forderung R-1")
    (_, ok), _ = buttons(answer)
    assert "ist an 1159 Finance übergeben" in text(await bot.press(ok, message_id(answer)))
    before = len(bot.sent_to(PRACTICE_CHAT))

    consent_revocation.revoke(app.uow(), practice_id=app.practice_id, actor=OPERATOR, number="R-1")

    await bot.next_to(PRACTICE_CHAT, before)
    status = text(await bot.say("/status R-1"))  # a round trip: the notifier had its next rounds too
    await bot.settle()
    assert len(notices(bot)) == 1
    assert "„Forderung zurückziehen“, Praxisleitung" in notices(bot)[0]
    assert f"⚠ Einwilligung widerrufen am {TODAY}: die Forderung ist bereits bei 1159 Finance." in status
    assert "/zurueckziehen R-1" in status
    cases = text(await bot.say("/faelle"))
    assert "R-1 · " in cases and f"Einwilligung widerrufen am {TODAY}" in cases
    overdue = await bot.say("/ueberfaellig")
    assert "R-2 · " in text(overdue) and f"⚠ Einwilligung widerrufen am {TODAY}" in text(overdue)
    assert not any("R-2" in label for label, _ in buttons(overdue))
    refused = text(await bot.say("/forderung R-2"))
    assert refused.startswith(f"Die Schweigepflichtentbindung zu Rechnung R-2 wurde am {TODAY} widerrufen")
    assert buttons(await bot.say("/forderung R-2")) == []
