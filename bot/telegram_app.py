"""The Telegram door: a python-telegram-bot Application on top of the command layer.

Its handlers, typed context and replies live here; running it (polling or webhook, retries,
notifications) is `bot.telegram_run`. The Bot API base comes from TELEGRAM_API_BASE_URL (a
local stand-in in tests). Replies are sent as plain text (no parse mode), so nothing a person
types can turn into markup.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from typing import Any

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import NetworkError, TelegramError
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackContext,
    CallbackQueryHandler,
    ContextTypes,
    ExtBot,
    MessageHandler,
    filters,
)

from bot import catalogue
from bot.commands import CommandLayer
from bot.replies import Reply, Sender, chunks
from core.bootstrap import App
from core.domain.errors import PreconditionFailed

__all__ = [
    "ALLOWED_UPDATES",
    "BotApplication",
    "BotContext",
    "BotData",
    "ERROR_TEXT",
    "after_initialize",
    "build_application",
    "keyboard",
    "on_button",
    "on_error",
    "on_message",
    "quiet_token_loggers",
    "send_replies",
]

log = logging.getLogger(__name__)

ERROR_TEXT = (
    "Entschuldigung, da ist ein technischer Fehler aufgetreten. Bitte in ein paar Minuten noch "
    f"einmal versuchen; {catalogue.command('status').line()} zeigt, was schon erledigt ist."
)
ALLOWED_UPDATES = ["message", "callback_query"]


class BotData:
    """Typed `bot_data`: the product and its command layer (set right after the build), and one
    lock per chat, so a chat's messages are answered in order while other chats go on."""

    def __init__(self) -> None:
        self.app: App | None = None
        self.layer: CommandLayer | None = None
        self._locks: weakref.WeakValueDictionary[int, asyncio.Lock] = weakref.WeakValueDictionary()

    def lock_for(self, chat_id: int) -> asyncio.Lock:
        lock = self._locks.get(chat_id)
        if lock is None:
            lock = self._locks[chat_id] = asyncio.Lock()
        return lock


class BotContext(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], BotData]):
    """The handlers' context, with typed access to the command layer."""

    @property
    def layer(self) -> CommandLayer:
        layer = self.bot_data.layer
        assert layer is not None, "build_application sets the layer"
        return layer

    @property
    def product(self) -> App:
        app = self.bot_data.app
        assert app is not None, "build_application sets the app"
        return app


BotApplication = Application[ExtBot[None], BotContext, dict[Any, Any], dict[Any, Any], BotData, Any]


def quiet_token_loggers() -> None:
    """Bot API URLs contain the token: httpx logs them at INFO, PTB's bot at DEBUG ("Set Bot API
    URL"). Those loggers stay above that level whatever the root level is."""
    for name in ("httpx", "httpcore"):
        logging.getLogger(name).setLevel(logging.WARNING)
    for name in ("telegram.Bot", "telegram.ext.ExtBot"):
        logging.getLogger(name).setLevel(logging.INFO)


def build_application(
    app: App, *, layer: CommandLayer | None = None, with_updater: bool = True, concurrent: int = 16
) -> BotApplication:
    """The PTB Application with our handlers; `with_updater=False` for webhook mode.

    Up to `concurrent` updates are handled at once (a slow 1159 Finance answer for one chat
    does not hold up the others); within one chat they stay in order (`BotData.lock_for`)."""
    token = app.settings.telegram_bot_token
    if token is None or not token.get_secret_value():
        raise PreconditionFailed("TELEGRAM_BOT_TOKEN fehlt: ohne Token kein Telegram-Bot.")
    quiet_token_loggers()
    base = app.settings.telegram_api_base_url.rstrip("/")
    builder = (
        ApplicationBuilder()
        .token(token.get_secret_value())
        .base_url(f"{base}/bot")
        .base_file_url(f"{base}/file/bot")
        .context_types(ContextTypes(context=BotContext, bot_data=BotData))
        .concurrent_updates(concurrent)
    )
    if not with_updater:
        builder = builder.updater(None)
    application: BotApplication = builder.build()
    application.bot_data.app = app
    application.bot_data.layer = layer or CommandLayer(app)
    application.add_handler(CallbackQueryHandler(on_button))
    application.add_handler(MessageHandler(filters.UpdateType.MESSAGE, on_message))
    application.add_error_handler(on_error)
    return application


async def after_initialize(application: BotApplication) -> None:
    """Learn our username (for /cmd@bot in groups) and publish the command list."""
    layer = application.bot_data.layer
    if layer is not None:
        layer.bot_username = application.bot.username
    try:
        await application.bot.set_my_commands(catalogue.menu())
    except TelegramError as exc:
        log.warning("could not publish the command list: %s", type(exc).__name__)


async def on_message(update: Update, context: BotContext) -> None:
    """Answer a message through the command layer (in groups only /commands are for the bot)."""
    message, user, chat = update.effective_message, update.effective_user, update.effective_chat
    if message is None or user is None or chat is None or user.is_bot:
        return
    text = message.text or ""
    if chat.type != "private" and not text.startswith("/"):
        return
    async with context.bot_data.lock_for(chat.id):
        replies = await context.layer.handle_text(Sender("telegram", user.id, chat.id), text)
        await send_replies(context.bot, chat.id, replies)


async def on_button(update: Update, context: BotContext) -> None:
    """Answer a button press; spent buttons are removed from their message."""
    query = update.callback_query
    if query is None:
        return
    await query.answer()  # stops the client's spinner; says nothing about the outcome
    message = query.message
    chat_id = message.chat.id if message is not None else query.from_user.id
    async with context.bot_data.lock_for(chat_id):
        sender = Sender("telegram", query.from_user.id, chat_id)
        replies = await context.layer.handle_button(sender, query.data or "")
        if message is not None and any(r.settles_prompt for r in replies):
            try:
                await query.edit_message_reply_markup(None)
            except TelegramError as exc:
                log.info("could not remove spent buttons: %s", type(exc).__name__)
        await send_replies(context.bot, chat_id, replies)


async def on_error(update: object, context: BotContext) -> None:
    """Log the failure first, then tell the person (or the practice chat) in plain German."""
    error = context.error
    if isinstance(error, TelegramError):  # its text may quote a Bot API URL: no traceback
        log.warning("Telegram error: %s: %s", type(error).__name__, _redact(str(error), context))
    else:
        log.error("update failed", exc_info=error)
    chat_id: int | None = None
    if isinstance(update, Update) and update.effective_chat is not None:
        chat_id = update.effective_chat.id
    elif update is not None:
        chat_id = context.product.settings.practice_chat_id
    if chat_id is None or isinstance(error, NetworkError):
        return
    try:
        await context.bot.send_message(chat_id, ERROR_TEXT)
    except TelegramError as exc:
        log.warning("could not send the error notice: %s", type(exc).__name__)


def _redact(text: str, context: BotContext) -> str:
    return text.replace(context.bot.token, "<token>")


def keyboard(reply: Reply) -> InlineKeyboardMarkup | None:
    if not reply.buttons:
        return None
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(b.label, callback_data=b.data) for b in row] for row in reply.buttons]
    )


async def send_replies(bot: Bot, chat_id: int, replies: list[Reply]) -> None:
    for reply in replies:
        parts = chunks(reply.text) or ["…"]
        for n, part in enumerate(parts):
            markup = keyboard(reply) if n == len(parts) - 1 else None
            await bot.send_message(chat_id, part, reply_markup=markup)
