"""Reporting a direct payment to 1159 Finance from the outbox, once its claim has a case there."""

from __future__ import annotations

from sqlmodel import Session

from core.db.engine import UnitOfWork
from core.db.models import Claim, OutboxItem, Payment
from core.domain.claim_lifecycle import OPEN, PaymentEvent
from core.domain.errors import AgencyRejected
from core.finance1159.wire import PaymentIn
from core.outbox import finish
from core.services.collection.delivery.common import Sender, note_refusal, waiting_for_claim
from core.services.collection.lifecycle import move_payment
from core.services.people import audit


class PaymentSender(Sender):
    """The outbox handler of kind PAYMENT (the agency's idempotency key is the payment's reference)."""

    async def send(self, uow: UnitOfWork, item: OutboxItem) -> None:
        with uow:
            payment = _payment(uow.session, item)
            claim = uow.session.get(Claim, payment.claim_id) if payment.claim_id else None
            if claim is None or claim.delivery not in OPEN:  # the claim ended without the agency
                move_payment(payment, PaymentEvent.NOT_PASSED_ON)
                finish(uow.session, item)
                uow.commit()
                return
            if claim.case_id is None:
                raise waiting_for_claim()
            body = PaymentIn(
                case_id=claim.case_id,
                amount=payment.amount,
                date=payment.paid_on,
                reference=payment.reference,
            )
        remote_id = await self.finance.report_payment(body)
        with uow:
            payment = _payment(uow.session, item)
            move_payment(payment, PaymentEvent.REPORTED)
            payment.remote_id, payment.failure_reason = remote_id, ""
            finish(uow.session, item)
            audit.record(
                uow.session,
                practice_id=payment.practice_id,
                actor="worker",
                action="payment.reported",
                subject=f"payment:{payment.reference}",
                remote_id=remote_id,
            )
            uow.commit()

    def refused(self, session: Session, item: OutboxItem, exc: AgencyRejected) -> None:
        payment = _payment(session, item)
        move_payment(payment, PaymentEvent.REFUSED)
        payment.failure_reason = exc.user_message
        note_refusal(session, item, f"Zahlung {payment.reference}", exc)


def _payment(session: Session, item: OutboxItem) -> Payment:
    payment = session.get(Payment, item.subject_id)
    assert payment is not None
    return payment


__all__ = ["PaymentSender"]
