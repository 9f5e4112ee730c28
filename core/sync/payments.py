"""Mirror the payments the agency lists: its own receipts are stored once, ours get their remote id."""

from __future__ import annotations

from collections.abc import Sequence

from sqlmodel import Session, col, select

from core.db.engine import UnitOfWork
from core.db.models import Claim, Payment
from core.finance1159 import wire
from core.services.collection.case_mirror import add_agency_payment

__all__ = ["apply_payments"]


def apply_payments(uow: UnitOfWork, practice_id: int, payments: Sequence[wire.Payment]) -> int:
    """Returns how many agency payments were new. Run after the cases, so claims know their case."""
    added = 0
    with uow:
        session = uow.session
        case_ids = sorted({p.case_id for p in payments})
        claims: dict[int, Claim] = {}
        for start in range(0, len(case_ids), 500):
            for claim in session.exec(
                select(Claim).where(
                    Claim.practice_id == practice_id, col(Claim.case_id).in_(case_ids[start : start + 500])
                )
            ).all():
                claims[claim.case_id or 0] = claim
        for payment in payments:
            found = claims.get(payment.case_id)
            if found is None:
                continue
            claim = found
            if payment.source == wire.PaymentSource.AGENCY:
                added += int(add_agency_payment(session, claim, payment))
            elif payment.reference:
                _confirm_ours(session, practice_id, payment)
        uow.commit()
    return added


def _confirm_ours(session: Session, practice_id: int, payment: wire.Payment) -> None:
    ours = session.exec(
        select(Payment).where(
            Payment.practice_id == practice_id,
            Payment.source == "practice",
            Payment.reference == payment.reference,
        )
    ).first()
    if ours is not None and ours.remote_id is None:
        ours.remote_id = payment.payment_id
