"""Every mail of the golden corpus is classified as its `.expected.json` says."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from core.services.accounting.statement_csv import StatementRefused, parse_statement_csv, pdf_text
from mail.message import parse
from mail.rules import Classification, MailRules, classify

CORPUS = Path(__file__).parents[1] / "mail_corpus"
CASES = sorted(CORPUS.glob("*.eml"))
RULES = MailRules(agency_domain="1159finance.com", authserv_id="mx.praxis.test")
STAFF = frozenset({"anna@example.test", "chef@example.test"})


def test_the_corpus_has_at_least_twenty_mails_each_with_its_expectation() -> None:
    assert len(CASES) >= 20
    for eml in CASES:
        assert eml.with_suffix(".expected.json").exists(), eml.name


def _check_extras(result: Classification, expected: dict[str, object], raw: bytes) -> None:
    mail = parse(raw)
    simple = {
        "signing_link": result.signing_link,
        "client_id": result.client_id,
        "contract_start": result.contract_start.isoformat() if result.contract_start else None,
        "month": result.month,
        "command": result.command,
        "csv_attachment": result.csv_attachment.filename if result.csv_attachment else None,
        "pdf_attachment": result.pdf_attachment.filename if result.pdf_attachment else None,
        "message_id": mail.message_id,
        "html_only": mail.html_only,
    }
    for key, value in simple.items():
        if key in expected:
            assert value == expected[key], key
    if "detail_contains" in expected:
        assert str(expected["detail_contains"]) in result.detail
    if "text_contains" in expected:
        assert str(expected["text_contains"]) in mail.text
    if "defects_include" in expected:
        assert expected["defects_include"] in mail.defects
    if "csv_rows" in expected:
        assert result.csv_attachment is not None
        assert len(parse_statement_csv(result.csv_attachment.payload).rows) == expected["csv_rows"]
    if expected.get("csv_error"):
        assert result.csv_attachment is not None
        with pytest.raises(StatementRefused):
            parse_statement_csv(result.csv_attachment.payload)
    if "pdf_text_contains" in expected:
        assert result.pdf_attachment is not None
        assert str(expected["pdf_text_contains"]) in (pdf_text(result.pdf_attachment.payload) or "")


@pytest.mark.parametrize("eml", CASES, ids=[p.stem for p in CASES])
def test_corpus_mail_is_classified_as_expected(eml: Path) -> None:
    raw = eml.read_bytes()
    expected = json.loads(eml.with_suffix(".expected.json").read_text(encoding="utf-8"))
    result = classify(parse(raw), RULES, staff_addresses=STAFF)
    assert (result.kind, result.trusted, result.reason) == (
        expected["kind"],
        expected["trusted"],
        expected["reason"],
    ), result.detail
    _check_extras(result, expected, raw)


@pytest.mark.parametrize("eml", CASES, ids=[p.stem for p in CASES])
def test_forged_and_unknown_mails_never_come_back_trusted(eml: Path) -> None:
    result = classify(parse(eml.read_bytes()), RULES, staff_addresses=STAFF)
    if result.reason in {"forged", "unknown_sender", "other"}:
        assert result.kind == "ignored" and not result.trusted


@pytest.mark.parametrize("eml", CASES, ids=[p.stem for p in CASES])
def test_without_a_configured_authserv_id_no_corpus_mail_is_trusted(eml: Path) -> None:
    """The same mails with MAIL_AUTHSERV_ID left empty: recognised as before, never trusted."""
    blind = MailRules(agency_domain="1159finance.com", authserv_id=None)
    expected = json.loads(eml.with_suffix(".expected.json").read_text(encoding="utf-8"))
    result = classify(parse(eml.read_bytes()), blind, staff_addresses=STAFF)
    assert not result.trusted
    if expected["reason"] != "forged":  # a forgery by evidence is now only unverified, still untrusted
        assert (result.kind, result.reason) == (expected["kind"], expected["reason"])
