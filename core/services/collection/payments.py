"""Payments ("Zahlung empfangen"): money the patient paid the practice directly."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlmodel import select

from core import outbox
from core.db.engine import UnitOfWork
from core.db.models import Claim, Payment
from core.domain.claim_lifecycle import OPEN, PaymentDelivery
from core.domain.claims import InvoiceStatus, invoice_status
from core.domain.dates import format_date, parse_date, today
from core.domain.errors import InvalidInput, PreconditionFailed
from core.domain.money import ZERO, format_eur, parse_amount
from core.finance1159.client import Finance1159Client
from core.services.collection import delivery
from core.services.collection.claims import locked_invoice
from core.services.people import audit
from core.services.people.access import Actor, Permission, require

__all__ = ["PaymentOutcome", "record", "record_and_send"]


@dataclass(frozen=True)
class PaymentOutcome:
    number: str
    amount: Decimal
    paid_on: date
    open_amount: Decimal
    passed_on: bool  # goes to 1159 Finance (the invoice is in collection)
    delivered: bool
    message: str


def record(
    uow: UnitOfWork,
    *,
    practice_id: int,
    actor: Actor,
    number: str,
    amount: str | Decimal,
    paid_on: str | date | None = None,
    on: date | None = None,
) -> tuple[PaymentOutcome, int | None]:
    """Store the payment (and its outbox item when a claim exists) in one transaction."""
    require(actor, Permission.RECORD_PAYMENT)
    on = on or today()
    value = amount if isinstance(amount, Decimal) else parse_amount(amount)
    if value <= ZERO:
        raise InvalidInput("Der Betrag muss größer als 0 sein.")
    day = (
        paid_on
        if isinstance(paid_on, date)
        else (parse_date(paid_on, field="Zahlungsdatum") if paid_on else on)
    )
    if day > on:
        raise InvalidInput(
            f"Das Zahlungsdatum {format_date(day)} liegt in der Zukunft. Bitte das Datum prüfen."
        )
    with uow:
        session = uow.session
        invoice = locked_invoice(session, practice_id, number)
        if day < invoice.invoice_date:
            raise InvalidInput(
                f"Das Zahlungsdatum liegt vor dem Rechnungsdatum ({format_date(invoice.invoice_date)})."
            )
        if invoice.open_amount <= ZERO:
            raise PreconditionFailed(f"Rechnung {invoice.number} ist bereits vollständig bezahlt.")
        if invoice.status == InvoiceStatus.COMPLETE:
            # The agency collected everything: its case is closed and would refuse the report.
            raise PreconditionFailed(
                f"Rechnung {invoice.number} ist bereits vollständig bezahlt: "
                "1159 Finance hat den vollen Betrag erhalten."
            )
        if value > invoice.open_amount:
            raise InvalidInput(
                f"{format_eur(value)} ist mehr als offen ist ({format_eur(invoice.open_amount)}). "
                "Bitte den Betrag prüfen."
            )
        claim = session.exec(select(Claim).where(Claim.invoice_id == invoice.id)).first()
        passed_on = claim is not None and claim.delivery in OPEN
        if passed_on and claim is not None and claim.outstanding is not None and value > claim.outstanding:
            # The agency refuses more than its case's outstanding amount for good; say so now.
            raise InvalidInput(
                f"{format_eur(value)} ist mehr, als bei 1159 Finance noch offen ist "
                f"({format_eur(claim.outstanding)}). Bitte den Betrag prüfen."
            )
        payment = Payment(
            practice_id=practice_id,
            invoice_id=invoice.id or 0,
            claim_id=claim.id if claim else None,
            source="practice",
            amount=value,
            paid_on=day,
            reference=f"P{practice_id}-{uuid.uuid4().hex[:16]}",
            delivery=PaymentDelivery.QUEUED if passed_on else PaymentDelivery.NONE,
            recorded_by=actor.label,
        )
        session.add(payment)
        session.flush()
        invoice.paid_direct += value
        if invoice.status not in (InvoiceStatus.IN_COLLECTION, InvoiceStatus.COMPLETE):
            invoice.status = invoice_status(
                amount=invoice.amount, paid=invoice.paid_before + invoice.paid_direct, claim_open=False
            )
        item_id = None
        if passed_on:
            item = outbox.enqueue(
                session,
                practice_id=practice_id,
                kind=delivery.PAYMENT,
                subject_id=payment.id or 0,
                key=f"payment:{payment.reference}",
            )
            item_id = item.id
        audit.record(
            session,
            practice_id=practice_id,
            actor=actor,
            action="payment.record",
            subject=f"invoice:{invoice.number}",
            amount=value,
            paid_on=day,
            reference=payment.reference,
        )
        uow.commit()
        open_amount = invoice.open_amount
        text = f"Zahlung über {format_eur(value)} vom {format_date(day)} für {invoice.number} erfasst. "
        text += f"Noch offen: {format_eur(open_amount)}."
        return PaymentOutcome(invoice.number, value, day, open_amount, passed_on, False, text), item_id


async def record_and_send(
    uow: UnitOfWork,
    *,
    finance: Finance1159Client,
    practice_id: int,
    actor: Actor,
    number: str,
    amount: str | Decimal,
    paid_on: str | date | None = None,
) -> PaymentOutcome:
    outcome, item_id = record(
        uow.fresh(), practice_id=practice_id, actor=actor, number=number, amount=amount, paid_on=paid_on
    )
    if item_id is None:
        return outcome
    result = await delivery.deliver(uow.fresh(), finance=finance, item_id=item_id)
    suffix = (
        " An 1159 Finance gemeldet."
        if result.done
        else " Wird an 1159 Finance weitergegeben, sobald die Verbindung steht."
    )
    return PaymentOutcome(
        outcome.number,
        outcome.amount,
        outcome.paid_on,
        outcome.open_amount,
        True,
        result.done,
        outcome.message + suffix,
    )
