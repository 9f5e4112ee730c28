"""Sending mail from the practice: the access request, replies to mail commands, notices.

Every mail is recorded (a MailRecord with direction `out` and its raw bytes) before it is sent.
Replies that could not be sent yet stay `pending` and are sent by `flush_pending` later; the
access request is sent at once or not at all (its caller reports the failure to the person).
"""

from __future__ import annotations

import email
import email.policy
import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta
from email.message import EmailMessage
from email.utils import make_msgid, parseaddr

from core.bootstrap import App
from core.config import DEMO_CLIENT_ID
from core.db.models import Practice
from core.services.messaging import mail_records, notifications
from core.services.setup.practice import mail_address
from mail import smtp
from mail.compose import PracticeContact, access_request, notification

__all__ = [
    "access_request_sender",
    "deliver_notifications",
    "flush_pending",
    "queue",
    "send_now",
    "notifies_by_mail",
    "send_notification",
    "smtp_configured",
]

log = logging.getLogger(__name__)
STUCK_AFTER = timedelta(minutes=10)  # a `sending` record this old belongs to a worker that died
SMTP_BACKOFF_SECONDS = 1.0  # between the attempts of one send (tests make it short)


def smtp_configured(app: App) -> bool:
    return bool(app.settings.smtp_host)


def _ensure_id(app: App, message: EmailMessage) -> str:
    if not message["Message-ID"]:
        sender = parseaddr(str(message["From"] or ""))[1] or app.settings.practice_email
        message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or None)
    return str(message["Message-ID"])


def queue(app: App, message: EmailMessage, *, kind: str) -> str:
    """Record `message` as pending (sent by `send_now` or `flush_pending`); returns its Message-ID."""
    message_id = _ensure_id(app, message)
    mail_records.record_outgoing(
        app.uow(),
        practice_id=app.practice_id,
        message_id=message_id,
        raw=message.as_bytes(),
        kind=kind,
        sender=str(message["From"] or ""),
        subject=str(message["Subject"] or ""),
    )
    return message_id


async def _deliver(app: App, message_id: str, message: EmailMessage, *, retry_later: bool) -> bool:
    """Send one recorded mail; True if sent. Transient failures leave it pending when `retry_later`."""
    uow, practice_id = app.uow(), app.practice_id
    if not mail_records.claim_outgoing(
        uow, practice_id=practice_id, message_id=message_id, stale_after=STUCK_AFTER
    ):
        return False
    try:
        await smtp.send(message, app.settings, backoff_seconds=SMTP_BACKOFF_SECONDS)
    except smtp.MailServerUnavailable as exc:
        outcome = "pending" if retry_later else f"failed: {exc.log_message}"
        mail_records.finish_outgoing(uow, practice_id=practice_id, message_id=message_id, outcome=outcome)
        log.warning(
            "mail %s not sent (%s)%s", message_id, exc.log_message, "; will retry" if retry_later else ""
        )
        if not retry_later:
            raise
        return False
    except smtp.MailRefused as exc:
        mail_records.finish_outgoing(
            uow, practice_id=practice_id, message_id=message_id, outcome=f"failed: {exc.log_message}"
        )
        log.error("mail %s refused: %s", message_id, exc.log_message)
        if not retry_later:
            raise
        return False
    mail_records.finish_outgoing(uow, practice_id=practice_id, message_id=message_id, outcome="sent")
    return True


async def send_now(app: App, message: EmailMessage, *, kind: str, retry_later: bool = True) -> str:
    """Record and send; returns the Message-ID.

    With `retry_later`, a mail server that is down leaves the mail pending for `flush_pending`;
    without it, MailServerUnavailable / MailRefused reach the caller and the mail is not retried."""
    message_id = queue(app, message, kind=kind)
    if not smtp_configured(app):
        if not retry_later:
            mail_records.finish_outgoing(
                app.uow(), practice_id=app.practice_id, message_id=message_id, outcome="failed: no SMTP_HOST"
            )
        log.warning("mail %s (%s) kept unsent: no SMTP server configured", message_id, kind)
        return message_id
    await _deliver(app, message_id, message, retry_later=retry_later)
    return message_id


async def flush_pending(app: App, *, limit: int = 20) -> int:
    """Send recorded mails that are still pending; returns how many went out."""
    if not smtp_configured(app):
        return 0
    sent = 0
    pending = mail_records.pending_outgoing(
        app.uow(), practice_id=app.practice_id, stale_after=STUCK_AFTER, limit=limit
    )
    for message_id, raw in pending:
        message = email.message_from_bytes(raw, _class=EmailMessage, policy=email.policy.default)
        if await _deliver(app, message_id, message, retry_later=True):
            sent += 1
        else:
            break  # the server is still down: try the rest next round
    return sent


def _contact(practice: Practice) -> PracticeContact:
    return PracticeContact(
        name=practice.name,
        street=practice.street,
        zip_code=practice.zip,
        city=practice.city,
        email=practice.email,
        phone=practice.phone or None,
    )


def access_request_sender(app: App) -> Callable[[Practice], Awaitable[str]] | None:
    """The sender `core.services.setup.access_request.request_access` needs, or None without SMTP."""
    if not smtp_configured(app):
        return None

    async def send(practice: Practice) -> str:
        settings = app.settings
        contact = _contact(practice)
        if settings.finance1159_client_id and settings.finance1159_client_id != DEMO_CLIENT_ID:
            contact = PracticeContact(**{**contact.__dict__, "client_id": settings.finance1159_client_id})
        message = access_request(
            contact, to=settings.support_email, from_=practice.email or settings.practice_email
        )
        return await send_now(app, message, kind="access_request", retry_later=False)

    return send


def notifies_by_mail(app: App) -> bool:
    """Notifications go out by mail when MAIL_NOTIFY_TO is set and no Telegram bot delivers them."""
    settings = app.settings
    return bool(settings.mail_notify_to and settings.telegram_bot_token is None and smtp_configured(app))


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
        await send_notification(app, to=to, subject=f"Praxis-Inkasso: {first_line[:90]}", text=note.text)
        sent += 1
    return sent


async def send_notification(app: App, *, to: str, subject: str, text: str) -> str:
    """A notice from the product by mail (recorded; retried later if the server is down)."""
    sender = mail_address(app.uow(), practice_id=app.practice_id, fallback=app.settings.practice_email)
    message = notification(to=to, from_=sender, subject=subject, text=text)
    return await send_now(app, message, kind="notification")
