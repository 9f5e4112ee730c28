"""Payments ("Zahlung empfangen"): money the patient paid the practice directly."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from core.db.engine import UnitOfWork
from core.domain.dates import format_date, parse_date, today
from core.domain.errors import InvalidInput
from core.domain.money import ZERO, format_eur, parse_amount
from core.finance1159.client import Finance1159Client
from core.services.collection import delivery, payment_ledger
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
        payment, item_id = payment_ledger.book(
            session,
            invoice,
            amount=value,
            paid_on=day,
            origin=payment_ledger.origin_of(actor),
            recorded_by=actor.label,
        )
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
        open_amount = payment_ledger.open_amount(invoice)
        text = f"Zahlung über {format_eur(value)} vom {format_date(day)} für {invoice.number} erfasst. "
        text += f"Noch offen: {format_eur(open_amount)}."
        passed_on = item_id is not None
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
