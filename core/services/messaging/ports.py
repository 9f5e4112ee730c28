"""What the core needs from the outside to send mail: the `Mailer` port.

The core decides what is mailed and when; an adapter (SMTP in `core.smtp.mailer`, wired in
`core.bootstrap`) records and sends it. Tests pass their own through `build(mailer=...)`.
"""

from __future__ import annotations

from email.message import EmailMessage
from typing import Protocol

from core.db.models import Practice

__all__ = ["Mailer"]


class Mailer(Protocol):
    """Sends the practice's mail; every mail is recorded before it goes out."""

    @property
    def configured(self) -> bool:
        """True when a mail server is set up; without one nothing leaves the practice."""
        ...

    async def send_access_request(self, practice: Practice) -> str | None:
        """Mail the access request to 1159 Finance support at once; its Message-ID.

        None when no mail server is set up. Raises PeerUnavailable or Refused when the mail
        could not be sent; it is then not retried behind the person's back."""
        ...

    async def send_reply(self, message: EmailMessage, *, kind: str) -> str:
        """Record and send a reply or report; kept and sent later while the server is down."""
        ...

    async def send_notice(self, *, to: str, subject: str, text: str) -> str:
        """A notice from the product (e.g. a claim was settled); kept and sent later if need be."""
        ...

    async def flush_pending(self, *, limit: int = 20) -> int:
        """Send recorded mails that are still pending; how many went out."""
        ...
