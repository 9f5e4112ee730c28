"""Bank statements read from their bytes: camt.053 (two versions), MT940, and what is refused."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from core.domain.bank import BankFileRefused, transaction_key
from core.services.payments_in.bank_csv import parse_bank_profile
from core.services.payments_in.bank_formats import read_statement

CORPUS = Path(__file__).parents[1] / "bank_corpus"


def _read(name: str):  # type: ignore[no-untyped-def]
    return read_statement((CORPUS / name).read_bytes())


def test_a_camt053_statement_yields_every_entry_with_payer_iban_and_joined_remittance() -> None:
    statement = _read("camt053_december_1.xml")
    assert statement.format == "camt.053"
    first = statement.transactions[0]
    assert first.booked_on == date(2026, 12, 3) and first.value_on == date(2026, 12, 3)
    assert first.amount == Decimal("50.00") and first.currency == "EUR" and first.credit
    assert first.payer == "Erika Mustermann" and first.iban == "DE02120300000000202051"
    assert first.remittance == "Rg. R-2026-00 42 vielen Dank"
    assert first.bank_reference == "BANKREF-0001" and first.account == "DE89370400440532013000"
    assert [t.credit for t in statement.transactions] == [True, True, True, False, True]
    assert statement.transactions[3].payer == "Stadtwerke Musterstadt"
    assert statement.transactions[4].currency == "CHF"


def test_the_same_booking_in_camt_053_001_02_and_001_08_has_the_same_key() -> None:
    old = _read("camt053_december_1.xml").transactions[0]
    new = _read("camt053_december_2_overlap.xml").transactions[0]
    assert new.payer == "Erika Mustermann"  # 001.08 nests the name in <Pty>
    assert transaction_key(old) == transaction_key(new)


def test_an_mt940_statement_joins_a_reference_split_over_two_subfields() -> None:
    statement = _read("mt940_december.sta")
    assert statement.format == "MT940"
    first, debit, payout = statement.transactions
    assert first.remittance == "Rg. R-2026-0042 vielen Dank"
    assert first.payer == "Erika Mustermann" and first.iban == "DE02120300000000202051"
    assert first.amount == Decimal("50.00") and first.credit and first.bank_reference == "MT-0001"
    assert not debit.credit and debit.amount == Decimal("89.90")
    assert payout.payer == "1159 Finance GmbH" and payout.amount == Decimal("1234.56")


def test_without_a_bank_reference_the_key_is_a_fingerprint_that_ignores_spacing() -> None:
    tx = _read("camt053_december_1.xml").transactions[0]
    a = replace(tx, bank_reference="", remittance="Rg. R-2026-0042")
    b = replace(tx, bank_reference="", remittance="Rg.  R-2026-00 42")
    assert transaction_key(a) == transaction_key(b) and transaction_key(a).startswith("fp:")
    assert transaction_key(a) != transaction_key(replace(a, amount=Decimal("50.01")))


@pytest.mark.parametrize(
    ("name", "says"),
    [
        ("foreign_namespace.xml", "Namensraum „urn:iso:std:iso:20022:tech:xsd:pain.001.001.03“"),
        ("mt940_broken_field.sta", "Zeile 5 ein fehlerhaftes Feld :61:"),
        ("no_statement.txt", "kein Kontoauszug"),
    ],
)
def test_a_file_that_is_no_readable_statement_is_refused_in_german(name: str, says: str) -> None:
    with pytest.raises(BankFileRefused) as refused:
        _read(name)
    assert says in refused.value.user_message


def test_xml_with_a_dtd_is_refused_before_it_is_parsed() -> None:
    data = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><x>&a;</x>'
    with pytest.raises(BankFileRefused, match="DTD"):
        read_statement(data)


def test_a_banks_csv_export_is_recognised_by_its_usual_columns_after_the_lines_before_its_header() -> None:
    statement = _read("bank_export_csv_camt.csv")
    assert statement.format == "CSV"
    credit, debit, payout = statement.transactions
    assert (credit.booked_on, credit.amount, credit.credit, credit.payer) == (
        date(2026, 12, 3),
        Decimal("50.00"),
        True,
        "Erika Mustermann",
    )
    assert credit.remittance == "Rechnung R-2026-0042" and credit.iban == "DE02120300000000202051"
    assert (debit.credit, debit.amount) == (False, Decimal("89.90"))
    assert payout.amount == Decimal("1234.56")


def test_a_csv_profile_names_another_banks_columns_and_formats() -> None:
    profile = parse_bank_profile((CORPUS / "other_bank.toml").read_text("utf-8"), name="other_bank.toml")
    statement = read_statement((CORPUS / "other_bank.csv").read_bytes(), csv_profile=profile)
    credit, debit = statement.transactions
    assert (credit.booked_on, credit.amount, credit.currency, credit.remittance) == (
        date(2026, 12, 3),
        Decimal("50.00"),
        "EUR",
        "Rg. R-2026-0042",
    )
    assert (debit.credit, debit.amount) == (False, Decimal("1200.00"))
    with pytest.raises(BankFileRefused) as refused:
        read_statement((CORPUS / "other_bank_bad_date.csv").read_bytes(), csv_profile=profile)
    assert "Zeile 2: Datum oder Betrag nicht lesbar (ISO" in refused.value.user_message


def test_a_csv_profile_with_an_unknown_field_or_format_is_refused_in_german() -> None:
    with pytest.raises(BankFileRefused, match="unbekannte Felder: Kontostand"):
        parse_bank_profile('[spalten]\nKontostand = "Saldo"\n', name="p.toml")
    with pytest.raises(BankFileRefused) as refused:
        parse_bank_profile('[format]\ndatum = "MM/TT/JJJJ"\n', name="p.toml")
    assert "„datum“ = 'MM/TT/JJJJ' geht nicht" in refused.value.user_message


@pytest.mark.parametrize(
    ("kind", "message", "block"),
    [("camt.052", "BkToCstmrAcctRpt", "Rpt"), ("camt.054", "BkToCstmrDbtCdtNtfctn", "Ntfctn")],
)
def test_account_reports_and_notifications_are_read_by_the_same_parser(
    kind: str, message: str, block: str
) -> None:
    text = (CORPUS / "camt053_december_1.xml").read_text("utf-8")
    text = text.replace("camt.053.001.02", f"{kind}.001.02").replace("BkToCstmrStmt", message)
    text = text.replace("<Stmt>", f"<{block}>").replace("</Stmt>", f"</{block}>")
    statement = read_statement(text.encode())
    assert statement.format == kind
    assert [t.bank_reference for t in statement.transactions] == [f"BANKREF-000{i}" for i in range(1, 6)]


def test_a_batch_entry_yields_one_transaction_per_detail_with_its_own_amount_and_reference() -> None:
    data = b"""<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"><BkToCstmrStmt><Stmt>
      <Ntry><Amt Ccy="EUR">70.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><BookgDt><Dt>2026-12-07</Dt></BookgDt>
        <AcctSvcrRef>BATCH-9</AcctSvcrRef><NtryDtls>
        <TxDtls><AmtDtls><TxAmt><Amt Ccy="EUR">30.00</Amt></TxAmt></AmtDtls>
          <RltdPties><Dbtr><Pty><Nm>A</Nm></Pty></Dbtr></RltdPties><RmtInf><Ustrd>R-1</Ustrd></RmtInf></TxDtls>
        <TxDtls><Amt Ccy="EUR">40.00</Amt>
          <RltdPties><Dbtr><Pty><Nm>B</Nm></Pty></Dbtr></RltdPties><RmtInf><Ustrd>R-2</Ustrd></RmtInf></TxDtls>
      </NtryDtls></Ntry></Stmt></BkToCstmrStmt></Document>"""
    first, second = read_statement(data).transactions
    assert (first.amount, first.payer, first.remittance, first.bank_reference) == (
        Decimal("30.00"),
        "A",
        "R-1",
        "BATCH-9/1",
    )
    assert (second.amount, second.payer, second.bank_reference) == (Decimal("40.00"), "B", "BATCH-9/2")


def test_a_booking_moment_with_an_offset_is_read_as_its_berlin_day() -> None:
    data = (CORPUS / "camt053_payouts_november.xml").read_bytes()
    late = data.replace(b"<Dt>2026-11-27</Dt>", b"<DtTm>2026-11-30T23:30:00Z</DtTm>")
    naive = data.replace(b"<Dt>2026-11-27</Dt>", b"<DtTm>2026-11-30T23:30:00</DtTm>")
    assert read_statement(late).transactions[2].booked_on == date(2026, 12, 1)  # 00:30 in Berlin
    assert read_statement(naive).transactions[2].booked_on == date(2026, 11, 30)  # the bank's own time
    broken = data.replace(b"<Dt>2026-11-27</Dt>", b"<DtTm>2026-11-31T10:00:00</DtTm>")
    with pytest.raises(BankFileRefused, match="2026-11-31T10:00:00"):
        read_statement(broken)
