"""Parsing a raw mail is a pure function of its bytes and never raises."""

from __future__ import annotations

import time
from email.message import EmailMessage

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mail.auth_results import parse_auth_results
from mail.html_text import html_to_text
from mail.message import parse


def _raw(**headers: str) -> bytes:
    m = EmailMessage()
    for key, value in headers.items():
        m[key.replace("_", "-")] = value
    m.set_content("Hallo\n")
    return m.as_bytes()


def test_the_sender_is_lowercased_and_split_into_address_and_domain() -> None:
    mail = parse(_raw(From='"Anna" <Anna@Example.TEST>', Subject="x", Message_ID="<a@b>"))
    assert (mail.from_addr, mail.from_domain, mail.from_name) == ("anna@example.test", "example.test", "Anna")


def test_encoded_subjects_are_decoded() -> None:
    mail = parse(
        b"From: a@b.test\r\nSubject: =?utf-8?q?Gr=C3=BC=C3=9Fe?= aus =?iso-8859-1?q?K=F6ln?=\r\n\r\nx"
    )
    assert mail.subject == "Grüße aus Köln"


def test_a_subject_in_an_unknown_charset_does_not_raise() -> None:
    mail = parse(b"From: a@b.test\r\nSubject: =?x-nope?q?Status_1234?=\r\n\r\nx")
    assert "Status" in mail.subject


def test_several_from_addresses_leave_no_single_sender() -> None:
    mail = parse(b"From: a@b.test, c@d.test\r\nSubject: x\r\n\r\nx")
    assert mail.from_addr is None and mail.from_addresses == ("a@b.test", "c@d.test")


def test_two_from_headers_are_a_defect_and_leave_no_single_sender() -> None:
    mail = parse(b"From: a@b.test\r\nFrom: c@d.test\r\nSubject: x\r\n\r\nx")
    assert mail.from_addr is None and "MultipleFromHeaders" in mail.defects


def test_a_mail_without_message_id_gets_a_stable_hash_identity() -> None:
    raw = b"From: a@b.test\r\nSubject: x\r\n\r\nbody"
    first, again = parse(raw), parse(raw)
    assert first.message_id is None and first.identity.startswith("sha256:")
    assert first.identity == again.identity
    assert parse(raw + b"!").identity != first.identity


def test_a_mail_without_message_id_delivered_twice_keeps_one_identity() -> None:
    raw = b"From: a@b.test\r\nSubject: x\r\n\r\nbody"
    first = (
        b"Received: from a by mx;\r\n\tFri, 6 Nov 2026 10:00:00 +0100\r\nAuthentication-Results: mx; none\r\n"
    )
    again = b"Received: from b by mx; Fri, 6 Nov 2026 10:05:00 +0100\r\nX-Spam-Status: No\r\n"
    assert parse(first + raw).identity == parse(again + raw).identity == parse(raw).identity
    assert parse(first + raw).sha256 != parse(again + raw).sha256
    # trace fields below the sender's own headers are content, not delivery
    assert parse(raw.replace(b"\r\n\r\n", b"\r\nReceived: x\r\n\r\n")).identity != parse(raw).identity


def test_the_same_mail_delivered_twice_has_one_identity() -> None:
    raw = _raw(From="a@b.test", Subject="x", Message_ID="<same@b.test>")
    redelivered = b"Received: from relay2 by mx; Fri, 6 Nov 2026 10:00:00 +0100\r\n" + raw
    assert parse(raw).identity == parse(redelivered).identity == "<same@b.test>"


def test_html_only_mail_is_read_as_text_with_link_targets_kept() -> None:
    html = "<html><head><style>p{}</style></head><body><p>Hallo&nbsp;Welt</p><a href='https://x.test/v/1'>hier</a></body></html>"
    assert html_to_text(html) == "Hallo Welt\nhier (https://x.test/v/1)"


