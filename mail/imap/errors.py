"""Every imaplib, imap-tools, socket and TLS error becomes ours, here and nowhere else."""

from __future__ import annotations

import functools
import imaplib
import ssl
from collections.abc import Callable
from typing import Any, ParamSpec, TypeVar

from imap_tools.errors import ImapToolsError, MailboxLoginError

from core.domain.errors import PeerUnavailable, Refused

__all__ = ["MailboxRefused", "MailboxUnavailable", "guard", "ok"]

P = ParamSpec("P")
R = TypeVar("R")


class MailboxUnavailable(PeerUnavailable):
    """The IMAP server could not be reached, dropped the connection or refused a command."""


class MailboxRefused(Refused):
    """The IMAP server refused the login; retrying with the same settings will not help."""


def guard(fn: Callable[P, R]) -> Callable[P, R]:
    """Turn imaplib, imap-tools, socket and TLS errors into MailboxUnavailable."""

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return fn(*args, **kwargs)
        except MailboxLoginError as exc:
            raise MailboxRefused(
                "Die Anmeldung am Postfach ist fehlgeschlagen; bitte IMAP_USER und IMAP_PASSWORD prüfen.",
                "IMAP login refused",
            ) from exc
        except ssl.SSLCertVerificationError as exc:
            raise MailboxRefused(
                "Das Zertifikat des Postfach-Servers ist ungültig; bitte IMAP_HOST und IMAP_CAFILE prüfen.",
                f"IMAP certificate verification failed: {exc.verify_message}",
            ) from exc
        except (imaplib.IMAP4.error, ImapToolsError, OSError, EOFError, ValueError) as exc:
            # ValueError: imaplib on a closed socket; OSError covers socket.timeout and ssl.SSLError
            raise MailboxUnavailable(
                "Das Postfach ist gerade nicht erreichbar.",
                f"IMAP {fn.__name__} failed: {type(exc).__name__}: {str(exc)[:200]}",
            ) from exc

    return wrapper


def ok(result: tuple[Any, Any], what: str) -> list[Any]:
    typ, data = result
    if typ != "OK":
        raise imaplib.IMAP4.error(f"{what}: {typ} {data!r:.200}")
    return list(data or [])
