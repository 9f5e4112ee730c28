"""Every disclosure to 1159 Finance about one patient, with its date and legal basis (Art. 15
Abs. 1 lit. c GDPR): the claims handed over, rebuilt with the one allow-list that built them
(core/services/collection/claim_payload.py), and the direct payments reported on them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from core.db.models import Claim, Invoice, OutboxItem, Payment
from core.domain.claim_lifecycle import ClaimDelivery, PaymentDelivery
from core.domain.claims import LEGAL_BASIS_TEXT, LegalBasis
from core.finance1159.wire import PaymentIn
from core.finance1159.wire.codec import from_json, to_json
from core.services.collection import delivery
from core.services.collection.claim_payload import WITHHELD, claim_payload
from core.services.privacy.subject import Subject

__all__ = ["AGENCY", "disclosures"]

AGENCY = "1159 Finance (Inkassobüro)"
_LAW = {
    LegalBasis.CONSENT: "Einwilligung und Schweigepflichtentbindung (§ 203 StGB; Art. 9 Abs. 2 lit. a DSGVO)",
    LegalBasis.ANNOUNCED_REMINDER: (
        "Durchsetzung der Honorarforderung nach angekündigter Übergabe "
        "(Art. 6 Abs. 1 lit. b und f, Art. 9 Abs. 2 lit. f DSGVO; § 203 StGB)"
    ),
}


def disclosures(session: Session, subject: Subject) -> list[dict[str, Any]]:
    """Oldest first; a claim counts once it reached the agency (accepted or refused by it)."""
    out: list[dict[str, Any]] = []
    for invoice in subject.invoices:
        claim = subject.claims.get(invoice.id or 0)
        sent_at = None if claim is None else _sent_at(session, claim)
        if claim is not None and sent_at is not None:
            out.append(_claim_disclosure(subject, invoice, claim, sent_at))
    for payment in subject.payments:
        if payment.source == "practice" and payment.delivery == PaymentDelivery.SENT:
            out.append(_payment_disclosure(session, subject, payment))
    return sorted(out, key=lambda d: str(d["sent_at"] or ""))


def _claim_disclosure(subject: Subject, invoice: Invoice, claim: Claim, sent_at: datetime) -> dict[str, Any]:
    payload = claim_payload(
        invoice, subject.patient, recipient=subject.recipients.get(invoice.id or 0), principal=claim.principal
    )
    return {
        "kind": "claim",
        "recipient": AGENCY,
        "invoice": claim.reference,
        "sent_at": sent_at,
        "legal_basis": _basis(claim),
        "sent": from_json(to_json(payload)),
        "never_sent": list(WITHHELD),
        "agency_case_id": claim.case_id,
    }


def _payment_disclosure(session: Session, subject: Subject, payment: Payment) -> dict[str, Any]:
    """A direct payment reported on a claim: the amount, date and reference, as sent."""
    claim = next(c for c in subject.claims.values() if c.id == payment.claim_id)
    body = PaymentIn(
        case_id=claim.case_id or 0, amount=payment.amount, date=payment.paid_on, reference=payment.reference
    )
    return {
        "kind": "payment_report",
        "recipient": AGENCY,
        "invoice": claim.reference,
        "sent_at": _done_at(session, delivery.PAYMENT, payment.id or 0),
        "legal_basis": _basis(claim),
        "sent": from_json(to_json(body)),
    }


def _basis(claim: Claim) -> dict[str, str]:
    kind = LegalBasis(claim.legal_basis)
    return {
        "kind": kind.value,
        "date": claim.legal_basis_date.isoformat(),
        "text": LEGAL_BASIS_TEXT[kind].format(date=claim.legal_basis_date.strftime("%d.%m.%Y")),
        "law": _LAW[kind],
    }


def _sent_at(session: Session, claim: Claim) -> datetime | None:
    """When the agency got the claim: accepted (submitted_at) or refused for good by it."""
    if claim.submitted_at is not None:
        return claim.submitted_at
    if claim.delivery == ClaimDelivery.FAILED:
        return _done_at(session, delivery.CLAIM, claim.id or 0)
    return None


def _done_at(session: Session, kind: str, subject_id: int) -> datetime | None:
    return session.exec(
        select(OutboxItem.done_at)
        .where(
            OutboxItem.kind == kind, OutboxItem.subject_id == subject_id, col(OutboxItem.done_at).is_not(None)
        )
        .order_by(col(OutboxItem.done_at).desc())
    ).first()
