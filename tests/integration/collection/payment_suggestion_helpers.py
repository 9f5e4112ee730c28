"""Suggested payments in tests: one suggested the way the bank matcher will, and the rows stored."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlmodel import select

from core.bootstrap import App
from core.db.models import PaymentSuggestion
from core.domain.dates import today
from core.services.payments_in.suggestions import Suggestion, suggest


def from_bank(app: App, number: str = "R-1", amount: str = "50.00", **overrides: Any) -> Suggestion | None:
    values: dict[str, Any] = {
        "practice_id": app.practice_id,
        "number": number,
        "amount": Decimal(amount),
        "paid_on": today() - timedelta(days=2),
        "source": "bank",
        "evidence": "Bankreferenz NOTPROVIDED-4711",
        "reason": f"Rechnungsnummer {number} im Verwendungszweck, Betrag passt.",
        "confidence": "sicher",
        "payer": "Erika Mustermann",
        "transaction_key": f"bank:{number}:{amount}",
    }
    return suggest(app.uow(), **{**values, **overrides})


def stored_suggestions(app: App) -> list[PaymentSuggestion]:
    with app.uow() as uow:
        return list(uow.session.exec(select(PaymentSuggestion).order_by(PaymentSuggestion.id)).all())  # type: ignore[arg-type]


def two_days_ago() -> date:
    return today() - timedelta(days=2)
