"""A sender is believed only when the domain, the address and the receiver's checks agree."""

from __future__ import annotations

import pytest

from mail.message import parse
from mail.trust import aligned, sender_verdict

AGENCY = "1159finance.com"


def _mail(frm: str, *auth_results: str) -> bytes:
    headers = "".join(f"Authentication-Results: {a}\r\n" for a in auth_results)
    return f"{headers}From: {frm}\r\nSubject: x\r\nMessage-ID: <m@x>\r\n\r\nbody\r\n".encode()


def _agency(raw: bytes, *, authserv: str | None = "mx.praxis.test") -> tuple[bool, str]:
    verdict = sender_verdict(parse(raw), expected_domain=AGENCY, allowed_addresses=None, authserv_id=authserv)
    return verdict.trusted, verdict.reason


@pytest.mark.parametrize(
    "result",
    [
        "dmarc=pass header.from=1159finance.com",
        "dkim=pass header.d=1159finance.com",
        "dkim=pass header.i=@1159finance.com",
        "dkim=pass header.d=mail.1159finance.com",
        "dkim=fail header.d=x.test; dkim=pass header.d=1159finance.com",
        "DKIM=Pass Header.D=1159Finance.com",
    ],
)
def test_an_aligned_pass_from_the_own_server_is_believed(result: str) -> None:
    assert _agency(_mail("vertrag@1159finance.com", f"mx.praxis.test; {result}"))[0]


@pytest.mark.parametrize(
    "result",
    [
        "dkim=pass header.d=evil.test",
        "dkim=pass header.d=com",
        "spf=pass smtp.mailfrom=bounce@evil.test",
        "dmarc=pass header.from=evil.test",
        "dkim=pass header.d=1159finance.com; dmarc=fail header.from=1159finance.com",
        "dkim=none; spf=neutral smtp.mailfrom=1159finance.com; dmarc=none",
        "none",
        # SPF vouches for the envelope sender, not for the From header a person reads
        "spf=pass smtp.mailfrom=bounce@1159finance.com",
        "dkim=fail header.d=1159finance.com; spf=pass smtp.mailfrom=1159finance.com",
        # a pass for another From domain than the one shown, or none named
        "dmarc=pass",
        "dmarc=pass header.from=1159finance.com.evil.test",
    ],
)
def test_unaligned_failing_or_absent_checks_are_not_believed(result: str) -> None:
    assert not _agency(_mail("vertrag@1159finance.com", f"mx.praxis.test; {result}"))[0]


@pytest.mark.parametrize(
    "sender",
    [
        "vertrag@1159finance.com.evil.test",
        "vertrag@1159-finance.com",
        "vertrag@news.1159finance.com",
        "vertrag@l159finance.com",
        '"vertrag@1159finance.com" <x@evil.test>',
        "vertrag@1159finance.com, x@evil.test",
        "kein-absender",
    ],
)
def test_lookalike_subdomain_spoofed_or_missing_senders_are_refused(sender: str) -> None:
    trusted, _ = _agency(_mail(sender, f"mx.praxis.test; dmarc=pass; dkim=pass header.d={AGENCY}"))
    assert not trusted


def test_headers_of_any_other_server_are_ignored_above_or_below_the_own_one() -> None:
    other_only = _mail("vertrag@1159finance.com", "mx.other.test; dmarc=pass header.from=1159finance.com")
    above = _mail(
        "vertrag@1159finance.com",
        "mx.evil.test; dmarc=pass header.from=1159finance.com",
        "mx.praxis.test; dkim=none",
    )
    below = _mail(
        "vertrag@1159finance.com",
        "mx.praxis.test; dkim=none",
        "mx.evil.test; dkim=pass header.d=1159finance.com",
    )
    assert _agency(other_only) == (False, "no Authentication-Results from mx.praxis.test")
    assert not _agency(above)[0] and not _agency(below)[0]


def test_the_topmost_header_of_the_configured_server_wins_over_a_forged_one_below() -> None:
    raw = _mail(
        "vertrag@1159finance.com",
        "mx.praxis.test; dkim=none; dmarc=none",
        "mx.praxis.test; dmarc=pass header.from=1159finance.com",
    )
    assert not _agency(raw)[0]


def test_without_a_configured_server_nothing_is_believed_whatever_the_headers_say() -> None:
    genuine_looking = _mail("vertrag@1159finance.com", "mx.a.test; dmarc=pass header.from=1159finance.com")
    for authserv in (None, "", "  "):
        verdict = sender_verdict(
            parse(genuine_looking), expected_domain=AGENCY, allowed_addresses=None, authserv_id=authserv
        )
        assert not verdict.trusted and verdict.missing


def test_a_missing_or_unreadable_verdict_is_missing_evidence_not_a_forgery() -> None:
    for raw in (_mail("vertrag@1159finance.com"), _mail("vertrag@1159finance.com", "mx.praxis.test; ;;dkim")):
        verdict = sender_verdict(
            parse(raw), expected_domain=AGENCY, allowed_addresses=None, authserv_id="mx.praxis.test"
        )
        assert not verdict.trusted and verdict.missing, verdict.reason
    failed = _mail("vertrag@1159finance.com", "mx.praxis.test; dmarc=fail header.from=1159finance.com")
    verdict = sender_verdict(
        parse(failed), expected_domain=AGENCY, allowed_addresses=None, authserv_id="mx.praxis.test"
    )
    assert not verdict.trusted and not verdict.missing


def test_an_unreadable_header_of_the_own_server_is_not_skipped_for_a_readable_one_below() -> None:
    raw = _mail(
        "vertrag@1159finance.com",
        "mx.praxis.test; ;;dkim",
        "mx.praxis.test; dmarc=pass header.from=1159finance.com",
    )
    assert not _agency(raw)[0]


def test_staff_must_be_a_registered_address_under_the_same_checks() -> None:
    staff = frozenset({"anna@example.test"})

    def verdict(raw: bytes) -> bool:
        return sender_verdict(
            parse(raw),
            expected_domain=None,
            allowed_addresses=staff,
            authserv_id="mx.praxis.test",
        ).trusted

    assert verdict(_mail("Anna@Example.test", "mx.praxis.test; dkim=pass header.d=example.test"))
    assert not verdict(_mail("bob@example.test", "mx.praxis.test; dkim=pass header.d=example.test"))
    assert not verdict(_mail("anna@example.test", "mx.praxis.test; dkim=pass header.d=evil.test"))
    assert not verdict(_mail("anna@example.test"))


def test_alignment_is_relaxed_but_never_a_bare_top_level_domain() -> None:
    assert aligned("1159finance.com", "1159finance.com")
    assert aligned("bounce@mail.1159finance.com", "1159finance.com")
    assert not aligned("com", "1159finance.com")
    assert not aligned("finance.com", "1159finance.com")
    assert not aligned(None, "1159finance.com")
