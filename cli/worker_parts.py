"""The parts of `inkasso run`, each supervised (core.ops.supervision): the doors' parts are built
here, where the command line may import the doors; the worker's own parts come from the core."""

from __future__ import annotations

import asyncio

from core.bootstrap import App
from core.ops import problems
from core.ops.parts import outbox_part, sync_part
from core.ops.supervision import Part, Ready

__all__ = ["mail_part", "telegram_part", "worker_parts"]


def worker_parts(app: App, *, bot: bool = True, mail: bool = True) -> list[Part]:
    parts = [outbox_part(app), sync_part(app)]
    if bot and app.settings.telegram_bot_token is not None:
        parts.append(telegram_part(app))
    if mail and app.settings.imap_host:
        parts.append(mail_part(app))
    return parts


def telegram_part(app: App) -> Part:
    from telegram.error import InvalidToken

    from bot.telegram_app import build_application
    from bot.telegram_run import serve

    async def run(stop: asyncio.Event, ready: Ready) -> None:
        application = build_application(app, with_updater=not app.settings.telegram_webhook_url)
        try:
            # getMe first, here: a refused token or a 429 reaches the supervisor, which retries.
            await application.initialize()
        except BaseException:
            await application.bot.shutdown()  # the HTTP clients opened before getMe failed
            raise
        ready()
        await serve(application, app, stop, notify_interval=app.settings.notify_interval_seconds)

    def refused(exc: BaseException) -> bool:
        return isinstance(exc, InvalidToken)

    return Part("telegram", run, problem=problems.TELEGRAM, lasting=refused, traceback_in_log=False)


def mail_part(app: App) -> Part:
    from mail.imap import MailboxRefused
    from mail.intake import intake_loop

    async def run(stop: asyncio.Event, ready: Ready) -> None:
        # The loop reconnects by itself and records a refused login as a problem (mail.intake).
        await intake_loop(app, stop, on_pass=ready)

    return Part("mail", run, problem=problems.MAILBOX, lasting=lambda exc: isinstance(exc, MailboxRefused))
