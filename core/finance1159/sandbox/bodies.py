"""The request bodies of POST /claims and POST /payments, checked field by field."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from core.finance1159.sandbox.validation import amount, day, identifier, invalid, text

__all__ = [
    "ClaimBody",
    "DEBTOR_NAME",
    "DEBTOR_REQUIRED",
    "DEBTOR_TEXTS",
    "PaymentBody",
    "parse_claim",
    "parse_payment",
]

DEBTOR_TEXTS = ("salutation", "first_name", "last_name", "company", "street", "zip", "city", "email", "phone")
DEBTOR_REQUIRED = frozenset({"street", "zip", "city"})
DEBTOR_NAME = frozenset({"first_name", "last_name"})  # both may be left out when company is given


@dataclass(frozen=True)
class ClaimBody:
    reference: str
    debtor: dict[str, Any]
    invoice_date: date
    due_date: date
    reminder_date: date | None
    default_date: date | None
    principal: Decimal
    reminder_fees: Decimal
    interest: Decimal
    subject: str


@dataclass(frozen=True)
class PaymentBody:
    case_id: int
    amount: Decimal
    date: date
    reference: str


def parse_claim(body: dict[str, Any]) -> ClaimBody:
    reference = text(body, "reference")
    raw_debtor = body.get("debtor")
    if not isinstance(raw_debtor, dict):
        raise invalid("debtor", "missing" if raw_debtor is None else "must be an object")
    has_company = raw_debtor.get("company") is not None
    debtor: dict[str, Any] = {
        name: text(
            raw_debtor,
            name,
            prefix="debtor.",
            required=name in DEBTOR_REQUIRED or (name in DEBTOR_NAME and not has_company),
        )
        for name in DEBTOR_TEXTS
    }
    country = raw_debtor.get("country", "DE")
    if not isinstance(country, str) or len(country) != 2 or not country.isalpha() or not country.isupper():
        raise invalid("debtor.country", "must be an ISO 3166 alpha-2 code")
    debtor["country"] = country
    birth = day(raw_debtor, "birth_date", prefix="debtor.", required=False)
    debtor["birth_date"] = birth.isoformat() if birth else None
    if debtor["email"] is not None and "@" not in debtor["email"]:
        raise invalid("debtor.email", "must be a mail address")
    invoice_date = day(body, "invoice_date")
    due_date = day(body, "due_date")
    assert invoice_date is not None and due_date is not None
    if due_date < invoice_date:
        raise invalid("due_date", "must not be before invoice_date")
    principal = amount(body, "principal")
    assert principal is not None and reference is not None
    return ClaimBody(
        reference=reference,
        debtor=debtor,
        invoice_date=invoice_date,
        due_date=due_date,
        reminder_date=day(body, "reminder_date", required=False),
        default_date=day(body, "default_date", required=False),
        principal=principal,
        reminder_fees=amount(body, "reminder_fees", required=False, positive=False) or Decimal("0.00"),
        interest=amount(body, "interest", required=False, positive=False) or Decimal("0.00"),
        subject=text(body, "subject") or "",
    )


def parse_payment(body: dict[str, Any]) -> PaymentBody:
    case_id = identifier(body, "case_id")
    value = amount(body, "amount")
    paid_on = day(body, "date")
    reference = text(body, "reference")
    assert value is not None and paid_on is not None and reference is not None
    return PaymentBody(case_id=case_id, amount=value, date=paid_on, reference=reference)
