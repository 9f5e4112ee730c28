"""Sending a claim to 1159 Finance from the outbox, and recording the agency's answer."""

from __future__ import annotations

from sqlmodel import Session

from core.db.engine import UnitOfWork
from core.db.models import Claim, Invoice, Notification, OutboxItem
from core.domain.claim_lifecycle import WITHDRAWING, ClaimDelivery, ClaimEvent
from core.domain.dates import utcnow
from core.domain.errors import AgencyRejected
from core.finance1159.wire import ClaimIn
from core.outbox import finish
from core.services.collection.claim_parties import parties
from core.services.collection.claim_payload import claim_payload
from core.services.collection.delivery.common import Sender, item_claim, note_refusal
from core.services.collection.lifecycle import end, move
from core.services.people import audit


class ClaimSender(Sender):
    """The outbox handler of kind CLAIM: creates the case (or, once withdrawn, only looks it up)."""

    async def send(self, uow: UnitOfWork, item: OutboxItem) -> None:
        with uow:
            claim = item_claim(uow.session, item)
            withdrawn_meanwhile = claim.delivery in WITHDRAWING
            reference = claim.reference
            known = claim.case_id is not None or claim.delivery == ClaimDelivery.WITHDRAWN
            if not withdrawn_meanwhile:
                payload = _payload(uow.session, claim, uow.settings.invoices_carry_consumer_notice)
        if withdrawn_meanwhile:
            await self._settle_withdrawn(uow, item, reference, known)
            return
        created = await self.finance.create_claim(payload)
        with uow:
            session = uow.session
            claim = item_claim(session, item)
            claim.case_id, claim.debtor_id, claim.agency_status = (
                created.case_id,
                created.debtor_id,
                created.status,
            )
            move(claim, ClaimEvent.ACCEPTED)  # a withdrawal queued meanwhile stays queued
            claim.submitted_at, claim.failure_reason = utcnow(), ""
            if claim.outstanding is None:
                claim.outstanding = claim.principal
            finish(session, item)
            audit.record(
                session,
                practice_id=claim.practice_id,
                actor="worker",
                action="claim.submitted",
                subject=f"invoice:{claim.reference}",
                case_id=created.case_id,
                already_existed=created.already_existed,
            )
            text = f"Forderung {claim.reference} ist bei 1159 Finance angelegt (Fall {created.case_id})."
            session.add(Notification(practice_id=claim.practice_id, kind="status", text=text))
            uow.commit()

    async def _settle_withdrawn(self, uow: UnitOfWork, item: OutboxItem, reference: str, known: bool) -> None:
        """A claim withdrawn while an earlier sending of it had no answer: the case is never created
        now, only looked up by its reference (unless its case is known, e.g. from a sync, or the
        withdrawal is already done). Found, it is recorded, and the withdrawal item withdraws it;
        not found, the agency never had it and the claim is withdrawn here."""
        found = None
        if not known:
            page = await self.finance.list_cases(reference=reference, per_page=1)
            found = page.items[0] if page.items else None
        with uow:
            session = uow.session
            claim = item_claim(session, item)
            if found is not None and claim.case_id is None:
                claim.case_id, claim.debtor_id, claim.agency_status = (
                    found.case_id,
                    found.debtor_id,
                    found.status,
                )
                claim.submitted_at = utcnow()
            elif claim.case_id is None and claim.delivery == ClaimDelivery.WITHDRAWAL_QUEUED:
                end(session, claim, ClaimEvent.NEVER_ARRIVED)
            finish(session, item)
            audit.record(
                session,
                practice_id=claim.practice_id,
                actor="worker",
                action="claim.looked_up",
                subject=f"invoice:{claim.reference}",
                case_id=claim.case_id,
            )
            uow.commit()

    def refused(self, session: Session, item: OutboxItem, exc: AgencyRejected) -> None:
        claim = item_claim(session, item)
        claim.failure_reason = exc.user_message
        end(session, claim, ClaimEvent.REFUSED)
        note_refusal(session, item, f"Forderung {claim.reference}", exc)


def _payload(session: Session, claim: Claim, consumer_notice: bool) -> ClaimIn:
    invoice = session.get(Invoice, claim.invoice_id)
    assert invoice is not None
    patient, recipient = parties(session, invoice)
    # The principal is fixed when the claim is created; later direct payments go apart.
    return claim_payload(
        invoice, patient, recipient=recipient, principal=claim.principal, consumer_notice=consumer_notice
    )


__all__ = ["ClaimSender"]
