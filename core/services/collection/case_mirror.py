"""Apply what 1159 Finance reports about a case to our records: one place for status, sync and demo."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from core.db.models import Claim, Fee, Invoice, Notification, Payment
from core.domain.claim_lifecycle import AgencyStatus, ClaimEvent, PaymentDelivery, agency_label
from core.domain.claims import InvoiceStatus
from core.domain.dates import utcnow
from core.domain.money import ZERO, format_eur
from core.finance1159 import wire
from core.services.collection.lifecycle import move
from core.services.people import audit

__all__ = ["MIRROR_COLUMNS", "add_agency_payment", "apply_case", "case_values", "fee_key", "mirror_row"]

# The claim's columns that mirror a case, in the order mirror_row() gives them.
MIRROR_COLUMNS = (
    "agency_status",
    "interest",
    "fees_total",
    "paid_to_agency",
    "paid_to_creditor",
    "outstanding",
    "agency_updated_at",
    "closed_at",
    "status_as_of",
)


def mirror_row(case: wire.Case, as_of: datetime) -> tuple[Any, ...]:
    """The values of MIRROR_COLUMNS for a case; `as_of` is when the agency was asked."""
    fees_total = sum((f.amount for f in case.fees), ZERO) if case.fees else ZERO
    return (
        case.status,
        case.interest,
        fees_total,
        case.paid_to_agency,
        case.paid_to_creditor,
        case.outstanding,
        case.updated_at,
        case.closed_at,
        as_of,
    )


def case_values(case: wire.Case, *, as_of: datetime | None = None) -> dict[str, Any]:
    """MIRROR_COLUMNS and their values for a case, as of now unless given."""
    return dict(zip(MIRROR_COLUMNS, mirror_row(case, as_of or utcnow()), strict=True))


def fee_key(fees: Iterable[tuple[str, Decimal, date]]) -> list[tuple[str, Decimal, date]]:
    """Fees as comparable (type, amount, date) rows, whether stored or reported."""
    return sorted(fees)


def apply_case(
    session: Session, claim: Claim, case: wire.Case, *, stored_fees: Sequence[Fee] | None = None
) -> bool:
    """Mirror one case; returns True if anything changed. Raises notifications for the chat.

    `stored_fees` are the claim's fees as stored now, when the caller loaded them in bulk.
    """
    before = (claim.agency_status, claim.paid_to_agency, claim.outstanding, claim.fees_total)
    old_status = claim.agency_status
    claim.case_id = claim.case_id or case.case_id
    for name, value in case_values(case).items():
        setattr(claim, name, value)
    move(claim, ClaimEvent.FOUND_AT_AGENCY)
    _replace_fees(session, claim, case, stored_fees)
    changed = before != (claim.agency_status, claim.paid_to_agency, claim.outstanding, claim.fees_total)
    if case.status != old_status:
        _on_status_change(session, claim, old_status, case.status)
    return changed


def _replace_fees(session: Session, claim: Claim, case: wire.Case, stored: Sequence[Fee] | None) -> None:
    if stored is None:
        stored = session.exec(select(Fee).where(Fee.claim_id == claim.id)).all()
    if fee_key((f.type, f.amount, f.charged_on) for f in stored) == fee_key(
        (f.type, f.amount, f.date) for f in case.fees
    ):
        return  # the usual case: nothing to write
    # No session synchronisation: by default the ORM scans every object in the session for each
    # DELETE, which made a sync of many cases quadratic. The old rows leave the session by hand.
    session.execute(
        delete(Fee).where(col(Fee.claim_id) == claim.id).execution_options(synchronize_session=False)
    )
    for old in stored:
        if old in session:
            session.expunge(old)
    seen: Counter[tuple[str, object]] = Counter()
    for fee in case.fees:
        key = (fee.type, fee.date)
        session.add(
            Fee(
                practice_id=claim.practice_id,
                claim_id=claim.id or 0,
                type=fee.type,
                amount=fee.amount,
                charged_on=fee.date,
                seq=seen[key],
            )
        )
        seen[key] += 1


def _on_status_change(session: Session, claim: Claim, old: str, new: str) -> None:
    invoice = session.get(Invoice, claim.invoice_id)
    assert invoice is not None
    audit.record(
        session,
        practice_id=claim.practice_id,
        actor="worker",
        action="claim.status",
        subject=f"invoice:{claim.reference}",
        old=old,
        new=new,
    )
    if new == AgencyStatus.PAID:
        invoice.status = InvoiceStatus.COMPLETE
        audit.record(
            session,
            practice_id=claim.practice_id,
            actor="worker",
            action="invoice.complete",
            subject=f"invoice:{claim.reference}",
        )
        text = (
            f"✅ Rechnung {claim.reference} ist vollständig: 1159 Finance hat den vollen Betrag erhalten "
            f"({format_eur(claim.paid_to_agency)} beim Inkassobüro)."
        )
        session.add(Notification(practice_id=claim.practice_id, kind="complete", text=text))
        return
    if new == AgencyStatus.UNCOLLECTIBLE:
        invoice.status = InvoiceStatus.UNCOLLECTIBLE
    session.add(
        Notification(
            practice_id=claim.practice_id,
            kind="status",
            text=f"Forderung {claim.reference}: jetzt „{agency_label(new)}“ (vorher „{agency_label(old)}“).",
        )
    )


def add_agency_payment(session: Session, claim: Claim, payment: wire.Payment) -> bool:
    """Record a payment the agency received; the same payment twice is stored once."""
    if payment.source != wire.PaymentSource.AGENCY:
        return False
    exists = session.exec(
        select(Payment.id).where(
            Payment.practice_id == claim.practice_id,
            Payment.source == "agency",
            Payment.reference == str(payment.payment_id),
        )
    ).first()
    if exists is not None:
        return False
    try:
        with session.begin_nested():
            session.add(
                Payment(
                    practice_id=claim.practice_id,
                    invoice_id=claim.invoice_id,
                    claim_id=claim.id,
                    source="agency",
                    amount=payment.amount,
                    paid_on=payment.date,
                    reference=str(payment.payment_id),
                    remote_id=payment.payment_id,
                    delivery=PaymentDelivery.NONE,
                    recorded_by="1159 Finance",
                )
            )
    except IntegrityError:
        return False  # another worker stored it first
    return True
