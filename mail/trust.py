"""Whether a mail really comes from whom its From header names.

A From header alone proves nothing. A sender is believed when
1. there is exactly one From address, its domain is exactly the expected one (subdomains are
   refused too: the agency writes from its domain itself, and a subdomain may be run by a third
   party such as a newsletter service), and for staff it is one of the registered addresses;
2. the receiving server's Authentication-Results header agrees: dmarc=pass, or dkim=pass with
   header.d aligned to the From domain, or spf=pass with smtp.mailfrom aligned. An explicit
   dmarc=fail is never outweighed.

Which Authentication-Results header counts: anyone can write such headers into a mail before
sending it, and receivers prepend theirs. So only the topmost header counts, and when the
receiving server's authserv-id is configured, only the topmost one carrying that id.
"""

from __future__ import annotations

from dataclasses import dataclass

from mail.auth_results import AuthResults
from mail.message import ParsedMail

__all__ = ["TrustVerdict", "aligned", "sender_verdict"]


@dataclass(frozen=True)
class TrustVerdict:
    trusted: bool
    reason: str


def _domain_of(value: str | None) -> str:
    value = (value or "").strip().strip("<>").lower().rstrip(".")
    return value.rpartition("@")[2]


def aligned(domain: str | None, from_domain: str) -> bool:
    """Relaxed DMARC alignment: the same domain, or one a subdomain of the other (never a bare TLD)."""
    d = _domain_of(domain)
    if not d or "." not in d:
        return False
    return d == from_domain or from_domain.endswith("." + d) or d.endswith("." + from_domain)


def _governing_header(mail: ParsedMail, authserv_id: str | None) -> AuthResults | None:
    if not mail.auth_results:
        return None
    if authserv_id is None:
        return mail.auth_results[0]
    wanted = authserv_id.lower()
    for header in mail.auth_results:
        if header.authserv_id == wanted:
            return header
    return None


def _auth_verdict(header: AuthResults, from_domain: str) -> TrustVerdict:
    dmarc = header.of("dmarc")
    if any(r.result == "fail" for r in dmarc):
        return TrustVerdict(False, f"dmarc=fail ({header.authserv_id})")
    for r in dmarc:
        header_from = r.prop("header.from")
        if r.result == "pass" and (header_from is None or _domain_of(header_from) == from_domain):
            return TrustVerdict(True, f"dmarc=pass ({header.authserv_id})")
    for r in header.of("dkim"):
        if r.result == "pass" and aligned(r.prop("header.d") or r.prop("header.i"), from_domain):
            return TrustVerdict(True, f"dkim=pass ({header.authserv_id})")
    for r in header.of("spf"):
        if r.result == "pass" and aligned(r.prop("smtp.mailfrom"), from_domain):
            return TrustVerdict(True, f"spf=pass ({header.authserv_id})")
    return TrustVerdict(False, f"no aligned dkim/spf/dmarc pass ({header.authserv_id})")


def sender_verdict(
    mail: ParsedMail,
    *,
    expected_domain: str | None,
    allowed_addresses: frozenset[str] | None,
    authserv_id: str | None,
    require_auth_results: bool,
) -> TrustVerdict:
    """Decide whether the mail's sender is who it claims; see the module docstring for the rules."""
    if len(mail.from_addresses) > 1:
        return TrustVerdict(False, "multiple From addresses")
    if mail.from_addr is None or mail.from_domain is None:
        return TrustVerdict(False, "no usable From address")
    from_domain = mail.from_domain.rstrip(".")
    if expected_domain is not None and from_domain != expected_domain.lower().rstrip("."):
        return TrustVerdict(False, f"From domain {from_domain} is not {expected_domain}")
    if allowed_addresses is not None and mail.from_addr not in {a.lower() for a in allowed_addresses}:
        return TrustVerdict(False, f"{mail.from_addr} is not a registered address")
    header = _governing_header(mail, authserv_id)
    if header is None:
        if require_auth_results:
            return TrustVerdict(False, "no Authentication-Results from the receiving server")
        return TrustVerdict(True, "address matches; no Authentication-Results to check")
    return _auth_verdict(header, from_domain)
