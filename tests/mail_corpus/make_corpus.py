"""Writes the golden mail corpus (run from the repo root: python -m tests.mail_corpus.make_corpus).

The .eml files are the fixtures; this script only documents how each was made. Each
`<name>.eml` has `<name>.expected.json` beside it, checked by tests/unit/test_mail_corpus.py
with the settings named in that test (agency domain 1159finance.com, authserv-id mx.praxis.test,
staff anna@example.test and chef@example.test).
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path

from fpdf import FPDF

HERE = Path(__file__).parent
DATE = "Fri, 06 Nov 2026 09:15:00 +0100"
AR_PASS = (
    "Authentication-Results: mx.praxis.test;\r\n"
    " dkim=pass header.d={d} header.s=sel1 header.b=AbCdEf12;\r\n"
    " spf=pass (sender SPF authorized) smtp.mailfrom=bounce@{d};\r\n"
    " dmarc=pass (p=reject dis=none) header.from={d}\r\n"
)
AR_FAIL = (
    "Authentication-Results: mx.praxis.test;\r\n"
    " dkim=fail (signature did not verify) header.d={d};\r\n"
    " spf=fail smtp.mailfrom={d};\r\n"
    " dmarc=fail (p=reject) header.from={d}\r\n"
)
AR_NONE = (
    "Authentication-Results: mx.praxis.test; dkim=none; spf=softfail smtp.mailfrom=evil.test; dmarc=none\r\n"
)
RECEIVED = (
    "Received: from mail.sender.test (mail.sender.test [192.0.2.10]) by mx.praxis.test; " + DATE + "\r\n"
)

CONTRACT_TEXT = """Sehr geehrte Damen und Herren,

vielen Dank für Ihr Interesse. Bitte unterzeichnen Sie Ihren Inkasso-Vertrag hier:
https://partner.1159finance.com/vertrag/Zk3x9QpL2m

Kundennummer: P-10442

Mit freundlichen Grüßen
1159 Finance GmbH, Leverkusen
"""
ACTIVATION_TEXT = """Sehr geehrte Damen und Herren,

wir haben Ihren Vertrag gegengezeichnet. Ihre Inkasso-Schnittstelle ist ab sofort aktiv.

Kundennummer: P-10442
Vertragsbeginn: 01.12.2026

