"""Waiting for news in the mailbox: IMAP IDLE where the server offers it, else sleep and NOOP."""

from __future__ import annotations

import imaplib
import select
import socket
import ssl
import time
from collections.abc import Callable

from imap_tools import BaseMailBox

from mail.imap.errors import ok

__all__ = ["wait"]


def wait(box: BaseMailBox, idle: bool, seconds: float, should_stop: Callable[[], bool]) -> bool:
    """Wait up to `seconds` for news: IMAP IDLE where offered, else a plain sleep and NOOP.

    Returns True when the server reported a change."""
    deadline = time.monotonic() + seconds
    if not idle:
        while time.monotonic() < deadline and not should_stop():
            time.sleep(min(0.5, max(deadline - time.monotonic(), 0)))
        ok(box.client.noop(), "NOOP")
        return False
    client = box.client
    if _new_mail_reported(client):
        return True  # mail arrived during the pass: look again before idling
    box.idle.start()  # type: ignore[no-untyped-call]  # imap-tools leaves it unannotated
    try:
        if _new_mail_reported(client):  # reported while IDLE started
            return True
        while time.monotonic() < deadline and not should_stop():
            step = min(0.5, max(deadline - time.monotonic(), 0.0))
            if not _readable(client.sock, step):
                continue
            line = client._get_line()  # blocking (socket timeout); raises abort on EOF
            if line.startswith(b"* BYE"):
                raise imaplib.IMAP4.abort("the server said BYE during IDLE")
            if line.startswith((b"* OK", b"+")):
                continue  # "+ idling" and keep-alives such as Dovecot's "* OK Still here"
            return True
        return False
    finally:
        box.idle.stop()  # type: ignore[no-untyped-call]


def _new_mail_reported(client: imaplib.IMAP4) -> bool:
    """An untagged EXISTS the client read along with another answer (kept by imaplib, taken here)."""
    return client.untagged_responses.pop("EXISTS", None) is not None


def _readable(sock: socket.socket, timeout: float) -> bool:
    if isinstance(sock, ssl.SSLSocket) and sock.pending():
        return True
    return bool(select.select([sock], [], [], timeout)[0])
