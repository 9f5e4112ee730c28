"""Withdrawal ("Forderung zurückziehen"): a claim created by mistake, while nothing was collected."""

from __future__ import annotations

from sqlmodel import Session, select

from core import outbox
from core.db.engine import UnitOfWork
from core.db.models import Claim, OutboxItem
from core.domain.claim_lifecycle import WITHDRAWING, ClaimEvent
from core.domain.errors import AgencyRejected, PreconditionFailed
from core.domain.money import ZERO
from core.finance1159.client import Finance1159Client
from core.services.collection import delivery
from core.services.collection.claims import attempt_key, claim_for, locked_invoice
from core.services.collection.lifecycle import end, move
from core.services.people import audit
from core.services.people.access import Actor, Permission, require

__all__ = ["queue_withdrawal", "stop", "withdraw"]


def queue_withdrawal(uow: UnitOfWork, *, practice_id: int, actor: Actor, number: str) -> list[int]:
    """Withdraw a claim created by mistake; returns the outbox items to deliver, in order (none if
    the claim never left the practice)."""
    require(actor, Permission.WITHDRAW_CLAIM)
    with uow:
        session = uow.session
        locked_invoice(session, practice_id, number)  # two managers at once: one withdrawal
        invoice, claim = claim_for(session, practice_id=practice_id, number=number)
        if claim.delivery in WITHDRAWING:
            raise PreconditionFailed(f"Die Forderung {invoice.number} ist bereits zurückgezogen.")
        if claim.paid_to_agency > ZERO:
            raise PreconditionFailed(
                f"1159 Finance hat für {invoice.number} schon Geld eingenommen; zurückziehen geht nicht mehr."
            )
        items = stop(session, practice_id, claim, invoice.number)
        audit.record(
            session,
            practice_id=practice_id,
            actor=actor,
            action="claim.withdraw",
            subject=f"invoice:{invoice.number}",
            case_id=claim.case_id,
        )
        uow.commit()
        return items


async def withdraw(
    uow: UnitOfWork, *, finance: Finance1159Client, practice_id: int, actor: Actor, number: str
) -> str:
    items = queue_withdrawal(uow.fresh(), practice_id=practice_id, actor=actor, number=number)
    if not items:
        return f"Forderung {number} ist zurückgezogen (sie war noch nicht übermittelt)."
    for item_id in items:
        result = await delivery.deliver(uow.fresh(), finance=finance, item_id=item_id)
        if not result.done:
            break
    if result.done:
        with uow.fresh() as reading:
            _, claim = claim_for(reading.session, practice_id=practice_id, number=number)
            reached_agency = claim.case_id is not None
        if not reached_agency:
            return f"Forderung {number} ist zurückgezogen (bei 1159 Finance war sie nicht angekommen)."
        return f"Forderung {number} ist bei 1159 Finance zurückgezogen."
    if result.failed:
        raise AgencyRejected(
            f"1159 Finance hat die Rücknahme von {number} abgelehnt: {result.message}",
            f"withdrawal of {number} refused: {result.message}",
        )
    return f"Rücknahme von {number} ist vorgemerkt. {result.message}"


def stop(session: Session, practice_id: int, claim: Claim, number: str) -> list[int]:
    """Withdraw `claim` in the caller's transaction: ended here if it never left the practice, else
    queued for withdrawal at the agency. Returns the outbox items to deliver, in order."""
    items: list[int] = []
    pending = session.exec(
        select(OutboxItem).where(
            OutboxItem.kind == delivery.CLAIM,
            OutboxItem.subject_id == claim.id,
            OutboxItem.state == outbox.PENDING,
        )
    ).first()
    if claim.case_id is None and (pending is None or outbox.cancel_untouched(session, pending)):
        # Never sent: nothing can be at the agency.
        end(session, claim, ClaimEvent.WITHDRAW_UNSENT)
        return items
    # Sent, or taken up without an answer (maybe being sent right now): the claim's own item,
    # if still pending, finds out whether the agency has the case, without creating it;
    # then the case is withdrawn.
    move(claim, ClaimEvent.WITHDRAW)
    if pending is not None:
        items.append(pending.id or 0)
    key = attempt_key(session, delivery.WITHDRAWAL, claim.id or 0, f"withdrawal:{practice_id}:{number}")
    item = outbox.enqueue(
        session, practice_id=practice_id, kind=delivery.WITHDRAWAL, subject_id=claim.id or 0, key=key
    )
    items.append(item.id or 0)
    return items
