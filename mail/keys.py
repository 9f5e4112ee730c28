"""How a mail is known to the records: its Message-ID, or a hash of what the sender wrote."""

from __future__ import annotations

import hashlib
from email.parser import BytesHeaderParser

from mail.message import ParsedMail

__all__ = ["content_hash", "message_key"]


def content_hash(raw: bytes) -> str:
    """A hash of what the sender wrote: From, To, Date, Subject, Message-ID and the body.

    Trace headers that each delivery adds (Received, Delivered-To, Return-Path,
    Authentication-Results) are left out, so a mail delivered twice hashes the same."""
    head, sep, body = raw.partition(b"\r\n\r\n")
    if not sep:
        head, _, body = raw.partition(b"\n\n")
    headers = BytesHeaderParser().parsebytes(head + b"\n\n")
    digest = hashlib.sha256()
    for name in ("From", "To", "Date", "Subject", "Message-ID"):
        digest.update(f"{name}:{headers.get_all(name, [])!s}\n".encode("utf-8", "surrogateescape"))
    digest.update(body.replace(b"\r\n", b"\n"))  # servers store and serve line ends differently
    return f"sha256:{digest.hexdigest()}"


def message_key(mail: ParsedMail, raw: bytes) -> str:
    """The Message-ID, or for mails without a usable one their `content_hash`."""
    if mail.message_id and len(mail.message_id) <= 500:
        return mail.message_id
    return content_hash(raw)
