"""Recognised payments as the doors show them: one suggestion, the open ones, and the practice
chat's questions about them (one each with buttons, or one notice for many)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlmodel import Session, col, select

from core.db.engine import UnitOfWork
from core.db.models import Invoice, Notification, PaymentSuggestion
from core.domain.chat_privacy import ChatPrivacy, initials
from core.domain.dates import format_date
from core.domain.money import format_eur

__all__ = ["ASK_EACH_UP_TO", "NOTE_KIND", "SUMMARY_KIND", "Suggestion", "ask", "list_open", "notify", "view"]

NOTE_KIND = "payment_suggestion"  # one question, with buttons
SUMMARY_KIND = "payment_suggestions"  # many at once: one notice pointing to the list
# Up to this many open suggestions from one import are asked about one by one in the chat; more
# become one notice: a practice works through hundreds in a list (dashboard, CLI), not in a chat
# scrolled by hundreds of questions (and Telegram lets a bot post ~20 messages a minute to a group).
ASK_EACH_UP_TO = 10

_SOURCE_TEXT = {"bank": "Überweisung", "praxissoftware": "Praxissoftware"}


@dataclass(frozen=True)
class Suggestion:
    id: int
    number: str
    amount: Decimal
    paid_on: date
    source: str
    evidence: str
    reason: str
    confidence: str
    payer: str
    state: str  # open | accepted | rejected

    @property
    def text(self) -> str:
        """The one line the chat and the dashboard show (the payer only as initials)."""
        return self.chat_text(ChatPrivacy.MINIMAL)

    def chat_text(self, privacy: ChatPrivacy) -> str:
        """The line as a chat may show it: the payer's name only with CHAT_PRIVACY=full."""
        origin = _SOURCE_TEXT.get(self.source, self.source)
        if self.payer:
            shown = self.payer if privacy == ChatPrivacy.FULL else initials(self.payer.replace(",", " "))
            origin += f" von {shown}"
        return (
            f"Zahlung erkannt: {self.number}, {format_eur(self.amount)} am {format_date(self.paid_on)[:6]} "
            f"({origin}) – an 1159 Finance melden?"
        )


def view(session: Session, suggestion_id: int) -> Suggestion | None:
    query = (
        select(PaymentSuggestion, Invoice.number)
        .join(Invoice, col(Invoice.id) == col(PaymentSuggestion.invoice_id))
        .where(PaymentSuggestion.id == suggestion_id)
    )
    found = session.exec(query).first()
    return None if found is None else _shown(*found)


def list_open(uow: UnitOfWork, *, practice_id: int) -> list[Suggestion]:
    with uow:
        query = (
            select(PaymentSuggestion, Invoice.number)
            .join(Invoice, col(Invoice.id) == col(PaymentSuggestion.invoice_id))
            .where(PaymentSuggestion.practice_id == practice_id, PaymentSuggestion.state == "open")
            .order_by(col(PaymentSuggestion.paid_on), col(PaymentSuggestion.id))
        )
        return [_shown(row, number) for row, number in uow.session.exec(query).all()]


def _shown(row: PaymentSuggestion, number: str) -> Suggestion:
    return Suggestion(
        row.id or 0,
        number,
        row.amount,
        row.paid_on,
        row.source,
        row.evidence,
        row.reason,
        row.confidence,
        row.payer,
        row.state,
    )


def ask(session: Session, practice_id: int, waiting: list[tuple[int, Decimal]], privacy: ChatPrivacy) -> None:
    """Ask the practice chat about each open suggestion (id, amount), or tell it of many in one
    notice; in the caller's transaction."""
    if len(waiting) <= ASK_EACH_UP_TO:
        for suggestion_id, _ in waiting:
            shown = view(session, suggestion_id)
            if shown is not None:
                notify(session, practice_id, shown, privacy)
        return
    count = f"{len(waiting):,}".replace(",", ".")
    total = format_eur(sum((amount for _, amount in waiting), Decimal("0")))
    text = (
        f"{count} Zahlungen erkannt für Rechnungen bei 1159 Finance (zusammen {total}). "
        "Bitte prüfen und melden: im Dashboard unter „Zahlungseingänge“ oder mit "
        "„inkasso payment suggestions“."
    )
    session.add(Notification(practice_id=practice_id, kind=SUMMARY_KIND, text=text))


def notify(
    session: Session, practice_id: int, suggestion: Suggestion, privacy: ChatPrivacy = ChatPrivacy.MINIMAL
) -> None:
    """Ask the practice chat about one suggestion; the door adds the buttons."""
    session.add(
        Notification(
            practice_id=practice_id,
            kind=NOTE_KIND,
            text=suggestion.chat_text(privacy),
            subject_id=suggestion.id,
        )
    )
