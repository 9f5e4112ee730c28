"""Authentication-Results headers (RFC 8601) as data: which checks the receiving server ran."""

from __future__ import annotations

import re
from dataclasses import dataclass

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

    def of(self, method: str) -> tuple[AuthMethodResult, ...]:
        return tuple(r for r in self.results if r.method == method)


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
    value = _strip_comments(unfold(header))
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
