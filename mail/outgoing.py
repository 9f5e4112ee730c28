"""The mail door's own outgoing traffic: notifications by mail when no Telegram bot delivers them.

Sending itself is the core's `Mailer` port (`app.mailer`, SMTP in `core.smtp.mailer`): the
access request, replies to mail commands and notices all go through it, recorded first.
"""

from __future__ import annotations

from core.bootstrap import App
from core.services.messaging import notifications

__all__ = ["deliver_notifications", "notifies_by_mail"]


def notifies_by_mail(app: App) -> bool:
    """Notifications go out by mail when MAIL_NOTIFY_TO is set and no Telegram bot delivers them."""
    settings = app.settings
    return bool(settings.mail_notify_to and settings.telegram_bot_token is None and app.mailer.configured)


async def deliver_notifications(app: App) -> int:
    """Mail each pending notification once (see `notifies_by_mail`); returns how many."""
    if not notifies_by_mail(app):
        return 0
    to = str(app.settings.mail_notify_to)
    sent = 0
    for note in notifications.pending(app.uow(), practice_id=app.practice_id):
        assert note.id is not None
        if not notifications.mark_delivered(app.uow(), notification_id=note.id):
            continue  # another worker has it
        first_line = note.text.strip().splitlines()[0] if note.text.strip() else note.kind
        await app.mailer.send_notice(to=to, subject=f"Praxis-Inkasso: {first_line[:90]}", text=note.text)
        sent += 1
    return sent
