"""Withdrawing a claim's case at 1159 Finance from the outbox."""

from __future__ import annotations

from sqlmodel import Session

from core.db.engine import UnitOfWork
from core.db.models import OutboxItem
from core.domain.claim_lifecycle import ClaimDelivery, ClaimEvent
from core.domain.dates import utcnow
from core.domain.errors import AgencyRejected
from core.outbox import finish
from core.services.collection.delivery.common import Sender, item_claim, note_refusal, waiting_for_claim
from core.services.collection.lifecycle import end, move
from core.services.people import audit


class WithdrawalSender(Sender):
    """The outbox handler of kind WITHDRAWAL."""

    async def send(self, uow: UnitOfWork, item: OutboxItem) -> None:
        with uow:
            claim = item_claim(uow.session, item)
            if claim.case_id is None:
                if claim.delivery == ClaimDelivery.WITHDRAWAL_QUEUED:
                    # The claim's own item first finds out whether the agency has it.
                    raise waiting_for_claim()
                finish(uow.session, item)  # it had not: withdrawn without asking the agency
                uow.commit()
                return
            case_id = claim.case_id
        case = await self.finance.withdraw_case(case_id)
        with uow:
            session = uow.session
            claim = item_claim(session, item)
            claim.agency_status, claim.closed_at = case.status, case.closed_at or utcnow()
            end(session, claim, ClaimEvent.WITHDRAWN_AT_AGENCY)
            finish(session, item)
            audit.record(
                session,
                practice_id=claim.practice_id,
                actor="worker",
                action="claim.withdrawn",
                subject=f"invoice:{claim.reference}",
                case_id=case_id,
            )
            uow.commit()

    def refused(self, session: Session, item: OutboxItem, exc: AgencyRejected) -> None:
        claim = item_claim(session, item)
        claim.failure_reason = exc.user_message
        move(claim, ClaimEvent.WITHDRAWAL_REFUSED)  # the case stays at the agency
        note_refusal(session, item, f"Forderung {claim.reference}", exc)


__all__ = ["WithdrawalSender"]
