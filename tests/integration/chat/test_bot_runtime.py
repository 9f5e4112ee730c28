"""The Telegram door at work: /ueberfaellig paging, notifications to the practice chat, the error
handler, no token in the logs, and webhook mode. Real PTB Application, fake Bot API over HTTP,
1159 Finance sandbox, real database."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from sqlmodel import col, select

from bot.commands import CommandLayer
from bot.replies import Reply, Sender
from bot.telegram_app import ERROR_TEXT
from bot.telegram_run import run_bot
from bot.telegram_webhook import HEADER, secret_for
from core import sync
from core.bootstrap import App
from core.db.models import Claim, Notification
from core.domain.onboarding import OnboardingAction, OnboardingState
from core.services.messaging import notifications
from core.services.people.access import OPERATOR
from core.services.setup import onboarding
from tests.integration.chat.bot_helpers import (
    PRACTICE_CHAT,
    STAFF,
    BotRun,
    buttons,
    message_id,
    overdue_invoice,
    running_bot,
    seed_practice,
    text,
    wire_app,
)
from tests.peers.botapi import TOKEN, FakeBotAPI
from tests.peers.ports import free_port
from tests.peers.sandbox import SandboxHandle


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


async def test_ueberfaellig_pages_oldest_first_with_a_button_per_invoice(bot: BotRun, app: App) -> None:
    for n in range(1, 13):
        overdue_invoice(app, f"R-{n:02}", due_days_ago=100 - n)
    first = await bot.say("/ueberfaellig")
    assert "Seite 1 von 3, 12 insgesamt" in text(first)
    assert "1. R-01 · " in text(first) and "5. R-05 · " in text(first) and "R-06" not in text(first)
    labels = [label for label, _ in buttons(first)]
    assert labels == [f"Forderung anlegen – R-0{n}" for n in range(1, 6)] + ["Weiter ▶"]

    second = await bot.press("page:2", message_id(first))
    assert "Seite 2 von 3" in text(second) and "6. R-06 · " in text(second)
    assert [b for b in buttons(second) if b[1].startswith("page:")] == [
        ("◀ Zurück", "page:1"),
        ("Weiter ▶", "page:3"),
    ]

    last = await bot.press("page:3", message_id(second))
    assert "11. R-11" in text(last) and "12. R-12" in text(last)
    assert buttons(last)[-1] == ("◀ Zurück", "page:2")
    assert text(await bot.say("/ueberfaellig 3")) == text(last)

    overview = await bot.press("new:R-11", message_id(last))
    assert text(overview).startswith("Übersicht – Forderung R-11")
    assert [label for label, _ in buttons(overview)] == ["Forderung anlegen", "Abbrechen"]


async def _practice_chat_text(bot: BotRun, needle: str, timeout: float = 5.0) -> list[str]:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not any(needle in text(c) for c in bot.sent_to(PRACTICE_CHAT)):
        if loop.time() > deadline:
            raise TimeoutError(f"{needle!r} not sent; got {[text(c) for c in bot.sent_to(PRACTICE_CHAT)]}")
        await asyncio.sleep(0.01)
    return [text(c) for c in bot.sent_to(PRACTICE_CHAT)]


async def test_notifications_reach_the_practice_chat_once(
    bot: BotRun, app: App, sandbox: SandboxHandle
) -> None:
    overdue_invoice(app, "R-1", amount="120,00")
    overview = await bot.say("/forderung R-1")
    await bot.press(buttons(overview)[0][1], message_id(overview))
    await _practice_chat_text(bot, "R-1")  # the case exists: status notification

    with app.uow() as uow:
        case_id = uow.session.exec(select(Claim.case_id)).one()
    assert case_id is not None
    case = await app.finance().get_case(case_id)
    sandbox.pay(case_id, case.outstanding)
    await sync.sync_once(app.uow(), finance=app.finance(), practice_id=app.practice_id)
    await _practice_chat_text(bot, "ist vollständig")

    notifications.add(
        app.uow(), practice_id=app.practice_id, kind="statement", text="Monatsabrechnung 10/2026 ist da."
    )
    await _practice_chat_text(bot, "Monatsabrechnung 10/2026")

    sent = [text(c) for c in bot.sent_to(PRACTICE_CHAT)]
    assert len(sent) == len(set(sent))
    with app.uow() as uow:
        assert (
            uow.session.exec(select(Notification).where(col(Notification.delivered_at).is_(None))).all() == []
        )


async def test_onboarding_becoming_active_is_announced(bot: BotRun, app: App) -> None:
    from core.domain.onboarding import OnboardingAction, OnboardingState
    from core.services.people.access import SYSTEM
    from core.services.setup import onboarding

    with app.uow() as uow:
        onboarding.get_practice(uow, app.practice_id).onboarding_state = OnboardingState.SIGNED
        uow.commit()
    onboarding.transition(
        app.uow(), practice_id=app.practice_id, actor=SYSTEM, action=OnboardingAction.ACTIVATE, via="mail"
    )
    sent = await _practice_chat_text(bot, "jetzt „aktiv“")
    assert sum("aktiv" in t for t in sent) == 1


async def test_a_failed_notification_is_sent_again_later_not_lost(bot: BotRun, app: App) -> None:
    bot.fake.fail("sendMessage", "Too Many Requests: retry after 0", error_code=429, retry_after=0, times=1)
    notifications.add(
        app.uow(), practice_id=app.practice_id, kind="status", text="Forderung R-9: jetzt „in Bearbeitung“."
    )
    sent = await _practice_chat_text(bot, "R-9")
    assert sum("R-9" in t for t in sent) == 1


async def test_onboarding_news_name_the_step_and_the_chat_adds_its_command(bot: BotRun, app: App) -> None:
    with app.uow() as uow:
        onboarding.get_practice(uow, app.practice_id).onboarding_state = OnboardingState.REQUESTED
        uow.commit()
    onboarding.transition(
        app.uow(),
        practice_id=app.practice_id,
        actor=OPERATOR,
        action=OnboardingAction.CONTRACT_RECEIVED,
        via="mail",
    )
    with app.uow() as uow:  # as stored for every door (the bot may have delivered it already)
        stored = uow.session.exec(select(Notification.text).where(Notification.kind == "onboarding")).one()
    assert "„Vertrag als unterschrieben markieren“" in stored and "/inkasso" not in stored
    sent = await _practice_chat_text(bot, "Inkasso-Onboarding")
    assert sent == [f"{stored}\nIm Chat: /inkasso unterschrieben"]


async def test_a_burst_of_notifications_arrives_bundled_each_once(bot: BotRun, app: App) -> None:
    for n in range(30):
        notifications.add(
            app.uow(), practice_id=app.practice_id, kind="status", text=f"Forderung B-{n:02}: neu."
        )
    sent = await _practice_chat_text(bot, "B-29")
    assert len(sent) <= 3
    joined = "\n".join(sent)
    assert all(joined.count(f"B-{n:02}:") == 1 for n in range(30))


async def test_notifications_are_looked_for_as_often_as_notify_interval_seconds_says(
    sqlite_url: str, tmp_path: Path, sandbox: SandboxHandle, fake_botapi: FakeBotAPI
) -> None:
    app = wire_app(sqlite_url, tmp_path, sandbox, fake_botapi, notify_interval_seconds=0.05)
    seed_practice(app)
    stop = asyncio.Event()
    task = asyncio.create_task(run_bot(app, stop))
    try:
        notifications.add(app.uow(), practice_id=app.practice_id, kind="status", text="Forderung N-1: neu.")
        await fake_botapi.wait_for("sendMessage")
        # Added after a round has run: only a later round (every 0.05 s, not the default 5 s) sends it.
        notifications.add(app.uow(), practice_id=app.practice_id, kind="status", text="Forderung N-2: neu.")
        sent = await fake_botapi.wait_for("sendMessage", count=2, timeout=2)
        assert [c["chat_id"] for c in sent] == [PRACTICE_CHAT, PRACTICE_CHAT]
        assert "N-1" in text(sent[0]) and "N-2" in text(sent[1])
    finally:
        stop.set()
        await asyncio.wait_for(task, 10)
        await app.aclose()
        app.close()


async def test_an_unexpected_error_is_logged_and_answered_in_german(
    bot: BotRun, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    async def broken(self: CommandLayer, sender: Sender, text: str) -> list[Reply]:
        raise RuntimeError("database on fire")

    monkeypatch.setattr(CommandLayer, "handle_text", broken)
    with caplog.at_level(logging.INFO):
        answer = await bot.say("/faelle")
    assert text(answer) == ERROR_TEXT
    failures = [r for r in caplog.records if r.name == "bot.telegram_app" and r.levelno == logging.ERROR]
    assert failures and failures[0].exc_info is not None


async def test_the_token_never_reaches_a_log_line(
    app: App, fake_botapi: FakeBotAPI, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    overdue_invoice(app, "R-1")
    async with running_bot(app, fake_botapi) as bot:
        await bot.say("/ueberfaellig")
        await bot.say("/status R-1")
        fake_botapi.fail("sendMessage", "Forbidden: bot was blocked by the user", error_code=403)
        fake_botapi.push_text(STAFF, "/hilfe", user_id=STAFF)
        await bot.say("/hilfe")
    assert logging.getLogger("httpx").getEffectiveLevel() == logging.WARNING
    secret = TOKEN.split(":", 1)[1]
    assert caplog.records and not [r for r in caplog.records if secret in r.getMessage()]
    assert secret not in caplog.text


async def test_webhook_mode_accepts_only_updates_with_the_secret(
    sqlite_url: str, tmp_path: Path, sandbox: SandboxHandle, fake_botapi: FakeBotAPI
) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}/telegram/updates"
    app = wire_app(
        sqlite_url, tmp_path, sandbox, fake_botapi, telegram_webhook_url=url, telegram_webhook_port=port
    )
    seed_practice(app)
    stop = asyncio.Event()
    task = asyncio.create_task(run_bot(app, stop, notify_interval=0.05))
    try:
        (registered,) = await fake_botapi.wait_for("setWebhook")
        assert registered["url"] == url and registered["secret_token"] == secret_for(TOKEN)
        update = {
            "update_id": 1,
            "message": {
                "message_id": 5,
                "date": 0,
                "chat": {"id": STAFF, "type": "private"},
                "from": {"id": STAFF, "is_bot": False, "first_name": "Anna"},
                "text": "/faelle",
            },
        }
        async with httpx.AsyncClient() as client:
            forged = await client.post(url, json=update, headers={HEADER: "guessed"})
            assert forged.status_code == 403
            ok = await client.post(url, json=update, headers={HEADER: secret_for(TOKEN)})
            assert ok.status_code == 200
        (answer,) = await fake_botapi.wait_for("sendMessage")
        assert answer["chat_id"] == STAFF and text(answer) == "Keine offenen Inkasso-Fälle."
        assert fake_botapi.calls_of("getUpdates") == []
    finally:
        stop.set()
        await asyncio.wait_for(task, 10)
        await app.aclose()
        app.close()


async def test_inkasso_run_serves_the_bot_and_stops_on_sigterm(
    app: App, fake_botapi: FakeBotAPI, sandbox: SandboxHandle, tmp_path: Path
) -> None:
    env = {
        **os.environ,
        "DATABASE_URL": app.settings.database_url,
        "DATA_DIR": str(tmp_path),
        "FINANCE1159_BASE_URL": sandbox.base_url,
        "FINANCE1159_CLIENT_ID": sandbox.client_id,
        "FINANCE1159_API_KEY": sandbox.api_key,
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_API_BASE_URL": fake_botapi.base,
        "PRACTICE_CHAT_ID": str(PRACTICE_CHAT),
    }
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-c", "from cli.main import app; app()", "run",
        cwd=tmp_path, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    try:
        await fake_botapi.wait_for("getUpdates", timeout=30)
        fake_botapi.push_text(STAFF, "/faelle", user_id=STAFF)
        (answer,) = await fake_botapi.wait_for("sendMessage", timeout=10)
        assert answer["chat_id"] == STAFF and text(answer) == "Keine offenen Inkasso-Fälle."
    finally:
        fake_botapi.close()  # release the pending long poll, as Telegram's timeout would
        proc.send_signal(signal.SIGTERM)
        output, _ = await asyncio.wait_for(proc.communicate(), 20)
    assert proc.returncode == 0, output.decode()
    assert "telegram bot running (polling)" in output.decode()
    assert TOKEN.split(":", 1)[1] not in output.decode()
