"""Moving a claim or a payment along its life (domain/claim_lifecycle.py), and what follows for the
invoice when a claim ends without the agency."""

from __future__ import annotations

from sqlmodel import Session

from core.db.models import Claim, Invoice, Payment
from core.domain.claim_lifecycle import ClaimEvent, PaymentEvent, advance
from core.domain.claims import invoice_status


def move(claim: Claim, event: ClaimEvent) -> None:
    """Apply `event` to the claim's delivery state; IllegalTransition if it does not apply."""
    claim.delivery = advance(claim.delivery, event)


def move_payment(payment: Payment, event: PaymentEvent) -> None:
    payment.delivery = advance(payment.delivery, event)


def invoice_without_claim(session: Session, claim: Claim) -> None:
    """The claim's invoice is the practice's alone again (refused, or withdrawn): its own status."""
    invoice = session.get(Invoice, claim.invoice_id)
    assert invoice is not None
    invoice.status = invoice_status(
        amount=invoice.amount, paid=invoice.paid_before + invoice.paid_direct, claim_open=False
    )


def end(session: Session, claim: Claim, event: ClaimEvent) -> None:
    """The claim ends without a case at the agency (`event`: refused, or withdrawn before it got
    there): the move, and the invoice's own status again."""
    move(claim, event)
    invoice_without_claim(session, claim)


__all__ = ["end", "invoice_without_claim", "move", "move_payment"]
