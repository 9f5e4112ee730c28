"""Notifications for the practice chat over Telegram: each is claimed, then sent, so it goes out once."""

from __future__ import annotations

import asyncio
import logging

from telegram import Bot
from telegram.error import TelegramError

from bot.replies import chunks
from core.bootstrap import App
from core.services import notifications

log = logging.getLogger(__name__)


async def deliver_notifications(app: App, bot: Bot) -> int:
    """Send pending notifications to the practice chat; each is claimed first, so it goes out once."""
    chat_id = app.settings.practice_chat_id
    if chat_id is None:
        return 0
    sent = 0
    for note in notifications.pending(app.uow(), practice_id=app.practice_id):
        assert note.id is not None
        if not notifications.mark_delivered(app.uow(), notification_id=note.id):
            continue  # another worker has it
        try:
            for part in chunks(note.text):
                await bot.send_message(chat_id, part)
        except TelegramError as exc:
            notifications.release(app.uow(), notification_id=note.id)
            log.warning("notification %s not delivered, retried later: %s", note.id, type(exc).__name__)
            break
        sent += 1
    return sent


async def notification_loop(app: App, bot: Bot, stop: asyncio.Event, interval: float) -> None:
    while not stop.is_set():
        try:
            await deliver_notifications(app, bot)
        except Exception:  # the loop must outlive any one round
            log.exception("notification round failed")
        try:
            await asyncio.wait_for(stop.wait(), timeout=interval)
        except TimeoutError:
            pass
