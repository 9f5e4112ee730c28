"""Every precondition of a hand-over, in the order staff should hear about them, and its fee."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import and_, not_, or_
from sqlmodel import Session, col, select

from core.db.models import Claim, Invoice, Practice
from core.domain.case_fees import case_fee, describe_fee
from core.domain.claim_lifecycle import ClaimDelivery
from core.domain.claims import Basis, InvoiceFacts, check_handover
from core.domain.errors import InkassoError, NotFound, PreconditionFailed
from core.domain.onboarding import OnboardingState
from core.services.collection.claim_parties import check_parties
from core.services.collection.consent_spans import spans_for

__all__ = ["HANDED_OVER", "Checked", "check", "practice_of", "refusal"]


# A claim handed over to 1159 Finance or on its way there. Not one refused for good (it may go out
# again once corrected), nor one withdrawn before it reached the agency: neither has a case there.
HANDED_OVER = not_(
    or_(
        col(Claim.delivery) == ClaimDelivery.FAILED,
        and_(col(Claim.delivery) == ClaimDelivery.WITHDRAWN, col(Claim.case_id).is_(None)),
    )
)


def _facts(session: Session, invoice: Invoice) -> InvoiceFacts:
    earlier = session.exec(
        select(HANDED_OVER, Claim.delivery, Claim.case_id).where(Claim.invoice_id == invoice.id)
    ).first()
    has_claim = earlier is not None and bool(earlier[0])
    withdrawn_at_agency = (
        earlier is not None and earlier[1] == ClaimDelivery.WITHDRAWN and earlier[2] is not None
    )
    return InvoiceFacts(
        invoice.number,
        invoice.due_date,
        invoice.open_amount,
        spans_for(session, invoice_id=invoice.id, patient_id=invoice.patient_id),
        invoice.reminder_date,
        invoice.handover_announced,
        has_claim,
        withdrawn_at_agency,
    )


def _require_active(practice: Practice) -> None:
    if practice.onboarding_state != OnboardingState.ACTIVE:
        raise PreconditionFailed(
            "Die Inkasso-Schnittstelle ist noch nicht aktiv "
            f"(Onboarding: „{practice.onboarding_state}“). Den nächsten Schritt zeigt das Onboarding.",
            next_action="onboarding.status",
        )


def practice_of(session: Session, practice_id: int) -> Practice:
    practice = session.get(Practice, practice_id)
    if practice is None:
        raise NotFound("Es ist noch keine Praxis eingerichtet.")
    return practice


@dataclass(frozen=True)
class Checked:
    invoice: Invoice
    basis: Basis
    fee: Decimal
    fee_text: str


def check(
    session: Session, practice: Practice, invoice: Invoice, *, on: date, free_months: int, deadline_days: int
) -> Checked:
    """The legal basis and the fee of handing `invoice` over on `on`; PreconditionFailed if it may not be."""
    basis = check_handover(_facts(session, invoice), today=on, deadline_days=deadline_days)
    check_parties(session, invoice, on=on)
    _require_active(practice)
    start, rate = practice.contract_start, practice.case_fee
    fee = case_fee(contract_start=start, on=on, fee=rate, free_months=free_months)
    text = describe_fee(contract_start=start, on=on, fee=rate, free_months=free_months)
    return Checked(invoice, basis, fee, text)


def refusal(
    session: Session, practice_id: int, invoice: Invoice, *, on: date, free_months: int, deadline_days: int
) -> str | None:
    """Why handing `invoice` over on `on` would be refused (German), or None when it would go out:
    `check` itself, so a list offers the hand-over exactly where the hand-over accepts it."""
    try:
        practice = practice_of(session, practice_id)
        check(session, practice, invoice, on=on, free_months=free_months, deadline_days=deadline_days)
    except InkassoError as exc:
        return exc.user_message
    return None
