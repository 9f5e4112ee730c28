"""The monthly report for the tax advisor, from the product's own records, aggregated in SQL.

Per case and in total: what debtors paid 1159 Finance in the month, the fees the agency charged
debtors (by kind), and the case fees the practice owes the agency. Payments the practice received
directly are in its own cash book already; they are shown as a note, not as a column.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import type_coerce
from sqlmodel import Session, col, func, select

from core.db.engine import UnitOfWork
from core.db.models import Claim, Fee, Invoice, Patient, Payment, Practice
from core.db.types import Cents
from core.domain.claim_lifecycle import PASSED_ON
from core.domain.dates import utcnow
from core.domain.errors import NotFound
from core.domain.money import ZERO
from core.services.accounting.ledger import DEBTOR_FEE_KINDS, Period, case_fee_claims, period
from core.services.people.access import Actor, Permission, require

__all__ = ["CaseLine", "MonthlyReport", "PracticeHeader", "monthly_report"]


@dataclass(frozen=True)
class CaseLine:
    claim_id: int
    case_id: int | None
    reference: str
    debtor: str
    paid_to_agency: Decimal
    debtor_fees: Decimal
    case_fee: Decimal


@dataclass(frozen=True)
class PracticeHeader:
    name: str
    address: str
    email: str
    tax_number: str = ""  # Steuernummer, or a USt-IdNr. (starts with DE): practice_fields checks it


@dataclass
class MonthlyReport:
    practice: PracticeHeader
    span: Period
    lines: list[CaseLine]
    fees_by_kind: dict[str, Decimal]
    creditor_payments: Decimal
    generated_at: datetime = field(default_factory=utcnow)

    @property
    def paid_to_agency(self) -> Decimal:
        return sum((x.paid_to_agency for x in self.lines), ZERO)

    @property
    def debtor_fees(self) -> Decimal:
        return sum((x.debtor_fees for x in self.lines), ZERO)

    @property
    def case_fees(self) -> Decimal:
        return sum((x.case_fee for x in self.lines), ZERO)

    @property
    def empty(self) -> bool:
        return not self.lines

    @property
    def note(self) -> str:
        if self.empty:
            return f"Im Monat {self.span.label} gab es keine Buchungen über 1159 Finance."
        return ""


def _sum(column: object) -> object:
    return type_coerce(func.sum(column), Cents)


def monthly_report(
    uow: UnitOfWork, *, practice_id: int, actor: Actor, month: str, on: date | None = None
) -> MonthlyReport:
    """The month's report; a month in the future is refused, a month without data is empty."""
    require(actor, Permission.VIEW_REPORTS)
    span = period(month, on=on)
    with uow:
        session = uow.session
        practice = session.get(Practice, practice_id)
        if practice is None:
            raise NotFound("Es ist noch keine Praxis eingerichtet.")
        paid = _paid_by_claim(session, practice_id, span)
        fees, by_kind = _fees_by_claim(session, practice_id, span)
        case_fees = {
            c.id or 0: c.case_fee for c in case_fee_claims(session, practice_id=practice_id, span=span)
        }
        ids = sorted(set(paid) | set(fees) | set(case_fees))
        lines = [
            CaseLine(
                cid, case, ref, debtor, paid.get(cid, ZERO), fees.get(cid, ZERO), case_fees.get(cid, ZERO)
            )
            for cid, case, ref, debtor in _claims(session, ids)
        ]
        header = PracticeHeader(
            practice.name,
            ", ".join(p for p in (practice.street, f"{practice.zip} {practice.city}".strip()) if p),
            practice.email,
            practice.tax_number,
        )
        return MonthlyReport(header, span, lines, by_kind, _creditor_total(session, practice_id, span))


def _paid_by_claim(session: Session, practice_id: int, span: Period) -> dict[int, Decimal]:
    rows = session.exec(
        select(Payment.claim_id, _sum(Payment.amount))  # type: ignore[call-overload]
        .where(
            Payment.practice_id == practice_id,
            Payment.source == "agency",
            col(Payment.claim_id).is_not(None),
            col(Payment.paid_on) >= span.start,
            col(Payment.paid_on) < span.end,
        )
        .group_by(Payment.claim_id)
    ).all()
    return {int(cid): amount for cid, amount in rows}


def _fees_by_claim(
    session: Session, practice_id: int, span: Period
) -> tuple[dict[int, Decimal], dict[str, Decimal]]:
    rows = session.exec(
        select(Fee.claim_id, Fee.type, _sum(Fee.amount))  # type: ignore[call-overload]
        .where(
            Fee.practice_id == practice_id,
            col(Fee.type).in_(DEBTOR_FEE_KINDS),
            col(Fee.charged_on) >= span.start,
            col(Fee.charged_on) < span.end,
        )
        .group_by(Fee.claim_id, Fee.type)
    ).all()
    per_claim: dict[int, Decimal] = {}
    by_kind = dict.fromkeys(DEBTOR_FEE_KINDS, ZERO)
    for cid, kind, amount in rows:
        per_claim[cid] = per_claim.get(cid, ZERO) + amount
        by_kind[kind] += amount
    return per_claim, by_kind


def _creditor_total(session: Session, practice_id: int, span: Period) -> Decimal:
    total = session.exec(
        select(_sum(Payment.amount)).where(  # type: ignore[call-overload]
            Payment.practice_id == practice_id,
            Payment.source == "practice",
            col(Payment.claim_id).is_not(None),
            col(Payment.delivery).in_(PASSED_ON),
            col(Payment.paid_on) >= span.start,
            col(Payment.paid_on) < span.end,
        )
    ).one()
    return total if isinstance(total, Decimal) else ZERO


def _claims(session: Session, ids: list[int]) -> list[tuple[int, int | None, str, str]]:
    if not ids:
        return []
    columns = (
        Claim.id,
        Claim.case_id,
        Claim.reference,
        Patient.first_name,
        Patient.last_name,
        Patient.company,
    )
    rows = session.exec(
        select(*columns)  # type: ignore[call-overload]
        .join(Invoice, col(Invoice.id) == col(Claim.invoice_id))
        .join(Patient, col(Patient.id) == col(Invoice.patient_id))
        .where(col(Claim.id).in_(ids))
        .order_by(col(Claim.case_id), col(Claim.reference))
    ).all()
    return [(cid, case, ref, company or f"{first} {last}") for cid, case, ref, first, last, company in rows]
