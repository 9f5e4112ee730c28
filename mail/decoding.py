"""Decoding what a mail's headers and parts carry: encoded words, charsets, stray 8-bit bytes.

Hostile or broken input never raises here: what cannot be decoded becomes replacement characters.
"""

from __future__ import annotations

import re
from email.header import decode_header, make_header
from email.message import Message

__all__ = ["decode_bytes", "decode_words", "header_values", "text_of", "unfold"]


def decode_words(value: object) -> str:
    """Decode RFC 2047 encoded words; unknown charsets and bad encodings become replacement chars."""
    text = str(value or "")
    try:
        chunks = decode_header(text)
    except Exception:  # noqa: BLE001 - the header parser has many failure modes on hostile input
        return unfold(text)
    try:
        return unfold(str(make_header(chunks)))
    except Exception:  # noqa: BLE001 - unknown charset or bytes that do not fit it
        parts = [c if isinstance(c, str) else decode_bytes(c, cs)[0] for c, cs in chunks]
        return unfold(" ".join(parts))


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


def unfold(text: str) -> str:
    return re.sub(r"\s*\r?\n\s*", " ", text.replace("\x00", "")).strip()


def text_of(text: str) -> str:
    """Undo the parser's surrogate escapes of raw 8-bit bytes (UTF-8, else Windows-1252)."""
    if any("\udc80" <= ch <= "\udcff" for ch in text):
        return decode_bytes(text.encode("utf-8", "surrogateescape"), "utf-8")[0]
    return text


def header_values(msg: Message, name: str) -> list[str]:
    """All values of a header as text; raw 8-bit bytes (kept by the parser as surrogates) decoded."""
    values = []
    for key, value in msg.raw_items():
        if key.lower() != name.lower():
            continue
        values.append(text_of(str(value)).replace("\x00", "\ufffd"))
    return values
