"""Matching a credit to open invoices: number in the remittance, amount, payer's name."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from core.domain.bank import BankTransaction
from core.services.payments_in.bank_matching import InvoiceIndex, OpenInvoice, debtor_name, match_transaction


def _index() -> InvoiceIndex:
    index = InvoiceIndex()
    index.add(OpenInvoice(1, "R-2026-0042", 5000, True, (debtor_name("Erika", "Mustermann"),)))
    index.add(OpenInvoice(2, "R-2026-0043", 12000, False, (debtor_name("Hans", "Meier"),)))
    index.add(OpenInvoice(3, "R-2026-0044", 8000, False, (debtor_name("Hans", "Meier"),)))
    index.add(
        OpenInvoice(
            4,
            "R-2026-0045",
            8000,
            False,
            (debtor_name("Max", "Mustermann"), debtor_name("", "Schule am See e.V.")),
        )
    )
    index.add(OpenInvoice(5, "R-7", 8000, False, (debtor_name("Anna", "Schmidt"),)))
    return index


def _credit(remittance: str, amount: str, payer: str = "") -> BankTransaction:
    return BankTransaction(date(2026, 12, 3), None, Decimal(amount), "EUR", True, payer, "", remittance)


@pytest.mark.parametrize(
    "remittance",
    [
        "R-2026-0042",
        "Rg. R 2026 0042",
        "RE R20260042",
        "Rechnung R-2026-\n0042 danke",
        "Rechnungsnr. 2026-0042",
        "RE2026-0042",
        "r-2026-00 42",
    ],
)
def test_the_number_is_found_however_it_is_written(remittance: str) -> None:
    (match,) = match_transaction(_credit(remittance, "50.00"), _index())
    assert (match.invoice_id, match.number, match.amount, match.confidence) == (
        1,
        "R-2026-0042",
        Decimal("50.00"),
        "sicher",
    )
    assert "gleich dem offenen Betrag" in match.reason and match.in_collection


def test_a_smaller_amount_is_a_likely_partial_payment_and_a_larger_one_unsure() -> None:
    (partial,) = match_transaction(_credit("R-2026-0042", "20.00"), _index())
    assert partial.confidence == "wahrscheinlich" and partial.amount == Decimal("20.00")
    assert "Teilbetrag 20,00 € von 50,00 € offen" in partial.reason
    (more,) = match_transaction(_credit("R-2026-0042", "70.00"), _index())
    assert more.confidence == "unsicher" and more.amount == Decimal("50.00")
    assert "mehr als offen" in more.reason


def test_two_invoices_in_one_transfer_whose_open_amounts_add_up_give_two_sure_matches() -> None:
    matches = match_transaction(
        _credit("RE 2026 0043 und Rechnung 2026-0044", "200.00", "HANS MEIER"), _index()
    )
    assert [(m.number, m.amount, m.confidence) for m in matches] == [
        ("R-2026-0043", Decimal("120.00"), "sicher"),
        ("R-2026-0044", Decimal("80.00"), "sicher"),
    ]
    assert "2 Rechnungen in einer Überweisung" in matches[0].reason


def test_two_numbers_that_do_not_add_up_are_unsure_and_share_the_amount_in_order() -> None:
    matches = match_transaction(_credit("R-2026-0043 R-2026-0044", "150.00"), _index())
    assert [(m.number, m.amount, m.confidence) for m in matches] == [
        ("R-2026-0043", Decimal("120.00"), "unsicher"),
        ("R-2026-0044", Decimal("30.00"), "unsicher"),
    ]


def test_without_a_number_the_amount_and_the_payers_name_give_a_likely_match() -> None:
    (match,) = match_transaction(_credit("Physiotherapie", "80.00", "Mustermann, Max"), _index())
    assert match.number == "R-2026-0045" and match.confidence == "wahrscheinlich"
    assert "Name des Zahlers" in match.reason
    (company,) = match_transaction(_credit("Behandlung", "80.00", "Schule am See e.V."), _index())
    assert company.number == "R-2026-0045"


def test_an_amount_without_number_and_without_a_fitting_name_matches_nothing() -> None:
    assert match_transaction(_credit("Behandlung", "80.00", "Erika Mustermann"), _index()) == []
    assert match_transaction(_credit("Behandlung", "80.00"), _index()) == []
    assert match_transaction(_credit("Kundennummer 2026 Haus 42", "13.00", "Max Mustermann"), _index()) == []


def test_a_short_number_is_found_as_written_and_the_payers_initial_counts() -> None:
    (match,) = match_transaction(_credit("R 7", "80.00", "A. Schmidt"), _index())
    assert match.number == "R-7" and match.confidence == "sicher"
    assert "Zahler ist der Rechnungsempfänger" in match.reason
