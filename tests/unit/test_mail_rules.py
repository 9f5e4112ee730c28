"""How mails are recognised, beyond the golden corpus: limits, settings and command text."""

from __future__ import annotations

from email.message import EmailMessage

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.config import Settings
from mail.message import parse
from mail.rules import MailRules, classify, clean_command_text

RULES = MailRules(agency_domain="1159finance.com", authserv_id="mx.praxis.test")
STAFF = frozenset({"anna@example.test"})
PASS = "Authentication-Results: mx.praxis.test; dmarc=pass header.from={d}\r\n"


def _raw(frm: str, subject: str, text: str = "", *, attachments: tuple[str, ...] = ()) -> bytes:
    m = EmailMessage()
    m["From"] = frm
    m["Subject"] = subject
    m["Message-ID"] = "<r@x.test>"
    m.set_content(text)
    for name in attachments:
        m.add_attachment(b"x", maintype="application", subtype="octet-stream", filename=name)
    domain = frm.rpartition("@")[2].strip(">")
    return PASS.format(d=domain).encode() + m.as_bytes()


def test_rules_are_built_from_the_settings() -> None:
    settings = Settings(
        _env_file=None,
        finance1159_mail_domain="1159Finance.com",
        mail_authserv_id="mx.praxis.test",
        mail_max_bytes=1000,
    )
    rules = MailRules.from_settings(settings)
    assert (rules.agency_domain, rules.authserv_id, rules.max_bytes) == (
        "1159finance.com",
        "mx.praxis.test",
        1000,
    )


def test_an_oversized_mail_is_ignored_whoever_sent_it() -> None:
    raw = _raw("vertrag@1159finance.com", "1159 Finance: Ihre Inkasso-Schnittstelle ist aktiv", "x" * 5000)
    result = classify(
        parse(raw), MailRules(agency_domain="1159finance.com", max_bytes=1000), staff_addresses=STAFF
    )
    assert (result.kind, result.reason) == ("ignored", "too_large")


def test_a_statement_month_is_taken_from_the_attachment_name_if_the_subject_lacks_it() -> None:
    raw = _raw(
        "abrechnung@1159finance.com",
        "1159 Finance: Monatsabrechnung 13/2026",
        attachments=("Monatsabrechnung_2026-09.csv",),
    )
    # subject month 13 is impossible; the attachment name decides, but the subject still says "statement"
    result = classify(parse(raw), RULES, staff_addresses=STAFF)
    assert (result.kind, result.month) == ("agency_statement", "2026-09")
    assert result.csv_attachment is not None and result.pdf_attachment is None


def test_a_contract_mail_without_a_link_is_recognised_without_one() -> None:
    raw = _raw("vertrag@1159finance.com", "1159 Finance: Ihr Inkasso-Vertrag zur Unterschrift", "Link folgt.")
    result = classify(parse(raw), RULES, staff_addresses=STAFF)
    assert (result.kind, result.signing_link) == ("agency_contract", None)


def test_an_impossible_contract_start_is_left_out() -> None:
    raw = _raw(
        "vertrag@1159finance.com",
        "1159 Finance: Ihre Inkasso-Schnittstelle ist aktiv",
        "Vertragsbeginn: 31.02.2026",
    )
    result = classify(parse(raw), RULES, staff_addresses=STAFF)
    assert (result.kind, result.contract_start) == ("agency_activation", None)


def test_command_keywords_are_configurable() -> None:
    rules = MailRules(agency_domain="1159finance.com", command_keywords=("storno",))
    raw = _raw("anna@example.test", "Storno 1234")
    assert classify(parse(raw), rules, staff_addresses=STAFF).command == "Storno 1234"
    assert (
        classify(parse(_raw("anna@example.test", "Status 1234")), rules, staff_addresses=STAFF).kind
        == "ignored"
    )


def test_a_telegram_style_slash_command_is_accepted() -> None:
    result = classify(parse(_raw("anna@example.test", "/status 1234")), RULES, staff_addresses=STAFF)
    assert result.command == "status 1234"


def test_a_staff_mail_that_mentions_the_agency_is_still_a_staff_mail() -> None:
    raw = _raw("anna@example.test", "WG: 1159 Finance: Ihr Inkasso-Vertrag zur Unterschrift", "siehe unten")
    assert classify(parse(raw), RULES, staff_addresses=STAFF).reason == "no_command"


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("Re: AW: Fwd: Status 1234", ("Status 1234", True)),
        ("RE[2]: WG: Zahlung 1234 50,00", ("Zahlung 1234 50,00", True)),
        ("\u200bFor\u200cderung\u2060 1234\u200e", ("Forderung 1234", False)),
        ("\u202eStatus\u202c  \t 1234", ("Status 1234", False)),
        ("Besta\u0308tigen 1234 ABC123", ("Bestätigen 1234 ABC123", False)),
        ("Reminder: Status", ("Reminder: Status", False)),
    ],
)
def test_command_text_is_cleaned(line: str, expected: tuple[str, bool]) -> None:
    assert clean_command_text(line) == expected


_HEADER_TEXT = st.text(alphabet=st.characters(codec="latin-1", exclude_characters="\r\n"), max_size=60)


@settings(max_examples=300, deadline=None)
@given(
    frm=_HEADER_TEXT,
    subject=_HEADER_TEXT,
    ctype=st.sampled_from(["text/plain", "text/html", "multipart/mixed", "application/pdf", "x/y"]),
    params=_HEADER_TEXT,
    body=st.binary(max_size=500),
)
def test_classify_never_raises_on_hostile_headers(
    frm: str, subject: str, ctype: str, params: str, body: bytes
) -> None:
    raw = (
        f"From: {frm}\r\nSubject: {subject}\r\nContent-Type: {ctype}; {params}\r\n"
        f"Content-Disposition: attachment; filename*={params}\r\n"
        f"Authentication-Results: {params}\r\n\r\n"
    ).encode("latin-1") + body
    result = classify(parse(raw), RULES, staff_addresses=STAFF)
    assert result.kind in {
        "agency_contract",
        "agency_activation",
        "agency_statement",
        "staff_command",
        "ignored",
    }
