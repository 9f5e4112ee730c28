"""Who owes: minors never, companies are businesses for default interest (core/domain/debtor.py)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from core.domain.debtor import (
    BUSINESS_INTEREST_POINTS,
    CONSUMER_INTEREST_POINTS,
    Party,
    age_on,
    check_debtor,
    interest_points,
    interest_text,
    is_business,
    is_minor,
)
from core.domain.errors import PreconditionFailed

BORN = date(2008, 6, 15)


def party(**changes: str) -> Party:
    base = Party(first_name="Petra", last_name="Muster", street="Weg 1", zip="50667", city="Köln")
    return replace(base, **changes)  # type: ignore[arg-type]


def test_a_patient_is_a_minor_until_the_day_of_the_eighteenth_birthday() -> None:
    assert is_minor(BORN, date(2026, 6, 14))
    assert not is_minor(BORN, date(2026, 6, 15))
    assert age_on(BORN, date(2026, 6, 15)) == 18


def test_someone_born_on_the_twenty_ninth_of_february_comes_of_age_on_the_first_of_march() -> None:
    born = date(2008, 2, 29)
    assert is_minor(born, date(2026, 2, 28)) and not is_minor(born, date(2026, 3, 1))


def test_an_unknown_birth_date_does_not_make_a_minor() -> None:
    assert not is_minor(None, date(2026, 6, 15))


def test_a_minor_patient_without_recipient_is_refused_with_the_columns_to_add() -> None:
    with pytest.raises(PreconditionFailed) as refused:
        check_debtor(
            number="R-7", invoice_date=date(2026, 6, 14), patient_birth_date=BORN, has_recipient=False
        )
    message = refused.value.user_message
    assert "R-7" in message and "minderjährig" in message and "14.06.2026" in message
    for column in (
        "Empfänger Vorname",
        "Empfänger Nachname",
        "Empfänger Straße",
        "Empfänger PLZ",
        "Empfänger Ort",
    ):
        assert f"„{column}“" in message


def test_a_minor_with_a_recipient_and_an_adult_without_one_may_be_handed_over() -> None:
    check_debtor(number="R-7", invoice_date=date(2026, 6, 14), patient_birth_date=BORN, has_recipient=True)
    check_debtor(number="R-7", invoice_date=date(2026, 6, 15), patient_birth_date=BORN, has_recipient=False)


def test_the_age_counts_on_the_invoice_date_not_today() -> None:
    # Invoiced as a child, now an adult: still the parent's debt, so still refused without a recipient.
    with pytest.raises(PreconditionFailed):
        check_debtor(
            number="R-7", invoice_date=date(2025, 1, 10), patient_birth_date=BORN, has_recipient=False
        )


def test_a_company_without_a_person_is_a_business_with_nine_points_of_default_interest() -> None:
    company = party(first_name="", last_name="", company="Muster GmbH")
    assert company.is_company and is_business(company)
    assert interest_points(company) == BUSINESS_INTEREST_POINTS == 9
    assert "+ 9 Prozentpunkte" in interest_text(company) and "§ 288 Abs. 2 BGB" in interest_text(company)
    assert company.name == "Muster GmbH"


@pytest.mark.parametrize(
    "changes", [{}, {"company": "Muster GmbH"}, {"first_name": "", "company": "Muster GmbH"}]
)
def test_a_person_even_one_named_with_a_company_is_a_consumer_with_five_points(
    changes: dict[str, str],
) -> None:
    debtor = party(**changes)
    assert not is_business(debtor)
    assert interest_points(debtor) == CONSUMER_INTEREST_POINTS == 5
    assert "+ 5 Prozentpunkte" in interest_text(debtor) and "§ 288 Abs. 1 BGB" in interest_text(debtor)
