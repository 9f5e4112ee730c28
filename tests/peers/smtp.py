"""An in-process aiosmtpd server that records envelopes and relays them into Dovecot over LMTP."""

from __future__ import annotations

import asyncio
import smtplib
import ssl
import time
from email.parser import BytesHeaderParser
from email.utils import parseaddr
from typing import Any, Literal, NamedTuple

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

from tests.peers.dovecot import MAIL_PASSWORD, MAIL_USERS, PRACTICE_EMAIL, Dovecot
from tests.peers.ports import free_port

__all__ = ["AUTHSERV_ID", "Received", "SmtpServer", "mail_settings_for"]

AUTHSERV_ID = "mx.praxis.test"


class Received(NamedTuple):
    """One envelope as the SMTP server received it (before any header was added)."""

    mail_from: str
    rcpt_tos: list[str]
    data: bytes


AuthVerdict = Literal["pass", "fail"] | None
SmtpSecurity = Literal["plain", "starttls", "ssl"]


def _domain(address: str) -> str:
    return parseaddr(address)[1].rpartition("@")[2].lower()


class _ImplicitTlsSMTP(SMTP):
    """aiosmtpd only counts STARTTLS as TLS; here the socket is TLS from the first byte.

    Passing auth_require_tls=False instead would emit a UserWarning, an error under our pytest config.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._auth_require_tls = False


class _ImplicitTlsController(Controller):
    def factory(self) -> SMTP:
        return _ImplicitTlsSMTP(self.handler, **self.SMTP_kwargs)


class SmtpServer:
    """aiosmtpd handler and controller in one: records every envelope and relays it into Dovecot.

    Like a receiving MX, the relay stamps an Authentication-Results header on top of the message.
    Set `auth_verdict = "fail"` for forged-sender tests, or `None` to add no header at all.
    """

    def __init__(
        self,
        dovecot: Dovecot | None,
        *,
        security: SmtpSecurity = "plain",
        authserv_id: str = AUTHSERV_ID,
        auth_verdict: AuthVerdict = "pass",
    ) -> None:
        self.dovecot = dovecot
        self.security: SmtpSecurity = security
        self.authserv_id = authserv_id
        self.auth_verdict: AuthVerdict = auth_verdict
        self.host = "127.0.0.1"
        self.port = free_port()
        self.messages: list[Received] = []
        self.relayed: list[Received] = []  # exactly what went into Dovecot, header included
        self.undeliverable: list[str] = []  # recipients Dovecot does not know
        self.logins: list[str] = []
        self.cafile = dovecot.cafile if dovecot else None
        self.controller = self._controller()

    def _controller(self) -> Controller:
        kwargs: dict[str, Any] = {
            "authenticator": self._authenticate,
            "auth_required": self.security != "plain",
            # The plain server offers AUTH too, so a product configured with credentials still works.
            "auth_require_tls": self.security != "plain",
        }
        if self.security != "plain":
            if self.dovecot is None:
                raise ValueError("TLS variants reuse Dovecot's certificate")
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.load_cert_chain(self.dovecot.cafile, self.dovecot.keyfile)
            if self.security == "starttls":
                kwargs.update(tls_context=context, require_starttls=True)
            else:
                # The controller's readiness check connects over TLS and must match the SAN.
                kwargs.update(ssl_context=context, server_hostname="localhost")
        controller_class = _ImplicitTlsController if self.security == "ssl" else Controller
        return controller_class(self, hostname=self.host, port=self.port, **kwargs)

    def start(self) -> None:
        self.controller.start()

    def stop(self) -> None:
        self.controller.stop()

    def _authenticate(
        self, server: SMTP, session: Session, envelope: Envelope, mechanism: str, auth_data: Any
    ) -> AuthResult:
        users = self.dovecot.users if self.dovecot else MAIL_USERS
        ok = (
            isinstance(auth_data, LoginPassword)
            and auth_data.login.decode() in users
            and auth_data.password.decode() == MAIL_PASSWORD
        )
        if ok:
            self.logins.append(auth_data.login.decode())
        # handled=False lets aiosmtpd answer 535 itself; with the default the client hangs.
        return AuthResult(success=ok, handled=False)

    def authentication_results(self, mail_from: str, raw: bytes) -> bytes | None:
        """The header line a receiving server would add, or None when `auth_verdict` is None."""
        if self.auth_verdict is None:
            return None
        v = self.auth_verdict
        header_from = _domain(str(BytesHeaderParser().parsebytes(raw).get("From", ""))) or _domain(mail_from)
        value = (
            f"{self.authserv_id}; dkim={v} header.d={header_from};"
            f" spf={v} smtp.mailfrom={_domain(mail_from)}; dmarc={v} header.from={header_from}"
        )
        return f"Authentication-Results: {value}\r\n".encode()

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = bytes(envelope.original_content or b"")
        mail_from = envelope.mail_from or ""
        self.messages.append(Received(mail_from, list(envelope.rcpt_tos), raw))
        if self.dovecot is None:
            return "250 OK"
        header = self.authentication_results(mail_from, raw)
        relayed = (header + raw) if header else raw
        try:
            await asyncio.get_running_loop().run_in_executor(
                None, self._relay, mail_from, list(envelope.rcpt_tos), relayed
            )
        except (OSError, smtplib.SMTPException) as exc:
            # Surface a down mailbox server to the sender instead of silently dropping the mail.
            return f"451 4.3.0 relay to Dovecot failed ({type(exc).__name__})"
        return "250 OK"

    def wait_for_messages(self, count: int = 1, timeout: float = 5.0) -> list[Received]:
        """Block until `count` envelopes arrived (for mail sent by a worker thread or process)."""
        deadline = time.monotonic() + timeout
        while len(self.messages) < count:
            if time.monotonic() > deadline:
                raise TimeoutError(
                    f"{count} message(s) not received within {timeout} s: {len(self.messages)}"
                )
            time.sleep(0.01)
        return list(self.messages)

    async def async_wait_for_messages(self, count: int = 1, timeout: float = 5.0) -> list[Received]:
        """Like wait_for_messages, but lets the test's event loop (and the product in it) run."""
        deadline = time.monotonic() + timeout
        while len(self.messages) < count:
            if time.monotonic() > deadline:
                raise TimeoutError(
                    f"{count} message(s) not received within {timeout} s: {len(self.messages)}"
                )
            await asyncio.sleep(0.01)
        return list(self.messages)

    def _relay(self, mail_from: str, rcpts: list[str], raw: bytes) -> None:
        assert self.dovecot is not None
        self.relayed.append(Received(mail_from, rcpts, raw))
        for rcpt in rcpts:
            try:
                self.dovecot.deliver(raw, rcpt, mail_from=mail_from)
            except smtplib.SMTPRecipientsRefused:
                self.undeliverable.append(rcpt)


def mail_settings_for(
    dovecot: Dovecot,
    smtp: SmtpServer | None = None,
    *,
    user: str = PRACTICE_EMAIL,
    imap_security: SmtpSecurity = "plain",
) -> dict[str, str]:
    """Settings (field names of core.config.Settings, string values) for these peers.

    Pass them as `Settings(**d)`, or as environment variables with `monkeypatch.setenv(k.upper(), v)`.
    """
    out = {
        "imap_host": dovecot.host,
        "imap_port": str(dovecot.imaps_port if imap_security == "ssl" else dovecot.imap_port),
        "imap_user": user,
        "imap_password": dovecot.password,
        "imap_security": imap_security,
        "practice_email": user,
        "mail_authserv_id": smtp.authserv_id if smtp else AUTHSERV_ID,
    }
    if imap_security != "plain":
        out["imap_cafile"] = dovecot.cafile
    if smtp is not None:
        out.update(smtp_host=smtp.host, smtp_port=str(smtp.port), smtp_security=smtp.security)
        if smtp.security != "plain":
            out.update(smtp_user=user, smtp_password=dovecot.password, smtp_cafile=dovecot.cafile)
    return out
