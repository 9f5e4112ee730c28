"""Whether a mail really comes from whom its From header names.

A From header alone proves nothing, and neither does an Authentication-Results header as such:
anyone can write one into a mail before sending it. A sender is believed only when
1. there is exactly one From address, its domain is exactly the expected one (subdomains are
   refused too: the agency writes from its domain itself, and a subdomain may be run by a third
   party such as a newsletter service), and for staff it is one of the registered addresses; and
2. the receiving server named by MAIL_AUTHSERV_ID vouches for it: the topmost
   Authentication-Results header carrying that authserv-id says dmarc=pass for the From domain,
   or dkim=pass with a signing domain (header.d, or header.i's domain) aligned to it. SPF alone
   is not enough (it vouches for the envelope, not the From header), and an explicit dmarc=fail is
   never outweighed. Headers of any other authserv-id, above or below, are ignored.

Three outcomes: trusted; `missing` evidence (no authserv-id configured, or no readable header
from it: the mail may be genuine, a person has to look); or refused (evidence against it).
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
    missing: bool = False  # not trusted for want of evidence, rather than on evidence against it


def _domain_of(value: str | None) -> str:
    value = (value or "").strip().strip("<>").lower().rstrip(".")
    return value.rpartition("@")[2]


def aligned(domain: str | None, from_domain: str) -> bool:
    """Relaxed DMARC alignment: the same domain, or one a subdomain of the other (never a bare TLD)."""
    d = _domain_of(domain)
    if not d or "." not in d:
        return False
    return d == from_domain or from_domain.endswith("." + d) or d.endswith("." + from_domain)


def _governing_header(mail: ParsedMail, authserv_id: str) -> AuthResults | None:
    """The topmost header written by the configured server; None when it wrote none."""
    wanted = authserv_id.strip().lower()
    return next((h for h in mail.auth_results if h.authserv_id == wanted), None)


def _auth_verdict(header: AuthResults, from_domain: str) -> TrustVerdict:
    where = header.authserv_id
    if any(r.result == "fail" for r in header.of("dmarc")):
        return TrustVerdict(False, f"dmarc=fail ({where})")
    for r in header.of("dmarc"):
        if r.result == "pass" and _domain_of(r.prop("header.from")) == from_domain:
            return TrustVerdict(True, f"dmarc=pass ({where})")
    for r in header.of("dkim"):
        if r.result == "pass" and aligned(r.prop("header.d") or r.prop("header.i"), from_domain):
            return TrustVerdict(True, f"dkim=pass ({where})")
    return TrustVerdict(False, f"no aligned dkim/dmarc pass ({where})")


def _identity(
    mail: ParsedMail, expected_domain: str | None, allowed_addresses: frozenset[str] | None
) -> TrustVerdict | None:
    """A refusal when the From header itself is wrong, whatever any server says."""
    if len(mail.from_addresses) > 1:
        return TrustVerdict(False, "multiple From addresses")
    if mail.from_addr is None or mail.from_domain is None:
        return TrustVerdict(False, "no usable From address")
    from_domain = mail.from_domain.rstrip(".")
    if expected_domain is not None and from_domain != expected_domain.lower().rstrip("."):
        return TrustVerdict(False, f"From domain {from_domain} is not {expected_domain}")
    if allowed_addresses is not None and mail.from_addr not in {a.lower() for a in allowed_addresses}:
        return TrustVerdict(False, f"{mail.from_addr} is not a registered address")
    return None


def sender_verdict(
    mail: ParsedMail,
    *,
    expected_domain: str | None,
    allowed_addresses: frozenset[str] | None,
    authserv_id: str | None,
) -> TrustVerdict:
    """Decide whether the mail's sender is who it claims; see the module docstring for the rules."""
    refused = _identity(mail, expected_domain, allowed_addresses)
    if refused is not None:
        return refused
    if not (authserv_id or "").strip():
        return TrustVerdict(False, "no MAIL_AUTHSERV_ID configured: nothing vouches for it", missing=True)
    assert authserv_id is not None and mail.from_domain is not None
    header = _governing_header(mail, authserv_id)
    if header is None:
        return TrustVerdict(False, f"no Authentication-Results from {authserv_id}", missing=True)
    if not header.readable:
        return TrustVerdict(False, f"unreadable Authentication-Results from {authserv_id}", missing=True)
    return _auth_verdict(header, mail.from_domain.rstrip("."))
