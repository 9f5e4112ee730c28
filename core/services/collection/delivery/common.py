"""What the collection's outbox handlers share: the item kinds, waiting for the claim, a refusal."""

from __future__ import annotations

from sqlmodel import Session

from core.db.models import Claim, Notification, OutboxItem
from core.domain.errors import AgencyRejected
from core.finance1159.client import Finance1159Client
from core.outbox import NotYet
from core.services.people import audit

CLAIM, PAYMENT, WITHDRAWAL = "claim", "payment", "withdrawal"


class Sender:
    """A handler's access to 1159 Finance, chosen when the handlers are made."""

    def __init__(self, finance: Finance1159Client) -> None:
        self.finance = finance


def item_claim(session: Session, item: OutboxItem) -> Claim:
    """The claim an item of kind CLAIM or WITHDRAWAL is about."""
    claim = session.get(Claim, item.subject_id)
    assert claim is not None
    return claim


def waiting_for_claim() -> NotYet:
    """A payment or a withdrawal that must wait until the claim's own item is delivered."""
    return NotYet("Wartet auf die Übermittlung der Forderung.", "waiting for the claim")


def note_refusal(session: Session, item: OutboxItem, what: str, exc: AgencyRejected) -> None:
    """Audit a write refused for good and tell the practice; `what` names it ("Forderung R-1")."""
    audit.record(
        session,
        practice_id=item.practice_id,
        actor="worker",
        action=f"outbox.{item.kind}.failed",
        subject=what,
        reason=exc.log_message,
    )
    session.add(
        Notification(
            practice_id=item.practice_id,
            kind="failure",
            text=f"{what}: 1159 Finance hat abgelehnt. {exc.user_message}",
        )
    )


__all__ = ["CLAIM", "PAYMENT", "WITHDRAWAL", "Sender", "item_claim", "note_refusal", "waiting_for_claim"]
