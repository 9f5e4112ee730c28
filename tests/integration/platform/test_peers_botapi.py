"""The fake Bot API serves a real python-telegram-bot Application over HTTP."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import AsyncIterator

import httpx
import pytest
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import Forbidden
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from tests.peers.botapi import TOKEN, BackgroundBotAPI, FakeBotAPI


async def _start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Greet with a confirmation button."""
    assert update.effective_chat is not None
    button = InlineKeyboardButton("Übergeben", callback_data="claim:42")
    await context.bot.send_message(
        update.effective_chat.id, "42", reply_markup=InlineKeyboardMarkup([[button]])
    )


async def _pressed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Confirm the button press and edit the message."""
    query = update.callback_query
    assert query is not None
    await query.answer("ok")
    await query.edit_message_text(f"bestätigt: {query.data}")


async def _document(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Download the file and send it back."""
    assert update.message is not None and update.message.document is not None
    file = await update.message.document.get_file()
    content = bytes(await file.download_as_bytearray())
    await update.message.reply_document(content, filename="zurück.csv")


@pytest.fixture
async def polling_app(fake_botapi: FakeBotAPI) -> AsyncIterator[Application]:
    app = (
        ApplicationBuilder()
        .token(fake_botapi.token)
        .base_url(fake_botapi.base_url)
        .base_file_url(fake_botapi.base_file_url)
        .build()
    )
    app.add_handler(CommandHandler("start", _start))
    app.add_handler(CallbackQueryHandler(_pressed))
    app.add_handler(MessageHandler(filters.Document.ALL, _document))
    async with app:
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0, timeout=1)
        yield app
        await app.updater.stop()
        await app.stop()


async def test_polling_application_answers_start_and_button(
    fake_botapi: FakeBotAPI,
    polling_app: Application,
) -> None:
    fake_botapi.push_text(777, "/start")
    (sent,) = await fake_botapi.wait_for("sendMessage")
    assert sent["chat_id"] == 777
    assert sent.raw["text"] == "42" and sent["text"] == 42  # the raw string survives decoding
    assert sent["reply_markup"] == {"inline_keyboard": [[{"text": "Übergeben", "callback_data": "claim:42"}]]}

    fake_botapi.push_callback(777, "claim:42", message_id=sent.result["message_id"])
    (edited,) = await fake_botapi.wait_for("editMessageText")
    assert edited.raw["text"] == "bestätigt: claim:42"
    assert edited["message_id"] == sent.result["message_id"]
    assert fake_botapi.calls_of("answerCallbackQuery")[0]["text"] == "ok"
    assert fake_botapi.methods()[:2] == ["getMe", "deleteWebhook"]


async def test_documents_round_trip_through_get_file_and_send_document(
    fake_botapi: FakeBotAPI,
    polling_app: Application,
) -> None:
    fake_botapi.push_document(777, b"Rechnung;Betrag\n1234;50,00\n", "rechnungen.csv", caption="Import")
    (sent,) = await fake_botapi.wait_for("sendDocument")
    assert sent["document"]["filename"] == "zurück.csv"
    assert sent["document"]["bytes"] == b"Rechnung;Betrag\n1234;50,00\n"


async def test_injected_failures_surface_as_telegram_errors(
    fake_botapi: FakeBotAPI,
    polling_app: Application,
) -> None:
    fake_botapi.fail("sendMessage", "Forbidden: bot was blocked by the user", error_code=403)
    with pytest.raises(Forbidden):
        await polling_app.bot.send_message(777, "Hallo")
    await polling_app.bot.send_message(777, "Hallo")
    assert len(fake_botapi.calls_of("sendMessage")) == 2


async def test_wrong_token_is_unauthorized_and_wait_for_times_out(fake_botapi: FakeBotAPI) -> None:
    async with httpx.AsyncClient() as client:
        response = await client.get(f"{fake_botapi.base_url}{TOKEN}x/getMe")
    assert response.status_code == 401
    with pytest.raises(TimeoutError):
        await fake_botapi.wait_for("sendMessage", timeout=0.05)


def test_background_server_serves_a_bot_in_another_process(fake_botapi_background: BackgroundBotAPI) -> None:
    """Sync tests (and bot subprocesses) get the same fake from a thread of its own."""
    script = (
        "import asyncio, sys\n"
        "from telegram import Bot\n"
        "async def main():\n"
        "    async with Bot(sys.argv[1], base_url=sys.argv[2]) as bot:\n"
        "        (update,) = await bot.get_updates(timeout=5)\n"
        "        await bot.send_message(update.effective_chat.id, 'Antwort auf ' + update.message.text)\n"
        "asyncio.run(main())\n"
    )
    fake_botapi_background.push_text(555, "Hallo")
    subprocess.run(
        [sys.executable, "-c", script, TOKEN, fake_botapi_background.base_url], check=True, timeout=30
    )
    (sent,) = fake_botapi_background.wait_for("sendMessage")
    assert sent.raw == {"chat_id": "555", "text": "Antwort auf Hallo"}
