"""Authentication-Results headers (RFC 8601) as data: which checks the receiving server ran.

The grammar is read by `authres` (the RFC 8601 parser also used by dkimpy and OpenDMARC's Python
tools), not by hand. A header it cannot read is kept as unreadable with no results: it can never
vouch for a mail, but it still counts as the header of its authserv-id, so a forger cannot make
us skip the receiving server's own (unreadable) verdict and fall through to a header of theirs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import authres

from mail.decoding import unfold

__all__ = ["AuthMethodResult", "AuthResults", "parse_auth_results"]


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
    readable: bool = True

    def of(self, method: str) -> tuple[AuthMethodResult, ...]:
        return tuple(r for r in self.results if r.method == method)


def _result(parsed: Any) -> AuthMethodResult:
    props = tuple(
        (f"{p.type}.{p.name}".lower(), str(p.value or "").strip('"').lower()) for p in parsed.properties
    )
    return AuthMethodResult(str(parsed.method).lower(), str(parsed.result).lower(), props)


def parse_auth_results(header: str) -> AuthResults:
    """Parse one Authentication-Results header value; never raises (see the module docstring)."""
    value = unfold(header).strip()
    try:
        parsed = authres.parse_value(value)
    except Exception:  # noqa: BLE001 - authres raises its own SyntaxError and others on bad input
        words = value.split(";", 1)[0].split()
        return AuthResults(words[0].lower() if words else "", (), readable=False)
    return AuthResults(str(parsed.authserv_id).lower(), tuple(_result(r) for r in parsed.results))
