"""Notifications for the practice chat over Telegram: each is claimed, then sent, so it goes out once."""

from __future__ import annotations

import asyncio
import logging

from telegram import Bot
from telegram.error import TelegramError

from bot.payment_actions import suggestion_buttons
from bot.replies import Reply, chunks, onboarding_hint
from bot.telegram_app import keyboard
from core.bootstrap import App
from core.db.models import Notification
from core.services.messaging import notifications
from core.services.payments_in.suggestions import NOTE_KIND
from core.services.setup import onboarding

__all__ = ["deliver_notifications", "notification_loop"]

log = logging.getLogger(__name__)


async def deliver_notifications(app: App, bot: Bot) -> int:
    """Send pending notifications to the practice chat, claimed first so each goes out once.

    A burst (e.g. a sync that moved many cases) goes out as one message, not one per case:
    Telegram allows a group about 20 messages a minute. A failed send releases the claims."""
    chat_id = app.settings.practice_chat_id
    if chat_id is None:
        return 0
    claimed = []
    for note in notifications.pending(app.uow(), practice_id=app.practice_id):
        assert note.id is not None
        if notifications.mark_delivered(app.uow(), notification_id=note.id):
            claimed.append(note)  # else another worker has it
    if not claimed:
        return 0
    # A recognised payment is asked about in a message of its own, with its buttons.
    asks = [note for note in claimed if note.kind == NOTE_KIND and note.subject_id is not None]
    news = [note for note in claimed if note not in asks]
    try:
        for part in chunks("\n\n".join(_text(app, note) for note in news)) if news else []:
            await bot.send_message(chat_id, part)
        for note in asks:
            await bot.send_message(
                chat_id,
                note.text,
                reply_markup=keyboard(Reply(note.text, suggestion_buttons(note.subject_id or 0))),
            )
    except TelegramError as exc:
        for note in claimed:
            assert note.id is not None
            notifications.release(app.uow(), notification_id=note.id)
        log.warning("%s notifications not delivered, retried later: %s", len(claimed), type(exc).__name__)
        return 0
    return len(claimed)


def _text(app: App, note: Notification) -> str:
    """The note as the chat shows it: onboarding news name the step; the chat adds its command."""
    if note.kind != "onboarding":
        return note.text
    hint = onboarding_hint(onboarding.status(app.uow(), practice_id=app.practice_id).allowed)
    return f"{note.text}\n{hint}" if hint else note.text


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
