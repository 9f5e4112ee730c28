"""Importing bank statements: every credit kept once, payments matched, payouts recognised."""

from __future__ import annotations

import threading
from decimal import Decimal
from pathlib import Path

from sqlmodel import select

from core.bootstrap import App
from core.db.models import AuditEvent, BankTransaction, Invoice, Payment, PaymentSuggestion
from core.domain.claims import InvoiceStatus
from core.services.payments_in.bank_formats import read_statement
from core.services.payments_in.bank_import import BankImportResult, import_statement
from core.services.people.access import OPERATOR
from tests.factories import add_invoice, add_patient

CORPUS = Path(__file__).parents[2] / "bank_corpus"


def _import(app: App, name: str) -> BankImportResult:
    statement = read_statement((CORPUS / name).read_bytes())
    return import_statement(
        app.uow(), practice_id=app.practice_id, actor=OPERATOR, statement=statement, file_name=name
    )


def _december(app: App) -> None:
    erika = add_patient(app, first_name="Erika", last_name="Mustermann")
    hans = add_patient(app, first_name="Hans", last_name="Meier", street="Ring 1")
    max_ = add_patient(app, first_name="Max", last_name="Mustermann", street="Weg 2")
    add_invoice(app, number="R-2026-0042", amount="50,00", patient=erika)
    add_invoice(app, number="R-2026-0043", amount="150,00", paid="30,00", patient=hans)
    add_invoice(app, number="R-2026-0044", amount="80,00", patient=hans)
    add_invoice(app, number="R-2026-0045", amount="70,00", patient=erika)
    add_invoice(app, number="R-2026-0046", amount="80,00", patient=max_)
    add_invoice(app, number="R-2026-0047", amount="80,00", paid="80,00", patient=max_)  # paid: not open
    with app.uow() as uow:
        invoice = uow.session.exec(select(Invoice).where(Invoice.number == "R-2026-0042")).one()
        invoice.status = InvoiceStatus.IN_COLLECTION
        uow.commit()


def _rows(app: App) -> list[BankTransaction]:
    with app.uow() as uow:
        return list(
            uow.session.exec(select(BankTransaction).order_by(BankTransaction.booked_on, BankTransaction.id))
        )


def test_a_camt_statement_keeps_credits_matches_payments_and_recognises_the_agencys_payout(app: App) -> None:
    _december(app)
    result = _import(app, "camt053_december_1.xml")
    assert (result.new, result.known, result.payouts, result.debits, result.foreign_currency) == (
        4,
        0,
        1,
        1,
        1,
    )
    assert result.matched == 2
    found = [
        (m.match.number, m.match.amount, m.match.confidence, m.match.in_collection) for m in result.matches
    ]
    assert found == [
        ("R-2026-0042", Decimal("50.00"), "sicher", True),
        ("R-2026-0043", Decimal("120.00"), "sicher", False),
        ("R-2026-0044", Decimal("80.00"), "sicher", False),
    ]
    assert result.matches[0].transaction_key == "ref:DE89370400440532013000:BANKREF-0001#R-2026-0042"
    assert "Erika Mustermann" in result.matches[0].evidence
    rows = _rows(app)
    assert [(r.kind, r.amount, r.currency) for r in rows] == [
        ("payment", Decimal("50.00"), "EUR"),
        ("payment", Decimal("200.00"), "EUR"),
        ("payout", Decimal("1234.56"), "EUR"),
        ("foreign_currency", Decimal("70.00"), "CHF"),
    ]
    assert rows[0].matches[0]["number"] == "R-2026-0042" and rows[0].matches[0]["confidence"] == "sicher"
    assert (
        rows[2].matches == [] and rows[3].matches == []
    )  # a payout and a foreign currency are never matched
    with app.uow() as uow:
        event = uow.session.exec(select(AuditEvent).where(AuditEvent.action == "bank.import")).one()
        assert event.details["new"] == 4


def test_the_same_statement_twice_and_an_overlapping_one_add_only_what_is_new(app: App) -> None:
    _december(app)
    _import(app, "camt053_december_1.xml")
    again = _import(app, "camt053_december_1.xml")
    assert (again.new, again.known, again.matched, again.matches) == (0, 4, 0, [])
    overlap = _import(app, "camt053_december_2_overlap.xml")
    assert (overlap.new, overlap.known) == (1, 1)
    (match,) = overlap.matches  # no number: amount and name (Max Mustermann, 80,00 € open once)
    assert match.match.number == "R-2026-0046" and match.match.confidence == "wahrscheinlich"
    assert len(_rows(app)) == 5


def test_an_mt940_statement_is_kept_once_and_its_split_reference_is_matched(app: App) -> None:
    _december(app)
    result = _import(app, "mt940_december.sta")
    assert (result.new, result.payouts, result.debits) == (2, 1, 1)
    (match,) = result.matches
    assert match.match.number == "R-2026-0042" and match.match.confidence == "sicher"
    assert _import(app, "mt940_december.sta").new == 0
    assert len(_rows(app)) == 2


def test_the_configured_payout_iban_marks_a_payout_whatever_the_name(app: App) -> None:
    app.settings.finance1159_payout_iban = "DE44 5001 0517 5407 3249 31"
    text = (CORPUS / "mt940_december.sta").read_bytes().replace(b"1159 Finance GmbH", b"Treuhandkonto XY")
    result = import_statement(
        app.uow(), practice_id=app.practice_id, actor=OPERATOR, statement=read_statement(text)
    )
    assert result.payouts == 1


def test_two_imports_of_the_same_statement_at_once_keep_each_credit_once(app: App) -> None:
    _december(app)
    statement = read_statement((CORPUS / "camt053_december_1.xml").read_bytes())
    results: list[BankImportResult] = []

    def run() -> None:
        results.append(
            import_statement(app.uow(), practice_id=app.practice_id, actor=OPERATOR, statement=statement)
        )

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted((r.new, r.known) for r in results) == [(0, 4), (4, 0)]
    assert sum(len(r.matches) for r in results) == 3  # each match handed on once
    assert len(_rows(app)) == 4


def test_matched_bank_payments_become_suggestions_once_and_are_booked_where_no_claim_waits(
    app: App,
) -> None:
    _december(app)
    _import(app, "camt053_december_1.xml")
    _import(app, "camt053_december_1.xml")  # the same statement again adds nothing

    with app.uow() as uow:
        made = uow.session.exec(select(PaymentSuggestion).order_by(PaymentSuggestion.id)).all()
        numbers = {
            s.invoice_id: uow.session.get(Invoice, s.invoice_id).number  # type: ignore[union-attr]
            for s in made
        }
        summary = sorted((numbers[s.invoice_id], s.amount, s.source, s.state) for s in made)
        booked = uow.session.exec(select(Payment).where(Payment.origin == "bank")).all()
    # none of them has a claim waiting at the agency: each is booked at once, and only once
    assert summary == [
        ("R-2026-0042", Decimal("50.00"), "bank", "accepted"),
        ("R-2026-0043", Decimal("120.00"), "bank", "accepted"),
        ("R-2026-0044", Decimal("80.00"), "bank", "accepted"),
    ]
    assert sorted(p.amount for p in booked) == [Decimal("50.00"), Decimal("80.00"), Decimal("120.00")]
