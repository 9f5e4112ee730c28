"""The dashboard's case list: claims newest first, filtered by status, text and date, paged in SQL."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlmodel import col, func, or_, select

from core.db.engine import UnitOfWork
from core.db.models import Claim, Invoice, Patient
from core.domain.claim_lifecycle import OPEN, WITHDRAWING, ClaimDelivery, claim_label
from core.domain.consents import standing_revocation
from core.domain.dates import today
from core.finance1159 import wire
from core.services.collection.consent_spans import spans_by_invoice
from core.services.people.access import Actor, Permission, require

__all__ = ["CASE_FILTERS", "CasePage", "CaseRow", "cases"]



# Case list filters (German label → condition); "" means all.
CASE_FILTERS: dict[str, Any] = {
    "vorgemerkt": col(Claim.delivery) == ClaimDelivery.QUEUED,
    "abgelehnt": col(Claim.delivery) == ClaimDelivery.FAILED,
    "in Prüfung": col(Claim.agency_status) == wire.CaseStatus.RECEIVED,
    "im Inkasso": col(Claim.agency_status) == wire.CaseStatus.IN_COLLECTION,
    "Ratenzahlung": col(Claim.agency_status) == wire.CaseStatus.INSTALMENT,
    "gerichtlich": col(Claim.agency_status) == wire.CaseStatus.LEGAL,
    "vollständig bezahlt": col(Claim.agency_status) == wire.CaseStatus.PAID,
    "uneinbringlich": col(Claim.agency_status) == wire.CaseStatus.UNCOLLECTIBLE,
    "zurückgezogen": col(Claim.delivery).in_(WITHDRAWING),
    "offen": col(Claim.closed_at).is_(None) & col(Claim.delivery).in_(OPEN),
}


@dataclass(frozen=True)
class CaseRow:
    reference: str
    case_id: int | None
    patient: str
    principal: Decimal
    paid_to_agency: Decimal
    fees_total: Decimal
    outstanding: Decimal | None
    status: str
    handed_over: datetime
    consent_revoked_on: date | None = None  # the patient revoked their consent (a revoked open case)


@dataclass(frozen=True)
class CasePage:
    rows: list[CaseRow]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max((self.total + self.per_page - 1) // self.per_page, 1)


def cases(
    uow: UnitOfWork,
    *,
    practice_id: int,
    actor: Actor,
    status: str = "",
    search: str = "",
    since: date | None = None,
    page: int = 1,
    per_page: int = 25,
) -> CasePage:
    """The claims, newest first, filtered by status label, invoice number or name, and date."""
    require(actor, Permission.VIEW)
    page = max(page, 1)
    filters: list[Any] = [col(Claim.practice_id) == practice_id]
    if status:
        filters.append(CASE_FILTERS[status])
    if since is not None:
        filters.append(col(Claim.created_at) >= datetime(since.year, since.month, since.day, tzinfo=UTC))
    text = search.strip()
    if text:
        like = f"%{text.lower()}%"
        filters.append(
            or_(
                func.lower(col(Claim.reference)).like(like),
                func.lower(col(Patient.last_name)).like(like),
                func.lower(col(Patient.first_name)).like(like),
            )
        )
    base = (
        select(Claim, Patient.first_name, Patient.last_name, Invoice.patient_id)
        .join(Invoice, col(Invoice.id) == col(Claim.invoice_id))
        .join(Patient, col(Patient.id) == col(Invoice.patient_id))
        .where(*filters)
    )
    with uow:
        total = uow.session.exec(select(func.count()).select_from(base.subquery())).one()
        rows = uow.session.exec(
            base.order_by(col(Claim.created_at).desc(), col(Claim.id).desc())
            .offset((page - 1) * per_page)
            .limit(per_page)
        ).all()
        spans = spans_by_invoice(uow.session, [(c.invoice_id, patient) for c, _, _, patient in rows])
    on = today()
    out = [
        CaseRow(
            c.reference,
            c.case_id,
            f"{first} {last}",
            c.principal,
            c.paid_to_agency,
            c.fees_total,
            c.outstanding,
            claim_label(c.delivery, c.agency_status),
            c.created_at,
            standing_revocation(spans[c.invoice_id], on) if c.delivery in OPEN else None,
        )
        for c, first, last, _ in rows
    ]
    return CasePage(out, int(total), page, per_page)
