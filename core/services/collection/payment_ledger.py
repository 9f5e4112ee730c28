"""The one ledger of direct payments: every payment made to the practice, from whichever door or
source, is booked here, so the open amount and the report to 1159 Finance follow one rule."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

from sqlmodel import Session, select

from core import outbox
from core.db.models import Claim, Invoice, Payment
from core.domain.claim_lifecycle import OPEN, WITHDRAWING, PaymentDelivery
from core.domain.claims import InvoiceStatus, invoice_status
from core.domain.errors import InvalidInput, PreconditionFailed
from core.domain.money import ZERO, format_eur
from core.services.collection import delivery
from core.services.people.access import Actor

__all__ = ["ORIGINS", "book", "open_amount", "origin_of"]

ORIGINS = ("chat", "mail", "dashboard", "cli", "praxissoftware", "bank")
# An actor's label starts with its door ("telegram:42", "mail:a@b", "dashboard:chef", "cli").
_DOORS = {"telegram": "chat", "console": "chat", "mail": "mail", "dashboard": "dashboard"}


def origin_of(actor: Actor) -> str:
    return _DOORS.get(actor.label.split(":", 1)[0], "cli")


def open_amount(invoice: Invoice) -> Decimal:
    """What is still open on the invoice (never below zero: Invoice.open_amount)."""
    return invoice.open_amount


def book(
    session: Session,
    invoice: Invoice,
    *,
    amount: Decimal,
    paid_on: date,
    origin: str,
    recorded_by: str,
    evidence: str = "",
    confirmed_by: str = "",
    in_export: bool = False,
    reference: str | None = None,
    refuse_withdrawn: bool = False,
) -> tuple[Payment, int | None]:
    """Book a direct payment on the (locked) invoice; with a claim at the agency, queue its report.
    Returns the payment and the outbox item's id (None when nothing goes to 1159 Finance)."""
    claim = session.exec(select(Claim).where(Claim.invoice_id == invoice.id)).first()
    _check(invoice, claim, amount, refuse_withdrawn)
    passed_on = claim is not None and claim.delivery in OPEN
    payment = Payment(
        practice_id=invoice.practice_id,
        invoice_id=invoice.id or 0,
        claim_id=claim.id if claim else None,
        source="practice",
        amount=amount,
        paid_on=paid_on,
        reference=reference or f"P{invoice.practice_id}-{uuid.uuid4().hex[:16]}",
        delivery=PaymentDelivery.QUEUED if passed_on else PaymentDelivery.NONE,
        recorded_by=recorded_by,
        origin=origin,
        evidence=evidence,
        confirmed_by=confirmed_by or recorded_by,
        in_export=in_export,
    )
    session.add(payment)
    session.flush()
    invoice.paid_direct += amount
    if invoice.status not in (InvoiceStatus.IN_COLLECTION, InvoiceStatus.COMPLETE):
        invoice.status = invoice_status(
            amount=invoice.amount, paid=invoice.paid_before + invoice.paid_direct, claim_open=False
        )
    if not passed_on:
        return payment, None
    item = outbox.enqueue(
        session,
        practice_id=invoice.practice_id,
        kind=delivery.PAYMENT,
        subject_id=payment.id or 0,
        key=f"payment:{payment.reference}",
    )
    return payment, item.id


def _check(invoice: Invoice, claim: Claim | None, amount: Decimal, refuse_withdrawn: bool) -> None:
    if amount <= ZERO:
        raise InvalidInput("Der Betrag muss größer als 0 sein.")
    if refuse_withdrawn and claim is not None and claim.delivery in WITHDRAWING:
        raise PreconditionFailed(
            f"Die Forderung zu Rechnung {invoice.number} wurde zurückgezogen; "
            "die Zahlung wird nicht an 1159 Finance gemeldet. "
            "Bitte ablehnen oder einer anderen Rechnung zuordnen."
        )
    if open_amount(invoice) <= ZERO:
        raise PreconditionFailed(f"Rechnung {invoice.number} ist bereits vollständig bezahlt.")
    if invoice.status == InvoiceStatus.COMPLETE:
        # The agency collected everything: its case is closed and would refuse the report.
        raise PreconditionFailed(
            f"Rechnung {invoice.number} ist bereits vollständig bezahlt: "
            "1159 Finance hat den vollen Betrag erhalten."
        )
    if amount > open_amount(invoice):
        raise InvalidInput(
            f"{format_eur(amount)} ist mehr als offen ist ({format_eur(open_amount(invoice))}). "
            "Bitte den Betrag prüfen."
        )
    outstanding = claim.outstanding if claim is not None and claim.delivery in OPEN else None
    if outstanding is not None and amount > outstanding:
        # The agency refuses more than its case's outstanding amount for good; say so now.
        raise InvalidInput(
            f"{format_eur(amount)} ist mehr, als bei 1159 Finance noch offen ist "
            f"({format_eur(outstanding)}). Bitte den Betrag prüfen."
        )
