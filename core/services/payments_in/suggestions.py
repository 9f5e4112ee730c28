"""Recognised payments as suggestions: stored once per transaction, listed, shown in German.

A match for an invoice in collection waits for a person (decisions.py); one for an invoice the
practice still holds itself is booked at once, so a paid invoice is never handed over.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from core.db.engine import UnitOfWork
from core.db.models import Claim, Invoice, Notification, PaymentSuggestion
from core.domain.claim_lifecycle import OPEN
from core.domain.dates import format_date
from core.domain.errors import InkassoError, InvalidInput
from core.domain.money import format_eur
from core.services.invoicing.invoices import find
from core.services.people.access import Actor, Role

__all__ = [
    "AUTOMATIC",
    "CONFIDENCES",
    "SOURCES",
    "Suggestion",
    "add",
    "in_collection",
    "list_open",
    "suggest",
    "view",
]

SOURCES = ("bank", "praxissoftware")
CONFIDENCES = ("sicher", "wahrscheinlich", "unsicher")
# Who booked what needed no person: the rule itself (exact match, or no claim to report to).
AUTOMATIC = Actor(Role.OPERATOR, "automatisch")
NOTE_KIND = "payment_suggestion"
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
        origin = _SOURCE_TEXT.get(self.source, self.source)
        if self.payer:
            origin += f" von {_initials(self.payer)}"
        return (
            f"Zahlung erkannt: {self.number}, {format_eur(self.amount)} am {format_date(self.paid_on)[:6]} "
            f"({origin}) – an 1159 Finance melden?"
        )


def suggest(
    uow: UnitOfWork,
    *,
    practice_id: int,
    number: str,
    amount: Decimal,
    paid_on: date,
    source: str,
    evidence: str,
    reason: str,
    confidence: str,
    payer: str = "",
    transaction_key: str = "",
) -> Suggestion | None:
    """Store the recognised payment once (None when this transaction was suggested before).
    Booked at once when the invoice is not in collection, or when exact matches are accepted
    automatically (PAYMENTS_AUTO_ACCEPT_EXACT); a refusal then leaves it open for a person."""
    from core.services.payments_in import decisions  # decisions builds on this module

    with uow:
        row = add(
            uow.session,
            practice_id=practice_id,
            invoice=find(uow.session, practice_id=practice_id, number=number),
            amount=amount,
            paid_on=paid_on,
            source=source,
            evidence=evidence,
            reason=reason,
            confidence=confidence,
            payer=payer,
            transaction_key=transaction_key,
        )
        if row is None:
            return None
        uow.commit()
        collected = in_collection(uow.session, row.invoice_id)
    auto = confidence == "sicher" and uow.settings.payments_auto_accept_exact
    if not collected or auto:
        try:
            decisions.accept(uow.fresh(), practice_id=practice_id, actor=AUTOMATIC, suggestion_id=row.id or 0)
        except InkassoError:
            pass  # more than is open, already paid, withdrawn: a person decides
    with uow.fresh() as again:
        shown = view(again.session, row.id or 0)
        if collected and shown is not None and shown.state == "open":  # the question names 1159 Finance
            notify(again.session, practice_id, shown)
            again.commit()
        return shown


def notify(session: Session, practice_id: int, suggestion: Suggestion) -> None:
    """Ask the practice chat (in the caller's transaction); the door adds the buttons."""
    session.add(
        Notification(practice_id=practice_id, kind=NOTE_KIND, text=suggestion.text, subject_id=suggestion.id)
    )


def add(
    session: Session,
    *,
    practice_id: int,
    invoice: Invoice,
    amount: Decimal,
    paid_on: date,
    source: str,
    evidence: str,
    reason: str,
    confidence: str,
    payer: str = "",
    transaction_key: str = "",
) -> PaymentSuggestion | None:
    """Add the suggestion to the caller's transaction; None if its transaction key is known."""
    if source not in SOURCES:
        raise InvalidInput(f"Unbekannte Quelle „{source}“: erlaubt sind {', '.join(SOURCES)}.")
    if confidence not in CONFIDENCES:
        raise InvalidInput(f"Unbekannte Sicherheit „{confidence}“: erlaubt sind {', '.join(CONFIDENCES)}.")
    key = transaction_key or f"{source}:{uuid.uuid4().hex}"
    known = select(PaymentSuggestion.id).where(
        PaymentSuggestion.practice_id == practice_id, PaymentSuggestion.transaction_key == key
    )
    if session.exec(known).first() is not None:
        return None
    row = PaymentSuggestion(
        practice_id=practice_id,
        invoice_id=invoice.id or 0,
        amount=amount,
        paid_on=paid_on,
        source=source,
        evidence=evidence,
        reason=reason,
        confidence=confidence,
        payer=payer,
        transaction_key=key,
    )
    try:
        with session.begin_nested():  # two imports at once: the second one's row is the duplicate
            session.add(row)
    except IntegrityError:
        return None
    return row


def in_collection(session: Session, invoice_id: int) -> bool:
    claim = session.exec(select(Claim).where(Claim.invoice_id == invoice_id)).first()
    return claim is not None and claim.delivery in OPEN


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


def _initials(name: str) -> str:
    return " ".join(f"{part[0]}." for part in name.replace(",", " ").split() if part[0].isalpha())
