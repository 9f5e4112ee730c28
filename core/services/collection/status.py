"""Claim status ("Forderung anzeigen"): fees, payments and what is outstanding, fetched on demand."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal

from sqlmodel import col, select

from core.db.engine import UnitOfWork
from core.db.models import Claim, Fee, Invoice, Patient, Payment
from core.domain.claim_lifecycle import UNSETTLED, ClaimDelivery, PaymentDelivery, claim_label, fee_label
from core.domain.claims import InvoiceStatus
from core.domain.consents import standing_revocation
from core.domain.dates import today
from core.domain.errors import PeerUnavailable
from core.finance1159.client import Finance1159Client
from core.services.collection.case_mirror import add_agency_payment, apply_case
from core.services.collection.claims import claim_for
from core.services.collection.consent_spans import spans_by_invoice, spans_for
from core.services.people.access import Actor, Permission, require

__all__ = ["ClaimStatus", "FeeLine", "PaymentLine", "fetch", "load", "open_cases", "refresh"]


@dataclass(frozen=True)
class FeeLine:
    label: str
    amount: Decimal
    charged_on: date


@dataclass(frozen=True)
class PaymentLine:
    source: str  # practice | agency
    amount: Decimal
    paid_on: date
    delivery: PaymentDelivery
    failure_reason: str = ""


@dataclass(frozen=True)
class ClaimStatus:
    number: str
    patient: str
    invoice_status: str
    delivery: ClaimDelivery
    failure_reason: str
    case_id: int | None
    status: str
    status_label: str
    principal: Decimal
    interest: Decimal
    fees: list[FeeLine]
    fees_total: Decimal
    paid_to_agency: Decimal
    paid_to_practice: Decimal
    outstanding: Decimal | None
    payments: list[PaymentLine]
    as_of: datetime | None
    stale: bool
    note: str
    patient_zip: str = ""  # chats show initials and postal code (core.domain.chat_privacy)
    # the patient revoked their consent after the hand-over (shown on open cases; nothing else changes)
    consent_revoked_on: date | None = None

    @property
    def complete(self) -> bool:
        return self.invoice_status == InvoiceStatus.COMPLETE


async def refresh(uow: UnitOfWork, *, finance: Finance1159Client, practice_id: int, number: str) -> None:
    """Fetch the case and its payments now and mirror them."""
    with uow:
        _, claim = claim_for(uow.session, practice_id=practice_id, number=number)
        case_id = claim.case_id
    if case_id is None:
        return
    case = await finance.get_case(case_id)
    payments = [p async for p in finance.iter_payments(case_id=case_id)]
    with uow:
        _, claim = claim_for(uow.session, practice_id=practice_id, number=number)
        apply_case(uow.session, claim, case)
        for payment in payments:
            add_agency_payment(uow.session, claim, payment)
        uow.commit()


async def fetch(
    uow: UnitOfWork, *, finance: Finance1159Client | None, practice_id: int, actor: Actor, number: str
) -> ClaimStatus:
    """The claim's status; current from 1159 Finance when reachable, else the last known one, marked so."""
    require(actor, Permission.VIEW)
    note, stale = "", False
    if finance is not None:
        try:
            await refresh(uow.fresh(), finance=finance, practice_id=practice_id, number=number)
        except PeerUnavailable as exc:
            stale, note = True, f"{exc.user_message} Angezeigt wird der letzte bekannte Stand."
    return load(uow.fresh(), practice_id=practice_id, number=number, stale=stale, note=note)


def load(
    uow: UnitOfWork, *, practice_id: int, number: str, stale: bool = False, note: str = ""
) -> ClaimStatus:
    with uow:
        session = uow.session
        invoice, claim = claim_for(session, practice_id=practice_id, number=number)
        patient = session.get(Patient, invoice.patient_id)
        assert patient is not None
        fees = session.exec(select(Fee).where(Fee.claim_id == claim.id).order_by(col(Fee.charged_on))).all()
        payments = session.exec(
            select(Payment)
            .where(Payment.invoice_id == invoice.id)
            .order_by(col(Payment.paid_on), col(Payment.id))
        ).all()
        found = _status(
            invoice,
            claim,
            f"{patient.first_name} {patient.last_name}",
            list(fees),
            list(payments),
            stale,
            note,
            patient.zip,
        )
        spans = spans_for(session, invoice_id=invoice.id, patient_id=invoice.patient_id)
        return replace(found, consent_revoked_on=standing_revocation(spans, today()))


def _status(
    invoice: Invoice,
    claim: Claim,
    patient: str,
    fees: list[Fee],
    payments: list[Payment],
    stale: bool,
    note: str,
    patient_zip: str = "",
) -> ClaimStatus:
    practice_paid = sum(
        (p.amount for p in payments if p.source == "practice" and p.claim_id), Decimal("0.00")
    )
    return ClaimStatus(
        number=invoice.number,
        patient=patient,
        invoice_status=invoice.status,
        delivery=claim.delivery,
        failure_reason=claim.failure_reason,
        case_id=claim.case_id,
        status=claim.agency_status,
        status_label=claim_label(claim.delivery, claim.agency_status),
        principal=claim.principal,
        interest=claim.interest,
        fees=[FeeLine(fee_label(f.type), f.amount, f.charged_on) for f in fees],
        fees_total=claim.fees_total,
        paid_to_agency=claim.paid_to_agency,
        paid_to_practice=max(claim.paid_to_creditor, practice_paid),
        outstanding=claim.outstanding,
        payments=[PaymentLine(p.source, p.amount, p.paid_on, p.delivery, p.failure_reason) for p in payments],
        as_of=claim.status_as_of or claim.submitted_at,
        stale=stale,
        note=note,
        patient_zip=patient_zip,
    )


def open_cases(uow: UnitOfWork, *, practice_id: int, actor: Actor) -> list[ClaimStatus]:
    """Claims still open at the agency (or on their way), oldest first."""
    require(actor, Permission.VIEW)
    with uow:
        rows = uow.session.exec(
            select(Claim, Invoice, Patient)
            .join(Invoice, col(Invoice.id) == col(Claim.invoice_id))
            .join(Patient, col(Patient.id) == col(Invoice.patient_id))
            .where(
                Claim.practice_id == practice_id,
                col(Claim.closed_at).is_(None),
                col(Claim.delivery).in_(UNSETTLED),
            )
            .order_by(col(Claim.created_at), col(Claim.id))
        ).all()
        spans = spans_by_invoice(uow.session, [(inv.id or 0, inv.patient_id) for _, inv, _ in rows])
        on = today()
        return [
            replace(
                _status(inv, claim, f"{pat.first_name} {pat.last_name}", [], [], False, "", pat.zip),
                consent_revoked_on=standing_revocation(spans[inv.id or 0], on),
            )
            for claim, inv, pat in rows
        ]
