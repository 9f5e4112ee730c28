"""What goes on an IMAP command line and what comes back: folder names, UID sets, FETCH answers."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

from imap_tools.utils import encode_folder

__all__ = ["Header", "already_gone", "literals", "quote", "uid_set"]

_UID = re.compile(rb"UID (\d+)")
_SIZE = re.compile(rb"RFC822\.SIZE (\d+)")
_DATE = re.compile(rb'INTERNALDATE "([^"]+)"')


@dataclass(frozen=True)
class Header:
    uid: int
    size: int
    header: bytes
    arrived: datetime | None = None  # the server's INTERNALDATE


def quote(folder: str) -> str:
    """Quoted and in IMAP's modified UTF-7 (plain ASCII), as imap-tools does it."""
    return encode_folder(folder).decode("ascii")


def uid_set(uids: list[int]) -> str:
    """`1:5,7,9:10` — compact, so a long list stays a short command line."""
    ranges: list[str] = []
    start = prev = uids[0]
    for uid in [*uids[1:], None]:
        if uid is not None and uid == prev + 1:
            prev = uid
            continue
        ranges.append(str(start) if start == prev else f"{start}:{prev}")
        if uid is not None:
            start = prev = uid
    return ",".join(ranges)


class _Fetched(NamedTuple):
    uid: int
    size: int
    literal: bytes
    arrived: datetime | None


def literals(data: list[Any]) -> list[_Fetched]:
    """One entry per FETCH response; UID, size and date may come before or after the literal."""
    out: list[_Fetched] = []
    for index, item in enumerate(data):
        if not isinstance(item, tuple) or len(item) < 2:
            continue
        after = data[index + 1] if index + 1 < len(data) and isinstance(data[index + 1], bytes) else b""
        meta = item[0] + b" " + after
        uid = _UID.search(meta)
        if uid is None:
            continue
        size = _SIZE.search(meta)
        literal = item[1] if isinstance(item[1], bytes) else b""
        out.append(
            _Fetched(int(uid[1]), int(size[1]) if size else len(literal), literal, _internaldate(meta))
        )
    return out


def _internaldate(meta: bytes) -> datetime | None:
    match = _DATE.search(meta)
    if match is None:
        return None
    try:
        return datetime.strptime(match[1].decode("ascii").strip(), "%d-%b-%Y %H:%M:%S %z")
    except ValueError:
        return None


def already_gone(data: Any) -> bool:
    """The server's NO for a message someone else (e.g. another worker) moved a moment ago."""
    text = b" ".join(d for d in (data or []) if isinstance(d, bytes)).upper()
    return b"EXPUNGEISSUED" in text or b"NO LONGER EXIST" in text
