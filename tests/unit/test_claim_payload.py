"""The claim payload: an allow-list of debtor and invoice fields, never the treatment."""

from __future__ import annotations

import json
from datetime import date, timedelta
from decimal import Decimal

from core.db.models import Invoice, InvoiceRecipient, Patient
from core.finance1159.wire import to_json
from core.services.collection.claim_payload import WITHHELD, claim_payload, describe_payload

DUE = date(2026, 9, 1)


def patient(**overrides: object) -> Patient:
    values: dict[str, object] = {
        "practice_id": 1,
        "patient_key": "k",
        "salutation": "Frau",
        "first_name": "Erika",
        "last_name": "Mustermann",
        "street": "Heidestraße 17",
        "zip": "51147",
        "city": "Köln",
        "birth_date": date(1970, 5, 17),
        "email": "erika@example.org",
        "phone": "",
    }
    return Patient(**{**values, **overrides})  # type: ignore[arg-type]


def invoice(**overrides: object) -> Invoice:
    values: dict[str, object] = {
        "practice_id": 1,
        "patient_id": 1,
        "number": "R-2026-0042",
        "invoice_date": DUE - timedelta(days=14),
        "due_date": DUE,
        "amount": Decimal("120.00"),
        "paid_before": Decimal("20.00"),
        "service_text": "Krankengymnastik (6x), Diagnose M54.5",
        "reminder_date": DUE + timedelta(days=14),
        "handover_announced": True,
    }
    return Invoice(**{**values, **overrides})  # type: ignore[arg-type]


def test_the_payload_carries_the_debtor_and_the_invoice_facts_and_a_neutral_subject() -> None:
    claim = claim_payload(invoice(), patient(), recipient=None)
    assert claim.reference == "R-2026-0042" and claim.subject == "Honorarforderung"
    assert claim.principal == Decimal("100.00")  # the open amount
    assert (claim.invoice_date, claim.due_date, claim.reminder_date) == (
        date(2026, 8, 18),
        DUE,
        date(2026, 9, 15),
    )
    assert claim.default_date == date(2026, 9, 15)  # the reminder put the debtor in default
    assert (claim.debtor.first_name, claim.debtor.city, claim.debtor.country) == ("Erika", "Köln", "DE")
    assert claim.debtor.birth_date == date(1970, 5, 17)


def test_the_treatment_text_is_nowhere_in_the_payload_on_the_wire() -> None:
    body = to_json(claim_payload(invoice(), patient(), recipient=None)).decode()
    assert "Krankengymnastik" not in body and "M54.5" not in body
    assert set(json.loads(body)) == {
        "reference",
        "debtor",
        "invoice_date",
        "due_date",
        "reminder_date",
        "default_date",
        "principal",
        "subject",
    }


def test_the_consent_stays_in_the_practice() -> None:
    # The payload is built from the invoice and the debtor alone; consents (and where the signed
    # form lies) are never among its inputs, and no field of it names one.
    body = json.loads(to_json(claim_payload(invoice(), patient(), recipient=None)))
    assert "consent" not in json.dumps(body).lower()


def test_empty_optional_contact_fields_are_left_out_rather_than_sent_empty() -> None:
    body = json.loads(
        to_json(claim_payload(invoice(), patient(phone="", email="", salutation=""), recipient=None))
    )
    assert {"phone", "email", "salutation", "company"}.isdisjoint(body["debtor"])


def test_without_a_reminder_default_starts_thirty_days_after_the_due_date_if_the_invoice_said_so() -> None:
    claim = claim_payload(invoice(reminder_date=None), patient(), recipient=None, consumer_notice=True)
    assert claim.reminder_date is None and claim.default_date == DUE + timedelta(days=30)


def test_without_a_reminder_or_the_consumer_notice_no_default_date_is_sent() -> None:
    claim = claim_payload(invoice(reminder_date=None), patient(), recipient=None)
    assert claim.default_date is None
    assert "default_date" not in json.loads(to_json(claim))


def test_the_principal_fixed_at_hand_over_wins_over_the_current_open_amount() -> None:
    claim = claim_payload(invoice(), patient(), recipient=None, principal=Decimal("80.00"))
    assert claim.principal == Decimal("80.00")


