"""A person decides on a suggestion: accept (book it, report it once), reject, or assign it to
another invoice. Each decision is a conditional UPDATE from "open": of two doors or two workers
deciding at once, exactly one moves it, and only that one books the payment."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, update
from sqlmodel import Session, col

from core.db.engine import UnitOfWork
from core.db.models import Invoice, PaymentSuggestion
from core.domain.dates import format_date, utcnow
from core.domain.errors import NotFound, PreconditionFailed
from core.domain.money import format_eur
from core.finance1159.client import Finance1159Client
from core.services.collection import delivery, payment_ledger
from core.services.collection.claims import locked_invoice
from core.services.invoicing.invoices import find
from core.services.payments_in import suggestions
from core.services.people import audit
from core.services.people.access import Actor, Permission, require

__all__ = ["Decision", "accept", "accept_and_send", "assign", "reject"]


@dataclass(frozen=True)
class Decision:
    suggestion_id: int
    message: str
    item_id: int | None = None  # the outbox item reporting the payment to 1159 Finance


def accept(uow: UnitOfWork, *, practice_id: int, actor: Actor, suggestion_id: int) -> Decision:
    """Book the suggested payment and queue its report; refused in German if it is not open."""
    require(actor, Permission.RECORD_PAYMENT)
    with uow:
        session = uow.session
        row = _moved(session, practice_id, suggestion_id, "accepted", actor)
        invoice = session.get(Invoice, row.invoice_id)
        assert invoice is not None
        invoice = locked_invoice(session, practice_id, invoice.number)
        [booked] = payment_ledger.book_many(
            session,
            [suggestions.booking(practice_id, row.id or 0, row, actor.label)],
            practice_id=practice_id,
            locked=[invoice],
        )
        if booked.refusal is not None:
            raise booked.refusal
        item_id = booked.item_id
        row.payment_id = booked.payment_id
        session.add(row)
        audit.record(
            session,
            practice_id=practice_id,
            actor=actor,
            action="payment_suggestion.accept",
            subject=f"invoice:{invoice.number}",
            amount=row.amount,
            reference=booked.reference,
        )
        uow.commit()
        text = (
            f"Zahlung über {format_eur(row.amount)} vom {format_date(row.paid_on)} für {invoice.number} "
            f"erfasst. Noch offen: {format_eur(payment_ledger.open_amount(invoice))}."
        )
        if item_id is not None:
            text += " Wird an 1159 Finance gemeldet."
        return Decision(suggestion_id, text, item_id)


async def accept_and_send(
    uow: UnitOfWork, *, finance: Finance1159Client, practice_id: int, actor: Actor, suggestion_id: int
) -> Decision:
    decision = accept(uow.fresh(), practice_id=practice_id, actor=actor, suggestion_id=suggestion_id)
    if decision.item_id is None:
        return decision
    result = await delivery.deliver(uow.fresh(), finance=finance, item_id=decision.item_id)
    if not result.done:
        return decision
    text = decision.message.replace("Wird an 1159 Finance gemeldet.", "An 1159 Finance gemeldet.")
    return Decision(suggestion_id, text, decision.item_id)


def reject(uow: UnitOfWork, *, practice_id: int, actor: Actor, suggestion_id: int) -> Decision:
    require(actor, Permission.RECORD_PAYMENT)
    with uow:
        row = _moved(uow.session, practice_id, suggestion_id, "rejected", actor)
        audit.record(
            uow.session,
            practice_id=practice_id,
            actor=actor,
            action="payment_suggestion.reject",
            subject=f"suggestion:{row.id}",
        )
        uow.commit()
        return Decision(suggestion_id, f"Vorschlag {suggestion_id} abgelehnt; es wurde nichts erfasst.")


def assign(uow: UnitOfWork, *, practice_id: int, actor: Actor, suggestion_id: int, number: str) -> Decision:
    """Point an open suggestion at another invoice (the matcher chose the wrong one)."""
    require(actor, Permission.RECORD_PAYMENT)
    with uow:
        session = uow.session
        invoice = find(session, practice_id=practice_id, number=number)
        moved = session.execute(
            update(PaymentSuggestion)
            .where(_open(practice_id, suggestion_id))
            .values(
                invoice_id=invoice.id, reason=f"Von {actor.label} der Rechnung {invoice.number} zugeordnet."
            )
            .execution_options(synchronize_session=False)
        )
        if moved.rowcount != 1:  # type: ignore[attr-defined]
            _refuse(session, practice_id, suggestion_id)
        uow.commit()
        return Decision(suggestion_id, f"Vorschlag {suggestion_id} der Rechnung {invoice.number} zugeordnet.")


def _open(practice_id: int, suggestion_id: int) -> ColumnElement[bool]:
    return and_(
        col(PaymentSuggestion.id) == suggestion_id,
        col(PaymentSuggestion.practice_id) == practice_id,
        col(PaymentSuggestion.state) == "open",
    )


def _moved(
    session: Session, practice_id: int, suggestion_id: int, state: str, actor: Actor
) -> PaymentSuggestion:
    """Move the suggestion from open to `state`, or refuse: the UPDATE's row count is the one
    arbiter between deciders (PostgreSQL re-checks the state after the other's commit; SQLite lets
    one writer in at a time)."""
    moved = session.execute(
        update(PaymentSuggestion)
        .where(_open(practice_id, suggestion_id))
        .values(state=state, decided_by=actor.label, decided_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if moved.rowcount != 1:  # type: ignore[attr-defined]
        _refuse(session, practice_id, suggestion_id)
    row = session.get(PaymentSuggestion, suggestion_id)
    assert row is not None
    session.refresh(row)
    return row


def _refuse(session: Session, practice_id: int, suggestion_id: int) -> None:
    row = session.get(PaymentSuggestion, suggestion_id)
    if row is None or row.practice_id != practice_id:
        raise NotFound(
            f"Einen Zahlungsvorschlag {suggestion_id} gibt es nicht. "
            "Offene Vorschläge: inkasso payment suggestions."
        )
    if row.state == "accepted":
        raise PreconditionFailed(
            f"Vorschlag {suggestion_id} wurde bereits angenommen; "
            "die Zahlung ist erfasst und wird nur einmal gemeldet."
        )
    raise PreconditionFailed(
        f"Vorschlag {suggestion_id} wurde abgelehnt und kann nicht mehr angenommen werden."
    )
