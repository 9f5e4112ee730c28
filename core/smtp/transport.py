"""Send a mail through the practice's SMTP server (aiosmtplib); the only module that knows it.

aiosmtplib's errors become ours: `MailServerUnavailable` (a PeerUnavailable: connection,
timeout, 4xx — retried a few times first) or `MailRefused` (a Refused: 5xx, failed login,
bad certificate, missing configuration). The password is never logged.
"""

from __future__ import annotations

import ipaddress
import logging
import ssl
from email.message import EmailMessage
from email.utils import make_msgid
from typing import TYPE_CHECKING

import aiosmtplib
from tenacity import AsyncRetrying, retry_if_exception_type, stop_after_attempt, wait_exponential

from core.domain.errors import PeerUnavailable, Refused

if TYPE_CHECKING:
    from core.config import Settings

__all__ = ["MailRefused", "MailServerUnavailable", "check_login", "is_loopback", "send"]

log = logging.getLogger(__name__)


class MailServerUnavailable(PeerUnavailable):
    """The mail server could not be reached or answered 'try again later', after retries."""


class MailRefused(Refused):
    """The mail server refused the mail or the login for good; retrying will not help."""


class _Transient(Exception):
    """Internal: a failure worth another attempt; carries the mapped error."""

    def __init__(self, error: MailServerUnavailable) -> None:
        super().__init__(error.log_message)
        self.error = error


def _caused_by_certificate(exc: BaseException) -> bool:
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, ssl.SSLCertVerificationError):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def _response_code(exc: aiosmtplib.SMTPException) -> int | None:
    if isinstance(exc, aiosmtplib.SMTPResponseException):
        return exc.code
    if isinstance(exc, aiosmtplib.SMTPRecipientsRefused) and exc.recipients:
        # transient only if every recipient was refused just for now (all 4xx)
        return max(r.code for r in exc.recipients)
    return None


def _map_error(exc: Exception, where: str) -> MailServerUnavailable | MailRefused:
    if _caused_by_certificate(exc):
        return MailRefused(
            "Das Zertifikat des Mailservers ist ungültig; bitte SMTP_HOST und SMTP_CAFILE prüfen.",
            f"certificate verification failed for {where}: {exc}",
        )
    if isinstance(exc, aiosmtplib.SMTPAuthenticationError):
        return MailRefused(
            "Die Anmeldung am Mailserver ist fehlgeschlagen; bitte SMTP_USER und SMTP_PASSWORD prüfen.",
            f"SMTP login refused by {where}: {exc.code}",
        )
    code = _response_code(exc) if isinstance(exc, aiosmtplib.SMTPException) else None
    if code is not None and code >= 500:
        return MailRefused(
            f"Der Mailserver hat die E-Mail abgelehnt (Code {code}).",
            f"SMTP {where} refused permanently: {exc}",
        )
    if isinstance(exc, aiosmtplib.SMTPNotSupported):
        return MailRefused(
            "Der Mailserver unterstützt die eingestellte Verbindungsart nicht; bitte SMTP_SECURITY prüfen.",
            f"SMTP {where} does not support: {exc}",
        )
    return MailServerUnavailable(
        "Der Mailserver ist gerade nicht erreichbar; die E-Mail wurde nicht gesendet.",
        f"SMTP {where} unavailable: {type(exc).__name__}: {exc}",
    )


def is_loopback(host: str) -> bool:
    """A relay on this machine (no name lookup: "localhost" or a loopback address)."""
    name = host.strip().strip("[]").lower()
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def _connection_args(settings: Settings, timeout: float) -> dict[str, object]:
    if not settings.smtp_host:
        raise MailRefused("Es ist kein Mailserver eingerichtet (SMTP_HOST).", "SMTP_HOST not configured")
    security = str(settings.smtp_security)
    if security == "plain" and not is_loopback(settings.smtp_host):
        # Mails carry patient data: unencrypted only to a relay on this machine.
        raise MailRefused(
            "Unverschlüsselt (SMTP_SECURITY=plain) sende ich nur an einen Mailserver auf diesem "
            "Rechner (localhost); bitte SMTP_SECURITY=ssl oder starttls einstellen.",
            f"plain SMTP to {settings.smtp_host} refused: not a loopback relay",
        )
    args: dict[str, object] = {
        "hostname": settings.smtp_host,
        "port": settings.smtp_port,
        "timeout": timeout,
        "use_tls": security == "ssl",
        "start_tls": True if security == "starttls" else False if security == "plain" else None,
    }
    if security != "plain":
        args["tls_context"] = ssl.create_default_context(cafile=settings.smtp_cafile)
    if settings.smtp_user:
        args["username"] = settings.smtp_user
        args["password"] = settings.smtp_password.get_secret_value() if settings.smtp_password else ""
    return args


async def send(
    message: EmailMessage,
    settings: Settings,
    *,
    attempts: int = 3,
    backoff_seconds: float = 1.0,
    timeout: float = 30.0,
) -> str:
    """Send `message` and return its Message-ID (set here if missing).

    Raises MailRefused (permanent) or MailServerUnavailable (transient, after `attempts` tries)."""
    if not message["Message-ID"]:
        message["Message-ID"] = make_msgid(domain=settings.practice_email.rpartition("@")[2] or None)
    args = _connection_args(settings, timeout)
    where = f"{settings.smtp_host}:{settings.smtp_port}"
    retrying = AsyncRetrying(
        stop=stop_after_attempt(attempts),
        wait=wait_exponential(multiplier=backoff_seconds, max=max(backoff_seconds * 8, 0.01)),
        retry=retry_if_exception_type(_Transient),
        reraise=True,
    )
    try:
        async for attempt in retrying:
            with attempt:
                await _send_once(message, args, where)
    except _Transient as transient:
        raise transient.error from transient.__cause__
    log.info("mail %s sent via %s", message["Message-ID"], where)
    return str(message["Message-ID"])


async def _send_once(message: EmailMessage, args: dict[str, object], where: str) -> None:
    try:
        await aiosmtplib.send(message, **args)  # type: ignore[arg-type]
    except (aiosmtplib.SMTPException, OSError) as exc:
        error = _map_error(exc, where)
        if isinstance(error, MailRefused):
            raise error from exc
        log.warning("SMTP attempt failed: %s", error.log_message)
        raise _Transient(error) from exc


async def check_login(settings: Settings, *, timeout: float = 10.0) -> None:
    """Connect and log in as `send` would, send nothing (`inkasso doctor`); raises what `send` raises."""
    args = _connection_args(settings, timeout)
    where = f"{settings.smtp_host}:{settings.smtp_port}"
    try:
        client = aiosmtplib.SMTP(**args)  # type: ignore[arg-type]
        await client.connect()  # TLS and login (with SMTP_USER) happen here
        await client.quit()
    except (aiosmtplib.SMTPException, OSError) as exc:
        raise _map_error(exc, where) from exc
