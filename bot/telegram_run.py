"""Running the Telegram door until asked to stop: polling by default, webhook mode when
TELEGRAM_WEBHOOK_URL is set (see `bot.telegram_webhook`); notifications go to PRACTICE_CHAT_ID."""

from __future__ import annotations

import asyncio
import logging

from telegram.error import InvalidToken, NetworkError

from bot import telegram_webhook
from bot.telegram_app import ALLOWED_UPDATES, BotApplication, after_initialize, build_application
from bot.telegram_notify import notification_loop
from core.bootstrap import App

__all__ = ["run_bot", "serve"]

log = logging.getLogger("bot.telegram_app")


async def run_bot(
    app: App, stop: asyncio.Event, *, poll_timeout: int = 10, notify_interval: float | None = None
) -> None:
    """Run the bot until `stop` is set: polling, or webhook mode when TELEGRAM_WEBHOOK_URL is set.

    Notifications are looked for every `notify_interval` seconds (NOTIFY_INTERVAL_SECONDS)."""
    application = build_application(app, with_updater=not app.settings.telegram_webhook_url)
    interval = app.settings.notify_interval_seconds if notify_interval is None else notify_interval
    await serve(application, app, stop, poll_timeout=poll_timeout, notify_interval=interval)


async def serve(
    application: BotApplication,
    app: App,
    stop: asyncio.Event,
    *,
    poll_timeout: int = 10,
    notify_interval: float = 5.0,
) -> None:
    """Initialise (retrying while Telegram is unreachable), receive updates, notify, until `stop`."""
    webhook = bool(app.settings.telegram_webhook_url)
    while True:
        try:
            await application.initialize()  # getMe
            await after_initialize(application)
            break
        except InvalidToken:
            log.error("Telegram refused the bot token; the bot stays off (check TELEGRAM_BOT_TOKEN)")
            return
        except NetworkError as exc:
            log.warning("Telegram not reachable (%s); trying again in 30 s", type(exc).__name__)
            try:
                await asyncio.wait_for(stop.wait(), timeout=30)
                return
            except TimeoutError:
                continue
    try:
        await application.start()
        if webhook:
            server = await telegram_webhook.start(application, app.settings)
        else:
            assert application.updater is not None
            await application.updater.start_polling(timeout=poll_timeout, allowed_updates=ALLOWED_UPDATES)
        notifier = asyncio.create_task(notification_loop(app, application.bot, stop, notify_interval))
        log.info("telegram bot running (%s)", "webhook" if webhook else "polling")
        await stop.wait()
        await notifier
        if webhook:
            await server.stop()
        elif application.updater is not None and application.updater.running:
            await application.updater.stop()
        await application.stop()
    finally:
        await application.shutdown()
