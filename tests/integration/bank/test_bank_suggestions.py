"""What a statement's matches become, all in the import's one transaction: booked at once where no
claim waits (never beyond what is open), suggested once, the chat asked as its privacy allows."""

from __future__ import annotations

import threading
from collections import Counter
from decimal import Decimal

import pytest
from sqlmodel import select

from core.bootstrap import App
from core.db.models import AuditEvent, Claim, Invoice, Notification, OutboxItem, Payment, PaymentSuggestion
from core.domain.chat_privacy import ChatPrivacy
from core.domain.claims import InvoiceStatus
from core.domain.errors import PreconditionFailed
from core.services.payments_in import decisions, suggestions
from core.services.payments_in.bank_formats import read_statement
from core.services.payments_in.bank_import import BankImportResult, import_statement
from core.services.payments_in.suggestion_list import ASK_EACH_UP_TO, NOTE_KIND, SUMMARY_KIND
from core.services.people.access import OPERATOR
from tests.factories import add_invoice, add_patient
from tests.integration.bank.camt_helpers import Entry, camt053
from tests.integration.collection.claims_helpers import STAFF


def _import(app: App, data: bytes) -> BankImportResult:
    return import_statement(
        app.uow(), practice_id=app.practice_id, actor=OPERATOR, statement=read_statement(data)
    )


def _at_agency(app: App, number: str, delivery: str = "submitted") -> None:
    """The invoice handed over: its claim (as the hand-over leaves it) and its status."""
    with app.uow() as uow:
        invoice = uow.session.exec(select(Invoice).where(Invoice.number == number)).one()
        uow.session.add(
            Claim(
                practice_id=app.practice_id,
                invoice_id=invoice.id or 0,
                reference=number,
                delivery=delivery,  # type: ignore[arg-type]
                legal_basis="consent",
                legal_basis_date=invoice.invoice_date,
                principal=invoice.amount,
                outstanding=invoice.amount,
                case_id=invoice.id,
                created_by="cli",
            )
        )
        invoice.status = InvoiceStatus.IN_COLLECTION
        uow.commit()


def _all(app: App, model: type) -> list:  # type: ignore[type-arg]
    with app.uow() as uow:
        return list(uow.session.exec(select(model).order_by(model.id)).all())  # type: ignore[attr-defined]


def _state(app: App) -> dict[str, list[tuple[str, Decimal, str]]]:
    numbers = {i.id: i.number for i in _all(app, Invoice)}
    made = [(numbers[s.invoice_id], s.amount, s.state) for s in _all(app, PaymentSuggestion)]
    paid = [(numbers[p.invoice_id], p.amount, p.delivery) for p in _all(app, Payment)]
    notes = [(n.kind, Decimal(0), n.text) for n in _all(app, Notification)]
    return {"suggestions": sorted(made), "payments": sorted(paid), "notes": notes}


def _practice(app: App) -> None:
    erika = add_patient(app, first_name="Erika", last_name="Mustermann")
    add_invoice(app, number="R-1", amount="120,00", patient=erika)  # at the agency
    add_invoice(app, number="R-2", amount="80,00")  # the practice's own
    add_invoice(app, number="R-3", amount="50,00")  # paid twice by mistake
    _at_agency(app, "R-1")


STATEMENT = camt053(
    Entry("B-1", "50.00", "Erika Mustermann", ("Rechnung R-1 Teilzahlung",)),
    Entry("B-2", "80.00", "Hans Meier", ("RE R-2",)),
    Entry("B-3", "50.00", "Jonas Weber", ("Rg. R-3",)),
    Entry("B-4", "50.00", "Jonas Weber", ("R-3 nochmal",)),
)


