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
from email.header import decode_header, make_header
from email.message import Message
from email.policy import compat32
from html.parser import HTMLParser
from typing import NamedTuple

__all__ = ["Attachment", "AuthMethodResult", "AuthResults", "ParsedMail", "parse", "parse_auth_results"]


class Attachment(NamedTuple):
    filename: str
    content_type: str
    payload: bytes


@dataclass(frozen=True)
class AuthMethodResult:
    """One `method=result` clause of an Authentication-Results header, e.g. dkim=pass header.d=x."""

    method: str
    result: str
    properties: tuple[tuple[str, str], ...] = ()

    def prop(self, name: str) -> str | None:
        for key, value in self.properties:
            if key == name:
                return value
        return None


@dataclass(frozen=True)
class AuthResults:
    """One Authentication-Results header (RFC 8601), in the order the headers appear (top first)."""

    authserv_id: str
    results: tuple[AuthMethodResult, ...]

    def of(self, method: str) -> tuple[AuthMethodResult, ...]:
        return tuple(r for r in self.results if r.method == method)


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
        subject=decode_words(" ".join(_header(msg, "Subject"))),
        date=_date(msg),
        text=text,
        html_only=html_only,
        attachments=tuple(_attachments(msg)),
        auth_results=tuple(parse_auth_results(h) for h in _header(msg, "Authentication-Results")),
        auto_submitted=" ".join(_header(msg, "Auto-Submitted")).strip().lower() or None,
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


def decode_words(value: object) -> str:
    """Decode RFC 2047 encoded words; unknown charsets and bad encodings become replacement chars."""
    text = str(value or "")
    try:
        chunks = decode_header(text)
    except Exception:  # noqa: BLE001 - the header parser has many failure modes on hostile input
        return _unfold(text)
    try:
        return _unfold(str(make_header(chunks)))
    except Exception:  # noqa: BLE001 - unknown charset or bytes that do not fit it
        parts = [c if isinstance(c, str) else decode_bytes(c, cs)[0] for c, cs in chunks]
        return _unfold(" ".join(parts))


def decode_bytes(data: bytes, charset: str | None) -> tuple[str, bool]:
    """Decode with the declared charset, else UTF-8, else Windows-1252; returns (text, was_wrong).

    NUL characters are dropped (no database column wants them)."""
    for candidate in (charset, "utf-8"):
        if not candidate:
            continue
        try:
            text = data.decode(candidate)
        except (LookupError, ValueError):  # unknown/bytes-only codec, bad bytes, NUL in the name
            continue
        return text.replace("\x00", ""), candidate != charset and charset is not None
    return data.decode("cp1252", errors="replace").replace("\x00", ""), True


def _unfold(text: str) -> str:
    return re.sub(r"\s*\r?\n\s*", " ", text.replace("\x00", "")).strip()


def _message_id(msg: Message) -> str | None:
    value = _unfold(" ".join(_header(msg, "Message-ID")))
    match = re.search(r"<[^<>\s]+>", value)
    if match:
        return match.group(0)
    return value or None


_ADDRESS = re.compile(r"^[^@\s<>()\[\],;:\"\x00-\x1f\ufffd]+@[\w-]+(?:\.[\w-]+)+$")


def _text_of(text: str) -> str:
    """Undo the parser's surrogate escapes of raw 8-bit bytes (UTF-8, else Windows-1252)."""
    if any("\udc80" <= ch <= "\udcff" for ch in text):
        return decode_bytes(text.encode("utf-8", "surrogateescape"), "utf-8")[0]
    return text


def _header(msg: Message, name: str) -> list[str]:
    """All values of a header as text; raw 8-bit bytes (kept by the parser as surrogates) decoded."""
    values = []
    for key, value in msg.raw_items():
        if key.lower() != name.lower():
            continue
        values.append(_text_of(str(value)).replace("\x00", "\ufffd"))
    return values


def _from(msg: Message, defects: list[str]) -> tuple[tuple[str, ...], str | None, str]:
    # Addresses are parsed from the raw header and only display names are decoded afterwards:
    # an encoded word such as =?utf-8?q?=3Cvertrag@agency=3E?= must never become an address.
    headers = _header(msg, "From")
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
                filename=decode_words(_text_of(part.get_filename() or "")),
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


class _HtmlText(HTMLParser):
    _BLOCK = frozenset({"br", "p", "div", "tr", "li", "h1", "h2", "h3", "h4", "h5", "h6", "table"})
    _SKIP = frozenset({"script", "style", "head", "title"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0
        self._href: str | None = None
        self._link_text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._SKIP:
            self._skip += 1
        elif tag in self._BLOCK:
            self.parts.append("\n")
        elif tag == "a":
            self._href = dict(attrs).get("href")
            self._link_text = []

    def handle_endtag(self, tag: str) -> None:
        if tag in self._SKIP:
            self._skip = max(0, self._skip - 1)
        elif tag in self._BLOCK:
            self.parts.append("\n")
        elif tag == "a" and self._href:
            # keep the target visible: a signing link may exist only as an href
            if self._href.strip() not in "".join(self._link_text):
                self.parts.append(f" ({self._href.strip()})")
            self._href = None

    def handle_data(self, data: str) -> None:
        if self._skip:
            return
        self.parts.append(data)
        if self._href is not None:
            self._link_text.append(data)


def html_to_text(html: str) -> str:
    """Plain text of an HTML body: tags dropped, blocks as lines, link targets kept."""
    parser = _HtmlText()
    try:
        parser.feed(html)
        parser.close()
    except Exception:  # noqa: BLE001 - html.parser is lenient, but never let a body crash intake
        pass
    lines = (re.sub(r"[ \t\xa0]+", " ", line).strip() for line in "".join(parser.parts).splitlines())
    return "\n".join(line for line in lines if line)


def _strip_comments(value: str) -> str:
    out: list[str] = []
    depth = 0
    quoted = False
    for ch in value:
        if ch == '"' and depth == 0:
            quoted = not quoted
        if not quoted and ch == "(":
            depth += 1
            continue
        if not quoted and ch == ")" and depth:
            depth -= 1
            continue
        if depth == 0:
            out.append(ch)
    return "".join(out)


def parse_auth_results(header: str) -> AuthResults:
    """Parse one Authentication-Results header value (RFC 8601); lenient, never raises."""
    value = _strip_comments(_unfold(header))
    clauses = [c.strip() for c in value.split(";")]
    head = clauses[0].split()
    authserv_id = head[0].lower() if head else ""
    results: list[AuthMethodResult] = []
    for clause in clauses[1:]:
        tokens = re.findall(r'[^\s=]+\s*=\s*(?:"[^"]*"|[^\s]+)', clause)
        if not tokens:
            continue
        method, _, result = (t.strip() for t in tokens[0].partition("="))
        props = []
        for token in tokens[1:]:
            key, _, val = (t.strip() for t in token.partition("="))
            props.append((key.lower(), val.strip('"').lower()))
        results.append(AuthMethodResult(method.split("/")[0].lower(), result.lower(), tuple(props)))
    return AuthResults(authserv_id=authserv_id, results=tuple(results))
