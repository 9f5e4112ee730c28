"""The practice mailbox over IMAP (imap-tools): the only package that knows imaplib and imap-tools.

Every library error becomes ours: `MailboxUnavailable` (a PeerUnavailable: connection lost,
timeout, server said BYE or NO) or `MailboxRefused` (a Refused: the login was refused).
`connection` is the session, `idle` the waiting for news, `responses` the protocol's data.
"""

from __future__ import annotations

from mail.imap.connection import HANDLED_KEYWORD, ImapConnection
from mail.imap.errors import MailboxRefused, MailboxUnavailable
from mail.imap.responses import Header

__all__ = ["HANDLED_KEYWORD", "Header", "ImapConnection", "MailboxRefused", "MailboxUnavailable"]