@pytest.mark.parametrize("chunk", [1000, 1], ids=["one-chunk", "a-chunk-each"])
def test_matches_are_booked_where_no_claim_waits_never_beyond_what_is_open_and_asked_about_once(
    chunk: int, app: App, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(suggestions, "_CHUNK", chunk)  # the same outcome however the work is cut
    _practice(app)

    first = _import(app, STATEMENT)

    assert (first.new, first.booked, first.waiting) == (4, 2, 1)
    state = _state(app)
    assert state["suggestions"] == [
        ("R-1", Decimal("50.00"), "open"),  # for the agency: a person decides
        ("R-2", Decimal("80.00"), "accepted"),
        ("R-3", Decimal("50.00"), "accepted"),
        ("R-3", Decimal("50.00"), "open"),  # nothing left open on R-3: a person looks at it
    ]
    assert state["payments"] == [("R-2", Decimal("80.00"), "none"), ("R-3", Decimal("50.00"), "none")]
    [(kind, _, text)] = state["notes"]  # one question, for the payment 1159 Finance should hear of
    assert (kind, text) == (
        NOTE_KIND,
        "Zahlung erkannt: R-1, 50,00 € am 03.12. (Überweisung von E. M.) – an 1159 Finance melden?",
    )
    invoices = {i.number: i for i in _all(app, Invoice)}
    assert (invoices["R-2"].status, invoices["R-3"].status) == (InvoiceStatus.PAID, InvoiceStatus.PAID)
    assert invoices["R-3"].paid_direct == Decimal("50.00") and invoices["R-1"].paid_direct == 0
    assert _all(app, OutboxItem) == []  # nothing for 1159 Finance before a person says so
    accepted = [e for e in _all(app, AuditEvent) if e.action == "payment_suggestion.accept"]
    assert sorted((e.actor, e.subject) for e in accepted) == [
        ("automatisch", "invoice:R-2"),
        ("automatisch", "invoice:R-3"),
    ]

    again = _import(app, STATEMENT)  # the same statement again: nothing twice
    assert (again.new, again.known, again.booked, again.waiting) == (0, 4, 0, 0)
    assert _state(app) == state


def test_with_automatic_acceptance_an_exact_match_for_the_agency_is_booked_and_queued_once(app: App) -> None:
    app.settings.payments_auto_accept_exact = True
    _practice(app)
    max_ = add_patient(app, first_name="Max", last_name="Schulze", street="Ring 2")
    add_invoice(app, number="R-4", amount="70,00", patient=max_)
    _at_agency(app, "R-4")
    statement = camt053(
        Entry("B-1", "120.00", "Erika Mustermann", ("Rechnung R-1",)),  # number and amount: exact
        Entry("B-5", "70.00", "Max Schulze", ("Physiotherapie",)),  # name and amount only
    )

    result = _import(app, statement)

    assert (result.booked, result.waiting) == (1, 1)
    [payment] = _all(app, Payment)
    assert (payment.amount, payment.delivery, payment.confirmed_by) == (
        Decimal("120.00"),
        "queued",
        "automatisch",
    )
    [item] = _all(app, OutboxItem)
    assert (item.kind, item.subject_id, item.idempotency_key) == (
        "payment",
        payment.id,
        f"payment:{payment.reference}",
    )
    [note] = _all(app, Notification)
    assert note.text.startswith("Zahlung erkannt: R-4, 70,00 €")  # the probable one waits
    _import(app, statement)
    assert len(_all(app, Payment)) == 1 and len(_all(app, OutboxItem)) == 1


def test_many_open_suggestions_make_one_notice_instead_of_a_question_each(app: App) -> None:
    many = ASK_EACH_UP_TO + 2
    for n in range(1, many + 1):
        add_invoice(app, number=f"R-{n}", amount="40,00")
        _at_agency(app, f"R-{n}")
    statement = camt053(
        *(Entry(f"B-{n}", "25.00", "Erika Mustermann", (f"R-{n}",)) for n in range(1, many + 1))
    )

    result = _import(app, statement)

    assert (result.waiting, result.booked) == (many, 0)
    [note] = _all(app, Notification)
    assert (note.kind, note.subject_id) == (SUMMARY_KIND, None)
    assert note.text == (
        f"{many} Zahlungen erkannt für Rechnungen bei 1159 Finance (zusammen 300,00 €). Bitte prüfen "
        "und melden: im Dashboard unter „Zahlungseingänge“ oder mit „inkasso payment suggestions“."
    )
    assert len(suggestions.list_open(app.uow(), practice_id=app.practice_id)) == many


@pytest.mark.parametrize("privacy", list(ChatPrivacy))
def test_the_chat_question_names_the_payer_only_as_the_privacy_setting_allows(
    privacy: ChatPrivacy, sqlite_app: App
) -> None:
    sqlite_app.settings.chat_privacy = privacy
    _practice(sqlite_app)
    _import(sqlite_app, STATEMENT)
    [note] = _all(sqlite_app, Notification)
    shown = "Erika Mustermann" if privacy == ChatPrivacy.FULL else "E. M."
    assert f"(Überweisung von {shown})" in note.text
    assert ("Erika" in note.text) == (privacy == ChatPrivacy.FULL)


def test_two_imports_of_the_same_matches_at_once_suggest_and_book_each_once(app: App) -> None:
    """Two sources handing in the same bank transactions at the same moment (the bank rows of
    each import are its own here): the transaction key decides, on SQLite and PostgreSQL."""
    _practice(app)
    proposals = [
        suggestions.Proposal(
            invoice.id or 0, amount, invoice.invoice_date, "bank", "Beleg", "Nummer", "sicher",
            "Erika Mustermann", f"ref:{invoice.number}",
        )
        for invoice, amount in (
            (_invoice(app, "R-1"), Decimal("50.00")),
            (_invoice(app, "R-2"), Decimal("80.00")),
            (_invoice(app, "R-3"), Decimal("50.00")),
        )
    ]  # fmt: skip
    start = threading.Barrier(2)
    outcomes: list[suggestions.Outcome] = []

    def run() -> None:
        with app.uow() as uow:
            start.wait()
            outcomes.append(
                suggestions.suggest_many(
                    uow.session, uow.settings, practice_id=app.practice_id, proposals=proposals
                )
            )
            uow.commit()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(len(o.ids) for o in outcomes) == [0, 3]
    assert sorted(o.booked for o in outcomes) == [0, 2]
    state = _state(app)
    assert Counter(s[2] for s in state["suggestions"]) == {"accepted": 2, "open": 1}
    assert len(state["payments"]) == 2 and len(state["notes"]) == 1


def _invoice(app: App, number: str) -> Invoice:
    [found] = [i for i in _all(app, Invoice) if i.number == number]
    return found


def test_a_payment_for_a_withdrawn_claim_waits_for_a_person_and_is_never_reported(app: App) -> None:
    add_invoice(app, number="R-9", amount="90,00")
    _at_agency(app, "R-9", delivery="withdrawn")

    result = _import(app, camt053(Entry("B-9", "90.00", "Erika Mustermann", ("R-9",))))

    assert (result.booked, result.waiting) == (0, 0)  # not booked, and no question for the agency
    [open_one] = suggestions.list_open(app.uow(), practice_id=app.practice_id)
    with pytest.raises(PreconditionFailed) as refused:
        decisions.accept(app.uow(), practice_id=app.practice_id, actor=STAFF, suggestion_id=open_one.id)
    assert refused.value.user_message == (
        "Die Forderung zu Rechnung R-9 wurde zurückgezogen; die Zahlung wird nicht an 1159 Finance "
        "gemeldet. Bitte ablehnen oder einer anderen Rechnung zuordnen."
    )
    assert _all(app, Payment) == [] and _all(app, OutboxItem) == [] and _all(app, Notification) == []


def test_a_debit_and_a_foreign_currency_naming_an_invoice_are_never_taken_for_a_payment(app: App) -> None:
    add_invoice(app, number="R-5", amount="60,00")
    statement = camt053(
        Entry("B-6", "60.00", "Erika Mustermann", ("Erstattung R-5",), credit=False),
        Entry("B-7", "60.00", "Erika Mustermann", ("R-5",), currency="CHF"),
    )
    for _ in range(2):
        result = _import(app, statement)
        assert (result.debits, len(result.matches), result.booked) == (1, 0, 0)
    assert result.known == 1  # the foreign-currency credit is kept aside once
    assert _all(app, PaymentSuggestion) == [] and _all(app, Payment) == []
    assert _invoice(app, "R-5").open_amount == Decimal("60.00")


@pytest.mark.parametrize("chunk", [1000, 1], ids=["one-chunk", "a-chunk-each"])
def test_two_imports_booking_the_same_invoices_at_once_both_finish(
    chunk: int, app: App, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two statements at once naming the same invoices (in opposite order): on PostgreSQL each
    would hold a lock the other waits for (a suggestion stored shares its invoice's lock, a booking
    takes it alone), had the import not locked all its invoices first, in one order."""
    monkeypatch.setattr(suggestions, "_CHUNK", chunk)
    add_invoice(app, number="R-1", amount="100,00")
    add_invoice(app, number="R-2", amount="100,00")
    one, two = _invoice(app, "R-1"), _invoice(app, "R-2")
    both_in_first_chunk = threading.Barrier(2)
    accept = suggestions._accept

    def meet_then_accept(*args: object) -> set[int]:
        try:  # without the lock taken first, both get here holding a lock the other will want
            both_in_first_chunk.wait(timeout=2)
        except threading.BrokenBarrierError:
            pass  # the other waits for our locks: go on alone
        return accept(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(suggestions, "_accept", meet_then_accept)
    errors: list[BaseException] = []

    def run(name: str, order: list[Invoice]) -> None:
        proposals = [
            suggestions.Proposal(i.id or 0, Decimal("10.00"), i.invoice_date, "bank", "Beleg", "Nummer",
                                 "sicher", "", f"{name}:{i.number}")
            for i in order
        ]  # fmt: skip
        try:
            with app.uow() as uow:
                suggestions.suggest_many(
                    uow.session, uow.settings, practice_id=app.practice_id, proposals=proposals
                )
                uow.commit()
        except BaseException as exc:  # a deadlock aborted this import
            errors.append(exc)

    threads = [
        threading.Thread(target=run, args=("a", [one, two])),
        threading.Thread(target=run, args=("b", [two, one])),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert sorted(p[0] for p in _state(app)["payments"]) == ["R-1", "R-1", "R-2", "R-2"]