def test_the_overview_lists_in_german_exactly_what_is_sent_and_names_what_is_withheld() -> None:
    rows = dict(describe_payload(claim_payload(invoice(), patient(), recipient=None)))
    assert rows["Schuldner"] == "Frau Erika Mustermann"
    assert rows["Anschrift"] == "Heidestraße 17, 51147 Köln, DE"
    assert rows["Hauptforderung"] == "100,00 €" and rows["Fällig am"] == "01.09.2026"
    assert rows["Betreff"] == "Honorarforderung" and "Telefon" not in rows
    assert not any("Krankengymnastik" in value for value in rows.values())
    assert "Behandlung / Leistung" in WITHHELD and "Diagnosen" in WITHHELD


def recipient(**overrides: object) -> InvoiceRecipient:
    values: dict[str, object] = {
        "practice_id": 1,
        "invoice_id": 1,
        "salutation": "Herr",
        "first_name": "Jonas",
        "last_name": "Vogel",
        "street": "Lindenweg 3",
        "zip": "50667",
        "city": "Bonn",
        "birth_date": date(1984, 2, 3),
        "email": "jonas@example.net",
        "phone": "0228 55 66 77",
    }
    return InvoiceRecipient(**{**values, **overrides})  # type: ignore[arg-type]


# Every piece of the patient's own data; none of it may appear in a claim against a recipient.
PATIENT_DATA = {
    "first_name": "Erika",
    "last_name": "Mustermann",
    "street": "Heidestraße 17",
    "zip": "51147",
    "city": "Köln",
    "birth_date": date(1970, 5, 17),
    "email": "erika@example.org",
    "phone": "0171 1234567",
}


def _traces_of_the_patient(body: str) -> list[str]:
    texts = [str(v) for v in PATIENT_DATA.values()] + ["1970-05-17", "Heidestraße", "erika", "Mustermann"]
    return [t for t in texts if t.casefold() in body.casefold()]


def test_with_a_recipient_the_debtor_is_the_recipient_and_nothing_of_the_patient_is_on_the_wire() -> None:
    body = to_json(claim_payload(invoice(), patient(**PATIENT_DATA), recipient=recipient())).decode()
    debtor = json.loads(body)["debtor"]
    assert debtor == {
        "salutation": "Herr",
        "first_name": "Jonas",
        "last_name": "Vogel",
        "street": "Lindenweg 3",
        "zip": "50667",
        "city": "Bonn",
        "country": "DE",
        "birth_date": "1984-02-03",
        "email": "jonas@example.net",
        "phone": "0228 55 66 77",
    }
    assert _traces_of_the_patient(body) == []


def test_a_recipient_without_contact_data_gets_none_of_the_patients_contact_data() -> None:
    bare = recipient(email="", phone="", birth_date=None, salutation="")
    body = to_json(claim_payload(invoice(), patient(**PATIENT_DATA), recipient=bare)).decode()
    assert {"email", "phone", "birth_date", "salutation"}.isdisjoint(json.loads(body)["debtor"])
    assert _traces_of_the_patient(body) == []


def test_a_company_as_recipient_is_sent_as_company_without_any_person_name() -> None:
    company = recipient(first_name="", last_name="", salutation="", company="Muster GmbH", birth_date=None)
    body = to_json(claim_payload(invoice(), patient(**PATIENT_DATA), recipient=company)).decode()
    debtor = json.loads(body)["debtor"]
    assert debtor["company"] == "Muster GmbH" and {"first_name", "last_name"}.isdisjoint(debtor)
    assert _traces_of_the_patient(body) == []


def test_the_overview_says_the_recipient_is_the_debtor_and_the_patients_data_stays_here() -> None:
    claim = claim_payload(invoice(), patient(**PATIENT_DATA), recipient=recipient())
    rows = dict(describe_payload(claim, by_recipient=True))
    assert rows["Schuldner"] == (
        "Rechnungsempfänger Herr Jonas Vogel – Daten des Patienten werden nicht übermittelt"
    )
    assert rows["Anschrift"] == "Lindenweg 3, 50667 Bonn, DE"
    assert _traces_of_the_patient(json.dumps(rows, ensure_ascii=False)) == []


def test_the_overview_names_a_company_recipient_by_its_company_name() -> None:
    company = recipient(first_name="", last_name="", salutation="", company="Muster GmbH")
    rows = dict(describe_payload(claim_payload(invoice(), patient(), recipient=company), by_recipient=True))
    assert rows["Schuldner"].startswith("Rechnungsempfänger Muster GmbH – ")
