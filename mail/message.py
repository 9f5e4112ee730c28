"""Parse a raw mail into a `ParsedMail`: a pure function of its bytes that never raises.

Malformed input (broken MIME, unknown or wrong charsets, missing headers) is read as far as
possible and what went wrong is listed in `ParsedMail.defects`.
"""

from __future__ import annotations

import email
import email.utils
import hashlib
import re
from dataclasses import dataclass
from datetime import datetime
from email.message import Message
from email.policy import compat32
from typing import NamedTuple

from mail.auth_results import AuthResults, parse_auth_results
from mail.decoding import decode_bytes, decode_words, header_values, text_of, unfold
from mail.html_text import html_to_text

__all__ = ["Attachment", "ParsedMail", "parse"]


class Attachment(NamedTuple):
    filename: str
    content_type: str
    payload: bytes


@dataclass(frozen=True)
class ParsedMail:
    message_id: str | None
    from_addr: str | None  # the single From address, lowercased; None if missing, unparsable or several
    from_domain: str | None
    from_name: str
    from_addresses: tuple[str, ...]
    subject: str
    date: datetime | None
    text: str
    html_only: bool
    attachments: tuple[Attachment, ...]
    auth_results: tuple[AuthResults, ...]
    auto_submitted: str | None
    size: int
    sha256: str  # of the raw bytes, as stored
    content_sha256: str  # of the raw bytes without the trace headers receivers prepend
    defects: tuple[str, ...]

    @property
    def identity(self) -> str:
        """The Message-ID; for mails without one a hash of the mail without its trace headers,
        so the same mail delivered twice (with other Received lines) keeps one identity."""
        return self.message_id or f"sha256:{self.content_sha256}"


def parse(raw: bytes) -> ParsedMail:
    """Parse raw RFC 5322 bytes; never raises, records what was wrong in `defects`."""
    defects: list[str] = []
    msg = email.message_from_bytes(raw, policy=compat32)
    for part in msg.walk():
        defects.extend(type(d).__name__ for d in part.defects)
    message_id = _message_id(msg)
    if message_id is None:
        defects.append("MissingMessageId")
    addresses, from_addr, from_name = _from(msg, defects)
    text, html_only = _body_text(msg, defects)
    return ParsedMail(
        message_id=message_id,
        from_addr=from_addr,
        from_domain=from_addr.rpartition("@")[2] if from_addr else None,
        from_name=from_name,
        from_addresses=addresses,
        subject=decode_words(" ".join(header_values(msg, "Subject"))),
        date=_date(msg),
        text=text,
        html_only=html_only,
        attachments=tuple(_attachments(msg)),
        auth_results=tuple(parse_auth_results(h) for h in header_values(msg, "Authentication-Results")),
        auto_submitted=" ".join(header_values(msg, "Auto-Submitted")).strip().lower() or None,
        size=len(raw),
        sha256=hashlib.sha256(raw).hexdigest(),
        content_sha256=hashlib.sha256(_without_trace(raw)).hexdigest(),
        defects=tuple(defects),
    )


_TRACE = re.compile(
    rb"^(?:received|return-path|delivered-to|x-original-to|authentication-results|arc-[a-z-]+"
    rb"|received-spf|x-spam-[a-z-]+|x-virus-[a-z-]+)\s*:",
    re.IGNORECASE,
)


def _without_trace(raw: bytes) -> bytes:
    """The raw mail minus the leading run of trace fields that each delivery prepends."""
    lines = raw.splitlines(keepends=True)
    index = 0
    while index < len(lines) and _TRACE.match(lines[index]):
        index += 1
        while index < len(lines) and lines[index][:1] in (b" ", b"\t"):
            index += 1  # folded continuation of the same field
    return b"".join(lines[index:])


def _message_id(msg: Message) -> str | None:
    value = unfold(" ".join(header_values(msg, "Message-ID")))
    match = re.search(r"<[^<>\s]+>", value)
    if match:
        return match.group(0)
    return value or None


_ADDRESS = re.compile(r"^[^@\s<>()\[\],;:\"\x00-\x1f\ufffd]+@[\w-]+(?:\.[\w-]+)+$")


def _from(msg: Message, defects: list[str]) -> tuple[tuple[str, ...], str | None, str]:
    # Addresses are parsed from the raw header and only display names are decoded afterwards:
    # an encoded word such as =?utf-8?q?=3Cvertrag@agency=3E?= must never become an address.
    headers = header_values(msg, "From")
    if len(headers) > 1:
        defects.append("MultipleFromHeaders")
    try:
        pairs = email.utils.getaddresses(headers)
    except Exception:  # noqa: BLE001
        pairs = []
    pairs = [(name, addr) for name, addr in pairs if name or addr]
    addresses = tuple(addr.strip().lower() for _, addr in pairs)
    valid = bool(addresses) and all(_ADDRESS.match(a) for a in addresses)
    if not valid:
        defects.append("UnparsableFrom")
    single = addresses[0] if valid and len(addresses) == 1 else None
    return addresses, single, decode_words(pairs[0][0]) if pairs else ""


def _date(msg: Message) -> datetime | None:
    value = msg.get("Date")
    if not value:
        return None
    try:
        return email.utils.parsedate_to_datetime(str(value))
    except (TypeError, ValueError, IndexError):
        return None


def _is_attachment(part: Message) -> bool:
    if part.is_multipart():
        return False
    disposition = str(part.get("Content-Disposition", "")).split(";")[0].strip().lower()
    return disposition == "attachment" or part.get_filename() is not None


def _attachments(msg: Message) -> list[Attachment]:
    found: list[Attachment] = []
    for part in msg.walk():
        if not _is_attachment(part):
            continue
        payload = part.get_payload(decode=True)
        found.append(
            Attachment(
                filename=decode_words(text_of(part.get_filename() or "")),
                content_type=part.get_content_type(),
                payload=payload if isinstance(payload, bytes) else b"",
            )
        )
    return found


def _part_text(part: Message, defects: list[str]) -> str:
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        # a multipart whose boundary never appears is left as one undecoded string
        raw = part.get_payload()
        if not isinstance(raw, str):
            return ""
        return decode_bytes(raw.encode("utf-8", "surrogateescape"), part.get_content_charset())[0]
    text, wrong = decode_bytes(payload, part.get_content_charset())
    if wrong:
        defects.append("WrongCharset")
    return text


def _body_text(msg: Message, defects: list[str]) -> tuple[str, bool]:
    plain: Message | None = None
    html: Message | None = None
    for part in msg.walk():
        if part.is_multipart() or _is_attachment(part):
            continue
        ctype = part.get_content_type()
        if ctype == "text/plain" and plain is None:
            plain = part
        elif ctype == "text/html" and html is None:
            html = part
    if plain is not None:
        return _part_text(plain, defects), False
    if html is not None:
        return html_to_text(_part_text(html, defects)), True
    if msg.get_content_maintype() == "multipart" and not msg.is_multipart():
        return _part_text(msg, defects), False
    return "", False