Mit freundlichen Grüßen
1159 Finance GmbH
"""
STATEMENT_CSV = (
    "\ufeffFall-Nr;Rechnungsnummer;Buchungsdatum;Buchungsart;Betrag\r\n"
    "17;R-2025-0042;03.10.2026;Zahlung Schuldner;120,00\r\n"
    "17;R-2025-0042;01.10.2026;Inkassokosten;44,10\r\n"
    "21;R-2025-0077;15.10.2026;Fallgebühr;2,50\r\n"
).encode()


def statement_pdf() -> bytes:
    pdf = FPDF()
    pdf.set_creation_date(datetime(2026, 11, 6, 9, 0, tzinfo=UTC))
    pdf.add_page()
    pdf.set_font("helvetica", size=12)
    pdf.cell(text="Monatsabrechnung 10/2026")
    pdf.ln()
    pdf.cell(text="Summe Zahlungen Schuldner: 120,00 EUR")
    return bytes(pdf.output())


def mail(
    frm: str,
    subject: str,
    text: str | None,
    *,
    to: str = "praxis@example.test",
    msgid: str | None = "auto",
    html: str | None = None,
) -> EmailMessage:
    m = EmailMessage()
    m["From"] = frm
    m["To"] = to
    m["Subject"] = subject
    m["Date"] = DATE
    if msgid:
        m["Message-ID"] = (
            msgid
            if msgid != "auto"
            else f"<{hashlib.sha256((subject + frm).encode()).hexdigest()[:16]}@mail.test>"
        )
    if text is not None:
        m.set_content(text)
        if html:
            m.add_alternative(html, subtype="html")
    elif html:
        m.set_content(html, subtype="html")
    return m


def write(
    name: str, raw: bytes | EmailMessage, expected: dict[str, object], *, trace: str = "", forged: str = ""
) -> None:
    """`trace`: headers the receiving server prepends; `forged`: headers the sender wrote itself."""
    if isinstance(raw, EmailMessage):
        # fixed boundaries so that regenerating the corpus changes nothing
        for index, part in enumerate(p for p in raw.walk() if p.is_multipart()):
            part.set_boundary(f"==corpus-{name}-{index}==")
    body = raw.as_bytes(policy=raw.policy.clone(linesep="\r\n")) if isinstance(raw, EmailMessage) else raw
    (HERE / f"{name}.eml").write_bytes((trace + RECEIVED + forged).encode() + body)
    (HERE / f"{name}.expected.json").write_text(json.dumps(expected, indent=2, ensure_ascii=False) + "\n")


STATEMENT_TEXT = "Anbei Ihre Monatsabrechnung.\n\nMit freundlichen Grüßen\n1159 Finance GmbH\n"


def agency_statement(
    month: str = "10/2026", csv: bytes = STATEMENT_CSV, text: str = STATEMENT_TEXT, msgid: str = "auto"
) -> EmailMessage:
    m = mail(
        "1159 Finance Abrechnung <abrechnung@1159finance.com>",
        f"1159 Finance: Monatsabrechnung {month}",
        text,
        msgid=msgid,
    )
    m.add_attachment(
        statement_pdf(), maintype="application", subtype="pdf", filename="Monatsabrechnung_2026-10.pdf"
    )
    m.add_attachment(csv, maintype="text", subtype="csv", filename="Monatsabrechnung_2026-10.csv")
    return m


def main() -> None:
    d = "1159finance.com"
    contract = mail(
        "1159 Finance Vertrag <vertrag@1159finance.com>",
        "1159 Finance: Ihr Inkasso-Vertrag zur Unterschrift",
        CONTRACT_TEXT,
        html="<p>Bitte unterzeichnen Sie <a href='https://partner.1159finance.com/vertrag/Zk3x9QpL2m'>"
        "hier</a>.</p><p>Kundennummer: P-10442</p>",
    )
    write(
        "agency_contract_genuine",
        contract,
        {
            "kind": "agency_contract",
            "trusted": True,
            "reason": "contract",
            "detail_contains": "dmarc=pass",
            "signing_link": "https://partner.1159finance.com/vertrag/Zk3x9QpL2m",
            "client_id": "P-10442",
        },
        trace=AR_PASS.format(d=d),
    )

    sandbox = mail(
        "vertrag@1159finance.com",
        "1159 Finance: Ihr Inkasso-Vertrag zur Unterschrift",
        "Bitte unterzeichnen Sie Ihren Vertrag hier:\nhttp://127.0.0.1:8159/_sandbox/sign/tok-42_Ab\n\n"
        "Ihre Client-ID: demo-praxis\n",
    )
    write(
        "agency_contract_sandbox_dkim_only",
        sandbox,
        {
            "kind": "agency_contract",
            "trusted": True,
            "reason": "contract",
            "detail_contains": "dkim=pass",
            "signing_link": "http://127.0.0.1:8159/_sandbox/sign/tok-42_Ab",
            "client_id": "demo-praxis",
        },
        trace=f"Authentication-Results: mx.praxis.test; dkim=pass header.d={d}; spf=none\r\n",
    )

    html_contract = mail(
        "vertrag@1159finance.com",
        "1159 Finance: Ihr Inkasso-Vertrag zur Unterschrift",
        None,
        html='<html><body><p>Bitte <a href="https://partner.1159finance.com/vertrag/HtmlOnly7">'
        "unterzeichnen Sie hier</a>.</p><p>Kundennummer:&nbsp;P-10442</p></body></html>",
    )
    write(
        "agency_contract_html_only",
        html_contract,
        {
            "kind": "agency_contract",
            "trusted": True,
            "reason": "contract",
            "html_only": True,
            "signing_link": "https://partner.1159finance.com/vertrag/HtmlOnly7",
            "client_id": "P-10442",
        },
        trace=AR_PASS.format(d=d),
    )

    activation = mail(
        "vertrag@1159finance.com", "1159 Finance: Ihre Inkasso-Schnittstelle ist aktiv", ACTIVATION_TEXT
    )
    write(
        "agency_activation_genuine",
        activation,
        {
            "kind": "agency_activation",
            "trusted": True,
            "reason": "activation",
            "contract_start": "2026-12-01",
            "client_id": "P-10442",
        },
        trace=AR_PASS.format(d=d),
    )

    write(
        "agency_statement_genuine",
        agency_statement(),
        {
            "kind": "agency_statement",
            "trusted": True,
            "reason": "statement",
            "month": "2026-10",
            "csv_attachment": "Monatsabrechnung_2026-10.csv",
            "pdf_attachment": "Monatsabrechnung_2026-10.pdf",
            "csv_rows": 3,
            "pdf_text_contains": "Monatsabrechnung 10/2026",
        },
        trace=AR_PASS.format(d=d),
    )

    write(
        "agency_statement_unreadable_csv",
        agency_statement(csv=b"\x89PNG\r\n\x1a\n\x00\x00garbage"),
        {
            "kind": "agency_statement",
            "trusted": True,
            "reason": "statement",
            "month": "2026-10",
            "csv_attachment": "Monatsabrechnung_2026-10.csv",
            "csv_error": True,
        },
        trace=AR_PASS.format(d=d),
    )

    write(
        "agency_statement_other_practice",
        agency_statement(
            text="Anbei Ihre Monatsabrechnung.\n\nKundennummer: P-99999\n\n1159 Finance GmbH\n",
            msgid="<abrechnung-p99999-2026-10@1159finance.com>",
        ),
        {
            "kind": "agency_statement",
            "trusted": True,
            "reason": "statement",
            "month": "2026-10",
            "client_id": "P-99999",
            "csv_attachment": "Monatsabrechnung_2026-10.csv",
            "csv_rows": 3,
            "refused": True,  # another practice's: the intake keeps nothing and leaves it in place
        },
        trace=AR_PASS.format(d=d),
    )

    statement = agency_statement()
    statement.set_boundary("==the-real-boundary==")
    broken = statement.as_bytes(policy=statement.policy.clone(linesep="\r\n"))
    broken = broken.replace(b'boundary="==the-real-boundary=="', b'boundary="not-the-one-used"')
    write(
        "agency_statement_broken_boundary",
        broken,
        {
            "kind": "agency_statement",
            "trusted": True,
            "reason": "statement",
            "month": "2026-10",
            "csv_attachment": None,
            "pdf_attachment": None,
            "defects_include": "StartBoundaryNotFoundDefect",
        },
        trace=AR_PASS.format(d=d),
    )

    newsletter = mail(
        "1159 Finance Newsletter <news@1159finance.com>",
        "Neues aus dem Inkasso – November 2026",
        "Unsere Themen diesen Monat ...\n",
    )
    newsletter["List-Unsubscribe"] = "<https://1159finance.com/abmelden>"
    write(
        "agency_newsletter",
        newsletter,
        {"kind": "ignored", "trusted": True, "reason": "agency_other"},
        trace=AR_PASS.format(d=d),
    )

    # --- forged agency mails ---
    write(
        "forged_agency_dkim_fail",
        mail(
            "vertrag@1159finance.com",
            "1159 Finance: Ihr Inkasso-Vertrag zur Unterschrift",
            CONTRACT_TEXT.replace("partner.1159finance.com", "1159finance.com.evil.test"),
        ),
        {"kind": "ignored", "trusted": False, "reason": "forged", "detail_contains": "dmarc=fail"},
        trace=AR_FAIL.format(d=d),
    )

    write(
        "forged_lookalike_suffix_domain",
        mail(
            "vertrag@1159finance.com.evil.test",
            "1159 Finance: Ihre Inkasso-Schnittstelle ist aktiv",
            ACTIVATION_TEXT,
        ),
        {"kind": "ignored", "trusted": False, "reason": "forged", "detail_contains": "not 1159finance.com"},
        trace=AR_PASS.format(d="1159finance.com.evil.test"),
    )

    write(
        "forged_lookalike_hyphen_domain",
        _replace_from(agency_statement(), "abrechnung@1159-finance.com"),
        {"kind": "ignored", "trusted": False, "reason": "forged"},
        trace=AR_PASS.format(d="1159-finance.com"),
    )

    write(
        "forged_ar_header_below_real_one",
        mail("vertrag@1159finance.com", "1159 Finance: Ihr Inkasso-Vertrag zur Unterschrift", CONTRACT_TEXT),
        {"kind": "ignored", "trusted": False, "reason": "forged", "detail_contains": "no aligned"},
        trace=AR_NONE,
        forged=AR_PASS.format(d=d).replace("mx.praxis.test", "mx.evil.test"),
    )

    write(
        "forged_ar_same_authserv_below_real_one",
        mail("vertrag@1159finance.com", "1159 Finance: Ihr Inkasso-Vertrag zur Unterschrift", CONTRACT_TEXT),
        {"kind": "ignored", "trusted": False, "reason": "forged"},
        trace=AR_NONE,
        forged=AR_PASS.format(d=d),
    )

    write(
        "forged_display_name",
        mail(
            '"1159 Finance" <x@evil.test>',
            "1159 Finance: Ihr Inkasso-Vertrag zur Unterschrift",
            CONTRACT_TEXT,
        ),
        {"kind": "ignored", "trusted": False, "reason": "forged"},
        trace=AR_PASS.format(d="evil.test"),
    )

    write(
        "forged_two_from_addresses",
        mail(
            "vertrag@1159finance.com, x@evil.test",
            "1159 Finance: Ihre Inkasso-Schnittstelle ist aktiv",
            ACTIVATION_TEXT,
        ),
        {"kind": "ignored", "trusted": False, "reason": "forged", "detail_contains": "multiple"},
        trace=AR_PASS.format(d=d),
    )

    encoded_word = (
        "From: =?utf-8?q?=3Cvertrag@1159finance.com=3E?= <x@evil.test>\r\nTo: praxis@example.test\r\n"
        f"Subject: 1159 Finance: Ihre Inkasso-Schnittstelle ist aktiv\r\nDate: {DATE}\r\n"
        "Message-ID: <encword@evil.test>\r\n\r\n" + ACTIVATION_TEXT.replace("\n", "\r\n")
    ).encode("latin-1")
    write(
        "forged_encoded_word_address",
        encoded_word,
        {"kind": "ignored", "trusted": False, "reason": "forged", "defects_include": "UnparsableFrom"},
        trace=AR_PASS.format(d="evil.test"),
    )

    renamed = agency_statement()
    renamed.replace_header("Subject", "Ihre Unterlagen")
    write(
        "agency_statement_recognised_by_attachment",
        renamed,
        {
            "kind": "agency_statement",
            "trusted": True,
            "reason": "statement",
            "month": "2026-10",
            "csv_attachment": "Monatsabrechnung_2026-10.csv",
            "csv_rows": 3,
        },
        trace=AR_PASS.format(d=d),
    )

    # --- staff commands ---
    staff_ar = AR_PASS.format(d="example.test")
    write(
        "staff_payment_subject",
        mail("Anna Empfang <anna@example.test>", "Zahlung 1234 50,00", "Hat heute bar bezahlt.\n\nAnna\n"),
        {"kind": "staff_command", "trusted": True, "reason": "command", "command": "Zahlung 1234 50,00"},
        trace=staff_ar,
    )
    write(
        "staff_command_in_body",
        mail("chef@example.test", "Anfrage", "Status 1234\n\nDanke\n"),
        {"kind": "staff_command", "trusted": True, "reason": "command", "command": "Status 1234"},
        trace=staff_ar,
    )
    reply = mail(
        "chef@example.test",
        "Re: Forderung 1234",
        "Bestätigen 1234 ABC123\n\nAm 06.11.2026 schrieb Praxis:\n> Übersicht ...\n> Code: ABC123\n",
    )
    reply["In-Reply-To"] = "<reply-1@praxis.test>"
    write(
        "staff_reply_with_confirmation",
        reply,
        {"kind": "staff_command", "trusted": True, "reason": "command", "command": "Bestätigen 1234 ABC123"},
        trace=staff_ar,
    )
    write(
        "staff_re_prefixes",
        mail("anna@example.test", "AW: Re: WG: Status 1234", "\n> alter Text\n"),
        {"kind": "staff_command", "trusted": True, "reason": "command", "command": "Status 1234"},
        trace=staff_ar,
    )
    write(
        "staff_zero_width_chars",
        mail("anna@example.test", "\u200bFor\u200bderung\u00a01234\u200f", "\u202eBitte anlegen\n"),
        {"kind": "staff_command", "trusted": True, "reason": "command", "command": "Forderung 1234"},
        trace=staff_ar,
    )
    html_cmd = mail("anna@example.test", "Anfrage", None, html="<div><b>Status</b> 1234</div><div>Gruß</div>")
    write(
        "staff_html_only",
        html_cmd,
        {
            "kind": "staff_command",
            "trusted": True,
            "reason": "command",
            "command": "Status 1234",
            "html_only": True,
        },
        trace=staff_ar,
    )
    write(
        "staff_unknown_sender",
        mail("mallory@example.test", "Zahlung 1234 5000,00", "bitte buchen\n"),
        {"kind": "ignored", "trusted": False, "reason": "unknown_sender"},
        trace=staff_ar,
    )
    write(
        "staff_forged_dmarc_fail",
        mail("anna@example.test", "Forderung 1234", "\n"),
        {"kind": "ignored", "trusted": False, "reason": "forged", "detail_contains": "dmarc=fail"},
        trace=AR_FAIL.format(d="example.test"),
    )
    write(
        "staff_no_command",
        mail("anna@example.test", "Urlaubsplanung", "Wer hat im Dezember frei?\n"),
        {"kind": "ignored", "trusted": True, "reason": "no_command"},
        trace=staff_ar,
    )
    auto = mail(
        "anna@example.test", "Automatische Antwort: Re: Status 1234", "Ich bin bis Montag abwesend.\n"
    )
    auto["Auto-Submitted"] = "auto-replied"
    write(
        "staff_out_of_office",
        auto,
        {"kind": "ignored", "trusted": True, "reason": "auto_submitted"},
        trace=staff_ar,
    )
    write(
        "staff_missing_message_id",
        mail("anna@example.test", "Status 1234", "\n", msgid=None),
        {
            "kind": "staff_command",
            "trusted": True,
            "reason": "command",
            "command": "Status 1234",
            "message_id": None,
            "defects_include": "MissingMessageId",
        },
        trace=staff_ar,
    )
    latin = (
        "From: anna@example.test\r\nTo: praxis@example.test\r\nSubject: =?utf-8?q?Zahlung_1234_50,00?=\r\n"
        f"Date: {DATE}\r\nMessage-ID: <latin1@example.test>\r\nMIME-Version: 1.0\r\n"
        "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
        "Frau M\u00fcller hat bar gezahlt.\r\nGr\u00fc\u00dfe, Anna\r\n"
    ).encode("latin-1")
    write(
        "staff_wrong_charset",
        latin,
        {
            "kind": "staff_command",
            "trusted": True,
            "reason": "command",
            "command": "Zahlung 1234 50,00",
            "text_contains": "Frau Müller",
            "defects_include": "WrongCharset",
        },
        trace=staff_ar,
    )
    unknown_cs = (
        "From: chef@example.test\r\nTo: praxis@example.test\r\nSubject: =?x-unknown?q?Status_1234?=\r\n"
        f"Date: {DATE}\r\nMessage-ID: <unknowncs@example.test>\r\nMIME-Version: 1.0\r\n"
        "Content-Type: text/plain; charset=x-unknown-8\r\n\r\nStatus 1234\r\n"
    ).encode()
    write(
        "staff_unknown_charset",
        unknown_cs,
        {"kind": "staff_command", "trusted": True, "reason": "command", "command": "Status 1234"},
        trace=staff_ar,
    )

    raw_utf8 = (
        "From: Anna M\u00fcller <anna@example.test>\r\nTo: praxis@example.test\r\n"
        "Subject: Zahlung 1234 50,00 \u2013 Frau M\u00fcller\r\n"
        f"Date: {DATE}\r\nMessage-ID: <utf8hdr@example.test>\r\nMIME-Version: 1.0\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n\r\nbar bezahlt\r\n"
    ).encode()
    write(
        "staff_raw_utf8_headers",
        raw_utf8,
        {
            "kind": "staff_command",
            "trusted": True,
            "reason": "command",
            "command": "Zahlung 1234 50,00 \u2013 Frau M\u00fcller",
        },
        trace=staff_ar,
    )

    # --- everything else ---
    write(
        "private_mail",
        mail("Tante Erna <erna@familie.test>", "Kaffee am Sonntag?", "Kommst du?\n"),
        {"kind": "ignored", "trusted": False, "reason": "other"},
    )
    write(
        "third_party_newsletter",
        mail("Praxisbedarf <news@shop.test>", "Angebote der Woche", "Handschuhe -20 %\n"),
        {"kind": "ignored", "trusted": False, "reason": "other"},
    )
    garbage = (
        b"From: \r\nSubject: =?utf-8?b?!!!?=\r\nContent-Type: multipart/mixed\r\n\r\n--\r\n\x00\xff\xfe\r\n"
    )
    write(
        "malformed_headers_no_sender",
        garbage,
        {"kind": "ignored", "trusted": False, "reason": "other", "message_id": None},
    )


def _replace_from(message: EmailMessage, new_from: str) -> EmailMessage:
    message.replace_header("From", new_from)
    return message


if __name__ == "__main__":
    main()
