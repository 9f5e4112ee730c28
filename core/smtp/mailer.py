"""The SMTP `Mailer`: records every mail (direction `out`, raw bytes) before it is sent.

Replies and notices that could not be sent yet stay `pending` and go out with `flush_pending`;
the access request is sent at once or not at all (its caller tells the person about a failure).
"""

from __future__ import annotations

import email
import email.policy
import logging
from collections.abc import Callable
from datetime import timedelta
from email.message import EmailMessage
from email.utils import make_msgid, parseaddr

from core.config import DEMO_CLIENT_ID, Settings
from core.db.engine import UnitOfWork
from core.db.models import Practice
from core.services.messaging import outgoing_records
from core.services.setup.practice import mail_address
from core.smtp import transport
from core.smtp.compose import PracticeContact, access_request, notification

__all__ = ["SmtpMailer"]

log = logging.getLogger(__name__)
STUCK_AFTER = timedelta(minutes=10)  # a `sending` record this old belongs to a worker that died
SMTP_BACKOFF_SECONDS = 1.0  # between the attempts of one send (tests make it short)


class SmtpMailer:
    """Implements `core.services.messaging.ports.Mailer` with the practice's SMTP server."""

    def __init__(self, settings: Settings, uow: Callable[[], UnitOfWork]) -> None:
        self.settings = settings
        self._uow = uow

    def sender(self) -> str:
        """The practice's stored mail address (Praxisdaten); PRACTICE_EMAIL only until one is stored."""
        settings = self.settings
        return mail_address(self._uow(), practice_id=settings.practice_id, fallback=settings.practice_email)

    @property
    def configured(self) -> bool:
        return bool(self.settings.smtp_host)

    async def send_access_request(self, practice: Practice) -> str | None:
        if not self.configured:
            return None
        contact = _contact(practice)
        client_id = self.settings.finance1159_client_id
        if client_id and client_id != DEMO_CLIENT_ID:
            contact = PracticeContact(**{**contact.__dict__, "client_id": client_id})
        sender = practice.email or self.settings.practice_email
        message = access_request(contact, to=self.settings.support_email, from_=sender)
        return await self.send(message, kind="access_request", retry_later=False)

    async def send_reply(self, message: EmailMessage, *, kind: str) -> str:
        return await self.send(message, kind=kind)

    async def send_notice(self, *, to: str, subject: str, text: str) -> str:
        message = notification(to=to, from_=self.sender(), subject=subject, text=text)
        return await self.send(message, kind="notification")

    async def send(self, message: EmailMessage, *, kind: str, retry_later: bool = True) -> str:
        """Record and send; returns the Message-ID.

        With `retry_later`, a mail server that is down leaves the mail pending for `flush_pending`;
        without it, MailServerUnavailable / MailRefused reach the caller and it is not retried."""
        message_id = self._record(message, kind=kind)
        if not self.configured:
            if not retry_later:
                self._finish(message_id, "failed: no SMTP_HOST")
            log.warning("mail %s (%s) kept unsent: no SMTP server configured", message_id, kind)
            return message_id
        await self._deliver(message_id, message, retry_later=retry_later)
        return message_id

    async def flush_pending(self, *, limit: int = 20) -> int:
        if not self.configured:
            return 0
        sent = 0
        pending = outgoing_records.pending_outgoing(
            self._uow(), practice_id=self.settings.practice_id, stale_after=STUCK_AFTER, limit=limit
        )
        for message_id, raw in pending:
            message = email.message_from_bytes(raw, _class=EmailMessage, policy=email.policy.default)
            if await self._deliver(message_id, message, retry_later=True):
                sent += 1
            else:
                break  # the server is still down: try the rest next round
        return sent

    def _record(self, message: EmailMessage, *, kind: str) -> str:
        if not message["Message-ID"]:
            sender = parseaddr(str(message["From"] or ""))[1] or self.settings.practice_email
            message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or None)
        message_id = str(message["Message-ID"])
        outgoing_records.record_outgoing(
            self._uow(),
            practice_id=self.settings.practice_id,
            message_id=message_id,
            raw=message.as_bytes(),
            kind=kind,
            sender=str(message["From"] or ""),
            subject=str(message["Subject"] or ""),
        )
        return message_id

    def _finish(self, message_id: str, outcome: str) -> None:
        outgoing_records.finish_outgoing(
            self._uow(), practice_id=self.settings.practice_id, message_id=message_id, outcome=outcome
        )

    async def _deliver(self, message_id: str, message: EmailMessage, *, retry_later: bool) -> bool:
        """Send one recorded mail; True if sent. Transient failures stay pending when `retry_later`."""
        if not outgoing_records.claim_outgoing(
            self._uow(), practice_id=self.settings.practice_id, message_id=message_id, stale_after=STUCK_AFTER
        ):
            return False
        try:
            await transport.send(message, self.settings, backoff_seconds=SMTP_BACKOFF_SECONDS)
        except transport.MailServerUnavailable as exc:
            self._finish(message_id, "pending" if retry_later else f"failed: {exc.log_message}")
            later = "; will retry" if retry_later else ""
            log.warning("mail %s not sent (%s)%s", message_id, exc.log_message, later)
            if not retry_later:
                raise
            return False
        except transport.MailRefused as exc:
            self._finish(message_id, f"failed: {exc.log_message}")
            log.error("mail %s refused: %s", message_id, exc.log_message)
            if not retry_later:
                raise
            return False
        self._finish(message_id, "sent")
        return True


def _contact(practice: Practice) -> PracticeContact:
    return PracticeContact(
        name=practice.name,
        street=practice.street,
        zip_code=practice.zip,
        city=practice.city,
        email=practice.email,
        phone=practice.phone or None,
    )
