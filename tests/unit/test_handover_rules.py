"""Hand-over preconditions, legal basis and invoice status (core/domain/claims.py)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

import pytest

from core.domain.claims import (
    NEUTRAL_SUBJECT,
    Basis,
    InvoiceFacts,
    InvoiceStatus,
    LegalBasis,
    check_handover,
    invoice_status,
    legal_basis,
)
from core.domain.consents import ConsentSpan
from core.domain.dates import AgeBucket
from core.domain.errors import PreconditionFailed
from core.services.invoicing.invoices import OverdueItem

TODAY = date(2026, 6, 15)


def facts(**changes: object) -> InvoiceFacts:
    """An overdue, unpaid invoice with an announced reminder: ready to hand over unless changed."""
    base = InvoiceFacts(
        number="R-1234",
        due_date=TODAY - timedelta(days=45),
        open_amount=Decimal("120.00"),
        consents=(),
        reminder_date=TODAY - timedelta(days=20),
        handover_announced=True,
        has_claim=False,
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def signed(on: date, revoked: date | None = None, covers: bool = True) -> tuple[ConsentSpan, ...]:
    return (ConsentSpan(on, revoked, covers),)


def refusal(invoice: InvoiceFacts) -> str:
    with pytest.raises(PreconditionFailed) as refused:
        check_handover(invoice, today=TODAY)
    assert refused.value.exit_code == 1
    return refused.value.user_message


def test_an_overdue_invoice_with_an_announced_reminder_may_be_handed_over() -> None:
    basis = check_handover(facts(), today=TODAY)
    assert basis == Basis(LegalBasis.ANNOUNCED_REMINDER, TODAY - timedelta(days=20))
    assert basis.describe() == "Mahnung vom 26.05.2026 mit Ankündigung der Inkasso-Übergabe"


def test_recorded_consent_is_enough_without_any_reminder() -> None:
    basis = check_handover(
        facts(consents=signed(date(2025, 3, 1)), reminder_date=None, handover_announced=False), today=TODAY
    )
    assert basis.kind == LegalBasis.CONSENT
    assert basis.describe() == "Schweigepflichtentbindung vom 01.03.2025"


def test_consent_is_preferred_over_an_announced_reminder() -> None:
    basis = legal_basis(facts(consents=signed(date(2025, 3, 1))), on=TODAY)
    assert basis == Basis(LegalBasis.CONSENT, date(2025, 3, 1))


def test_the_legal_basis_is_read_from_anything_that_carries_the_invoice_facts() -> None:
    item = OverdueItem(
        number="R-1",
        patient="Erika Mustermann",
        due_date=TODAY - timedelta(days=45),
        days_overdue=45,
        bucket=AgeBucket.D31_60,
        open_amount=Decimal("120.00"),
        reminder_date=TODAY - timedelta(days=20),
        handover_announced=True,
        consents=(),
        has_legal_basis=True,
    )
    assert legal_basis(item, on=TODAY) == legal_basis(facts(), on=TODAY)
    assert legal_basis(replace(item, handover_announced=False), on=TODAY) is None
    assert legal_basis(replace(item, handover_announced=False, consents=signed(date(2025, 3, 1))), on=TODAY)


def test_a_reminder_that_did_not_announce_the_handover_is_no_legal_basis() -> None:
    message = refusal(facts(handover_announced=False))
    assert "fehlt die Rechtsgrundlage" in message
    assert "§ 203 StGB" in message


def test_an_announcement_without_a_reminder_date_is_no_legal_basis() -> None:
    assert "Rechtsgrundlage" in refusal(facts(reminder_date=None))


def test_a_reminder_sent_before_the_due_date_is_no_legal_basis() -> None:
    # The patient cannot be in arrears "despite a reminder" that came before the invoice was due.
    invoice = facts(reminder_date=TODAY - timedelta(days=60))
    assert legal_basis(invoice, on=TODAY) is None
    assert "Rechtsgrundlage" in refusal(invoice)


def test_a_reminder_counts_only_after_its_payment_deadline_has_passed() -> None:
    # Fourteen days (the default) to pay: the patient is in arrears despite it from day fifteen on.
    last_day = facts(reminder_date=TODAY - timedelta(days=14))
    assert legal_basis(last_day, on=TODAY) is None
    assert refusal(last_day) == (
        "Die Zahlungsfrist der Mahnung vom 01.06.2026 zu Rechnung R-1234 läuft bis zum 15.06.2026; "
        "übergeben werden kann ab dem 16.06.2026."
    )
    passed = facts(reminder_date=TODAY - timedelta(days=15))
    assert check_handover(passed, today=TODAY).kind == LegalBasis.ANNOUNCED_REMINDER
    assert legal_basis(last_day, on=TODAY, deadline_days=13) is not None


def test_a_reminder_dated_after_today_is_refused_as_dated_ahead() -> None:
    ahead = facts(reminder_date=TODAY + timedelta(days=200))
    assert legal_basis(ahead, on=TODAY) is None
    assert refusal(ahead).startswith("Die Mahnung zu Rechnung R-1234 ist auf den 01.01.2027 datiert")


def test_a_consent_dated_after_today_is_no_legal_basis() -> None:
    ahead = facts(consents=signed(date(2030, 1, 1)), reminder_date=None, handover_announced=False)
    assert legal_basis(ahead, on=TODAY) is None
    assert refusal(ahead) == (
        "Die Schweigepflichtentbindung zu Rechnung R-1234 ist auf den 01.01.2030 datiert, also in der "
        "Zukunft. Bitte das Datum der Unterschrift erfassen."
    )
    assert legal_basis(ahead, on=date(2030, 1, 1)) == Basis(LegalBasis.CONSENT, date(2030, 1, 1))


def test_an_invoice_already_handed_over_is_refused_first() -> None:
    assert refusal(facts(has_claim=True, open_amount=Decimal("0"))) == (
        "Rechnung R-1234 wurde bereits an 1159 Finance übergeben."
    )


def test_an_invoice_whose_claim_was_withdrawn_at_the_agency_is_refused_with_the_reason() -> None:
    message = refusal(facts(has_claim=True, withdrawn_at_agency=True))
    assert "wurde bei 1159 Finance zurückgezogen" in message and "neue Nummer" in message


def test_a_fully_paid_invoice_is_refused() -> None:
    assert "vollständig bezahlt" in refusal(facts(open_amount=Decimal("0.00")))


def test_an_invoice_due_today_is_not_yet_overdue() -> None:
    assert (
        refusal(facts(due_date=TODAY)) == "Rechnung R-1234 ist noch nicht überfällig (fällig am 15.06.2026)."
    )


def test_an_invoice_due_yesterday_is_overdue() -> None:
    invoice = facts(due_date=TODAY - timedelta(days=1), reminder_date=None, consents=signed(date(2026, 1, 1)))
    assert check_handover(invoice, today=TODAY).kind == LegalBasis.CONSENT


def test_the_neutral_subject_says_nothing_about_the_treatment() -> None:
    assert NEUTRAL_SUBJECT == "Honorarforderung"


@pytest.mark.parametrize(
    ("amount", "paid", "claim_open", "status"),
    [
        ("100.00", "0.00", False, InvoiceStatus.OPEN),
        ("100.00", "30.00", False, InvoiceStatus.PARTLY_PAID),
        ("100.00", "100.00", False, InvoiceStatus.PAID),
        ("100.00", "120.00", False, InvoiceStatus.PAID),
        ("100.00", "30.00", True, InvoiceStatus.IN_COLLECTION),
    ],
)
def test_the_payment_status_follows_the_amounts(
    amount: str, paid: str, claim_open: bool, status: InvoiceStatus
) -> None:
    assert invoice_status(amount=Decimal(amount), paid=Decimal(paid), claim_open=claim_open) == status


REVOKED = "Die Schweigepflichtentbindung zu Rechnung R-1234 wurde am 01.06.2026 widerrufen"


def test_a_revoked_consent_is_no_legal_basis_from_the_day_of_the_revocation() -> None:
    revoked = facts(consents=signed(date(2025, 3, 1), date(2026, 6, 1)), reminder_date=None)
    assert legal_basis(revoked, on=date(2026, 5, 31)) == Basis(LegalBasis.CONSENT, date(2025, 3, 1))
    assert legal_basis(revoked, on=date(2026, 6, 1)) is None
    assert refusal(revoked).startswith(REVOKED)
    message = refusal(revoked)
    assert "(§ 203 StGB)" in message and "neuen, danach unterschriebenen Einwilligung" in message


def test_a_revocation_also_bars_an_announced_reminder_whose_deadline_passed() -> None:
    revoked = facts(consents=signed(date(2025, 3, 1), date(2026, 6, 1)))  # the reminder alone would do
    assert legal_basis(replace(revoked, consents=()), on=TODAY) is not None
    assert legal_basis(revoked, on=TODAY) is None
    assert refusal(revoked).startswith(REVOKED)


def test_the_revocation_of_a_consent_for_another_invoice_is_the_patients_too() -> None:
    other = facts(consents=signed(date(2025, 3, 1), date(2026, 6, 1), covers=False))
    assert legal_basis(other, on=TODAY) is None
    assert refusal(other).startswith(REVOKED)


def test_an_older_consent_does_not_count_again_after_a_revocation_but_a_newer_one_does() -> None:
    older = (ConsentSpan(date(2025, 3, 1), date(2026, 6, 1)), ConsentSpan(date(2025, 1, 1), None, True))
    assert legal_basis(facts(consents=older), on=TODAY) is None
    newer = (*older, ConsentSpan(date(2026, 6, 10)))
    assert legal_basis(facts(consents=newer), on=TODAY) == Basis(LegalBasis.CONSENT, date(2026, 6, 10))


def test_a_consent_for_another_invoice_of_the_patient_is_no_basis_for_this_one() -> None:
    other = facts(consents=signed(date(2025, 3, 1), covers=False), reminder_date=None)
    assert legal_basis(other, on=TODAY) is None
    assert "fehlt die Rechtsgrundlage" in refusal(other)
