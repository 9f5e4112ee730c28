"""Real mail peers: Debian's Dovecot (IMAP, IMAPS, LMTP) and an in-process aiosmtpd relay into it.

Fixtures:
- `dovecot` (session): a running Dovecot with the users of `MAIL_USERS` (password `secret`).
- `mailbox_clean` (function): empties every user's folders first, then yields `dovecot`.
- `smtp_server` / `smtp_server_starttls` / `smtp_server_tls` (function): aiosmtpd that records
  each envelope and relays it over LMTP into Dovecot, so sent mail can be read back over IMAP.
- `mail_settings` (function): the product's settings (field names of `core.config.Settings`)
  pointing at `dovecot` and `smtp_server`, as a dict of strings.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator

import pytest

from tests.peers.dovecot import (
    APT_HINT,
    MAIL_PASSWORD,
    MAIL_USERS,
    PRACTICE_EMAIL,
    Dovecot,
    make_dovecot,
    require_binary,
)
from tests.peers.ports import peer_dir
from tests.peers.smtp import AUTHSERV_ID, Received, SmtpSecurity, SmtpServer, mail_settings_for

# Tests import these names from here; the implementations live in _dovecot and _smtp.
__all__ = [
    "AUTHSERV_ID",
    "MAIL_PASSWORD",
    "MAIL_USERS",
    "PRACTICE_EMAIL",
    "Dovecot",
    "Received",
    "SmtpServer",
    "mail_settings_for",
]


@pytest.fixture(scope="session")
def dovecot() -> Iterator[Dovecot]:
    """A running Dovecot for the whole session (about 0.2 s to start)."""
    binary = require_binary("dovecot", APT_HINT)
    require_binary("openssl", "apt-get install -y openssl")
    directory = peer_dir("dovecot")
    try:
        server = make_dovecot(directory)
        server.binary = binary
        server.start()
        try:
            yield server
        finally:
            server.stop()
    finally:
        shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture
def mailbox_clean(dovecot: Dovecot) -> Dovecot:
    """`dovecot`, restarted if a test stopped it, with every user's mailbox emptied."""
    dovecot.start()
    for user in dovecot.users:
        dovecot.empty(user)
    return dovecot


def _smtp(dovecot: Dovecot, security: SmtpSecurity) -> Iterator[SmtpServer]:
    server = SmtpServer(dovecot, security=security)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def smtp_server(dovecot: Dovecot) -> Iterator[SmtpServer]:
    """Plain SMTP (no TLS, AUTH optional) relaying into `dovecot`; a fresh recorder per test."""
    yield from _smtp(dovecot, "plain")


@pytest.fixture
def smtp_server_starttls(dovecot: Dovecot) -> Iterator[SmtpServer]:
    """SMTP that requires STARTTLS and AUTH (any MAIL_USERS login with MAIL_PASSWORD)."""
    yield from _smtp(dovecot, "starttls")


@pytest.fixture
def smtp_server_tls(dovecot: Dovecot) -> Iterator[SmtpServer]:
    """SMTP over implicit TLS (port-465 style) that requires AUTH."""
    yield from _smtp(dovecot, "ssl")


@pytest.fixture
def mail_settings(mailbox_clean: Dovecot, smtp_server: SmtpServer) -> dict[str, str]:
    """Plain IMAP + plain SMTP settings for the practice mailbox, which starts empty."""
    return mail_settings_for(mailbox_clean, smtp_server)