def test_attachments_are_kept_with_name_type_and_bytes() -> None:
    m = EmailMessage()
    m["From"] = "a@b.test"
    m.set_content("siehe Anhang")
    m.add_attachment(b"a;b\r\n", maintype="text", subtype="csv", filename="Monatsabrechnung_2026-10.csv")
    mail = parse(m.as_bytes())
    assert mail.attachments == (("Monatsabrechnung_2026-10.csv", "text/csv", b"a;b\r\n"),)
    assert mail.text.strip() == "siehe Anhang"


def test_a_20_mb_attachment_is_parsed_in_reasonable_time() -> None:
    m = EmailMessage()
    m["From"] = "a@b.test"
    m.set_content("groß")
    m.add_attachment(b"\x00" * 20_000_000, maintype="application", subtype="octet-stream", filename="big.bin")
    raw = m.as_bytes()
    started = time.monotonic()
    mail = parse(raw)
    assert time.monotonic() - started < 20
    assert mail.size == len(raw) > 20_000_000
    assert len(mail.attachments[0].payload) == 20_000_000


def test_authentication_results_are_parsed_with_comments_and_properties_dropped_or_kept() -> None:
    header = (
        "mx.praxis.test 1; dkim=pass (good sig) header.d=1159Finance.com header.s=s1;"
        ' spf=pass smtp.mailfrom="bounce@1159finance.com"; dmarc=fail (p=reject) header.from=1159finance.com'
    )
    ar = parse_auth_results(header)
    assert ar.authserv_id == "mx.praxis.test"
    assert [(r.method, r.result) for r in ar.results] == [
        ("dkim", "pass"),
        ("spf", "pass"),
        ("dmarc", "fail"),
    ]
    assert ar.of("dkim")[0].prop("header.d") == "1159finance.com"
    assert ar.of("spf")[0].prop("smtp.mailfrom") == "bounce@1159finance.com"


def test_authentication_results_saying_none_have_no_results() -> None:
    assert parse_auth_results("mx.praxis.test; none").results == ()


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"\x00\xff\xfe",
        b"From:\r\n\r\n",
        b"Content-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\n"
        b"Content-Type: text/plain; charset=nope\r\n\r\n\xff",
        b"Content-Transfer-Encoding: base64\r\n\r\n!!!not base64",
        b"Date: gestern\r\nMessage-ID: \r\n\r\n",
    ],
)
def test_broken_input_never_raises(raw: bytes) -> None:
    mail = parse(raw)
    assert mail.size == len(raw)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=2000))
def test_arbitrary_bytes_never_raise(raw: bytes) -> None:
    parse(b"From: a@b.test\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n" + raw)
    parse(raw)


def test_an_encoded_word_never_becomes_a_sender_address() -> None:
    mail = parse(b"From: =?utf-8?q?=3Cvertrag@1159finance.com=3E?= <x@evil.test>\r\n\r\nx")
    assert mail.from_addr is None and "UnparsableFrom" in mail.defects
    assert "vertrag@1159finance.com" not in mail.from_addresses


@pytest.mark.parametrize(
    "sender", ["vertrag@1159finance.com@evil.test", "root@localhost", "ann\x00a@example.test", "x@[1.2.3.4]"]
)
def test_malformed_addresses_leave_no_sender(sender: str) -> None:
    assert parse(f"From: {sender}\r\n\r\nx".encode("latin-1")).from_addr is None


def test_raw_utf8_and_latin1_headers_are_decoded() -> None:
    utf8 = parse("From: Jörg <j@example.test>\r\nSubject: Grüße\r\n\r\nx".encode())
    latin = parse("From: Jörg <j@example.test>\r\nSubject: Grüße\r\n\r\nx".encode("latin-1"))
    assert (utf8.from_name, utf8.subject) == (latin.from_name, latin.subject) == ("Jörg", "Grüße")


def test_nul_characters_never_reach_the_text() -> None:
    mail = parse(
        b"From: a@b.test\r\nSubject: =?utf-8?q?a=00b?=\r\n"
        b"Content-Type: text/plain; charset=x\x00y\r\n\r\nc\x00d"
    )
    assert (mail.subject, mail.text) == ("ab", "cd")
