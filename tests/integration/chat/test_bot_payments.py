"""A recognised payment in the practice chat: one message with its buttons; a tap reports it to the
sandbox once, a second tap is refused in German, a rejection records nothing."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path

import pytest

from core.bootstrap import App
from core.services.collection import claims
from core.services.people.access import OPERATOR
from tests.integration.chat.bot_helpers import (
    PRACTICE_CHAT,
    BotRun,
    buttons,
    message_id,
    overdue_invoice,
    running_bot,
    seed_practice,
    text,
    wire_app,
)
from tests.integration.collection.claims_helpers import agency_payments, all_payments
from tests.integration.collection.payment_suggestion_helpers import from_bank
from tests.peers.botapi import Call, FakeBotAPI
from tests.peers.sandbox import SandboxHandle


@pytest.fixture
async def app(
    database_url: str, tmp_path: Path, sandbox: SandboxHandle, fake_botapi: FakeBotAPI
) -> AsyncIterator[App]:
    app = wire_app(database_url, tmp_path, sandbox, fake_botapi, notify_interval_seconds=0.05)
    seed_practice(app)
    for number in ("R-1", "R-2"):
        overdue_invoice(app, number, amount="120,00")
        await claims.create(
            app.uow(), finance=app.finance(), practice_id=app.practice_id, actor=OPERATOR, number=number
        )
    yield app
    await app.aclose()
    app.close()


@pytest.fixture
async def bot(app: App, fake_botapi: FakeBotAPI) -> AsyncIterator[BotRun]:
    async with running_bot(app, fake_botapi) as running:
        yield running


async def asked(bot: BotRun, number: str, timeout: float = 5.0) -> Call:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        found = [c for c in bot.sent_to(PRACTICE_CHAT) if f"Zahlung erkannt: {number}," in text(c)]
        if found:
            return found[0]
        if loop.time() > deadline:
            raise TimeoutError(f"no question about {number}: {[text(c) for c in bot.sent_to(PRACTICE_CHAT)]}")
        await asyncio.sleep(0.01)


async def test_a_tap_on_the_chat_question_reports_the_payment_to_the_agency_once(
    bot: BotRun, app: App, sandbox: SandboxHandle
) -> None:
    suggestion = from_bank(app, "R-1")
    assert suggestion is not None
    question = await asked(bot, "R-1")
    assert text(question) == suggestion.text
    assert text(question).endswith("(Überweisung von E. M.) – an 1159 Finance melden?")
    assert buttons(question) == [
        ("An 1159 Finance melden", f"payok:{suggestion.id}"),
        ("Ablehnen", f"payno:{suggestion.id}"),
    ]

    reported = await bot.press(f"payok:{suggestion.id}", message_id(question), chat=PRACTICE_CHAT)
    again = await bot.press(f"payok:{suggestion.id}", message_id(question), chat=PRACTICE_CHAT)

    assert "An 1159 Finance gemeldet." in text(reported)
    assert "bereits angenommen" in text(again)
    assert [p["amount"] for p in agency_payments(sandbox)] == [Decimal("50.00")]
    [payment] = all_payments(app, source="practice")
    assert (payment.origin, payment.confirmed_by) == ("bank", "telegram:1001")


async def test_rejecting_in_the_chat_records_nothing_and_a_later_tap_is_refused(
    bot: BotRun, app: App, sandbox: SandboxHandle
) -> None:
    suggestion = from_bank(app, "R-2", amount="20.00")
    assert suggestion is not None
    question = await asked(bot, "R-2")

    rejected = await bot.press(f"payno:{suggestion.id}", message_id(question), chat=PRACTICE_CHAT)
    late = await bot.press(f"payok:{suggestion.id}", message_id(question), chat=PRACTICE_CHAT)

    assert "abgelehnt; es wurde nichts erfasst" in text(rejected)
    assert "wurde abgelehnt und kann nicht mehr angenommen werden" in text(late)
    assert all_payments(app, source="practice") == [] and agency_payments(sandbox) == []
