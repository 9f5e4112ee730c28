"""Read models for the dashboard: key figures, charts, the case list and a case's timeline.

Everything is aggregated or paged in SQL; nothing here loads all rows of a table.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, extract, not_, or_, type_coerce
from sqlmodel import Session, col, func, select

from core.db.engine import UnitOfWork
from core.db.models import AuditEvent, Claim, Fee, Invoice, Patient, Payment, Practice, User
from core.db.types import Cents
from core.domain.claim_lifecycle import (
    OPEN,
    WITHDRAWING,
    ClaimDelivery,
    agency_label,
    claim_label,
    fee_label,
    payment_label,
)
from core.domain.dates import AgeBucket, age_bucket, days_overdue, local_zone, today
from core.domain.money import ZERO
from core.finance1159 import wire
from core.services.collection.claims import claim_for
from core.services.invoicing.invoices import OPEN_AMOUNT, OPEN_STATES, OverdueItem, OverduePage
from core.services.people.access import Actor, Permission, actor_for_user, require


def _sum(column: Any) -> Any:
    return type_coerce(func.sum(column), Cents)


def _money(value: Decimal | None) -> Decimal:
    return value if value is not None else ZERO


@dataclass(frozen=True)
class Overview:
    open_claims: int
    in_collection: Decimal
    collected_month: Decimal
    collected_year: Decimal
    success_rate: float | None  # paid in full / finished (paid or uncollectible)
    finished: int
    debtor_fees_year: Decimal
    case_fees_year: Decimal


def overview(uow: UnitOfWork, *, practice_id: int, actor: Actor, on: date | None = None) -> Overview:
    require(actor, Permission.VIEW)
    on = on or today()
    year_start, month_start = date(on.year, 1, 1), date(on.year, on.month, 1)
    with uow:
        s = uow.session
        open_count, in_collection = s.exec(
            select(func.count(), _sum(func.coalesce(col(Claim.outstanding), col(Claim.principal)))).where(
                Claim.practice_id == practice_id,
                col(Claim.closed_at).is_(None),
                col(Claim.delivery).in_(OPEN),
            )
        ).one()
        collected = _agency_paid(s, practice_id, year_start), _agency_paid(s, practice_id, month_start)
        paid, finished = s.exec(
            select(
                func.count().filter(col(Claim.agency_status) == wire.CaseStatus.PAID),
                func.count(),
            ).where(
                Claim.practice_id == practice_id,
                col(Claim.agency_status).in_((wire.CaseStatus.PAID, wire.CaseStatus.UNCOLLECTIBLE)),
            )
        ).one()
        fees = s.exec(
            select(_sum(Fee.amount)).where(Fee.practice_id == practice_id, col(Fee.charged_on) >= year_start)
        ).one()
        case_fees = s.exec(
            select(_sum(Claim.case_fee)).where(
                Claim.practice_id == practice_id,
                col(Claim.case_id).is_not(None),
                col(Claim.created_at) >= datetime(on.year, 1, 1, tzinfo=UTC),
            )
        ).one()
    return Overview(
        int(open_count),
        _money(in_collection),
        collected[1],
        collected[0],
        (paid / finished) if finished else None,
        int(finished),
        _money(fees),
        _money(case_fees),
    )


def _agency_paid(session: Session, practice_id: int, since: date) -> Decimal:
    total = session.exec(
        select(_sum(Payment.amount)).where(
            Payment.practice_id == practice_id, Payment.source == "agency", col(Payment.paid_on) >= since
        )
    ).one()
    return _money(total)


def _month_keys(on: date, months: int) -> list[str]:
    keys = []
    year, month = on.year, on.month
    for _ in range(months):
        keys.append(f"{year:04d}-{month:02d}")
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return keys[::-1]


def collected_by_month(
    uow: UnitOfWork, *, practice_id: int, actor: Actor, months: int = 12, on: date | None = None
) -> list[tuple[str, Decimal]]:
    """Money the agency collected per month (the last `months`, oldest first, empty months as 0)."""
    require(actor, Permission.VIEW)
    on = on or today()
    keys = _month_keys(on, months)
    since = date(int(keys[0][:4]), int(keys[0][5:]), 1)
    y, m = extract("year", col(Payment.paid_on)), extract("month", col(Payment.paid_on))
    with uow:
        rows = uow.session.exec(
            select(y, m, _sum(Payment.amount))
            .where(
                Payment.practice_id == practice_id, Payment.source == "agency", col(Payment.paid_on) >= since
            )
            .group_by(y, m)
        ).all()
    found = {f"{int(yy):04d}-{int(mm):02d}": amount for yy, mm, amount in rows}
    return [(k, _money(found.get(k))) for k in keys]


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
        select(Claim, Patient.first_name, Patient.last_name)
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
        )
        for c, first, last in rows
    ]
    return CasePage(out, int(total), page, per_page)


@dataclass(frozen=True)
class TimelineEntry:
    day: date
    at: datetime | None
    what: str
    detail: str
    amount: Decimal | None


def timeline(uow: UnitOfWork, *, practice_id: int, actor: Actor, number: str) -> list[TimelineEntry]:
    """A case's history: handed over, fees, payments, status changes, withdrawal; oldest first."""
    require(actor, Permission.VIEW)
    with uow:
        s = uow.session
        invoice, claim = claim_for(s, practice_id=practice_id, number=number)
        entries = [
            TimelineEntry(
                _local(claim.created_at),
                claim.created_at,
                "An 1159 Finance übergeben",
                f"von {claim.created_by}" + (f", Fall {claim.case_id}" if claim.case_id else ""),
                claim.principal,
            )
        ]
        if claim.case_fee:
            entries.append(
                TimelineEntry(
                    _local(claim.created_at), claim.created_at, "Fallgebühr der Praxis", "", claim.case_fee
                )
            )
        for fee in s.exec(select(Fee).where(Fee.claim_id == claim.id)).all():
            label = f"Gebühr: {fee_label(fee.type)}"
            entries.append(TimelineEntry(fee.charged_on, None, label, "dem Schuldner berechnet", fee.amount))
        for pay in s.exec(select(Payment).where(Payment.invoice_id == invoice.id)).all():
            who = "an 1159 Finance" if pay.source == "agency" else "direkt an die Praxis"
            sent = payment_label(pay.delivery) if pay.source == "practice" else ""
            entries.append(TimelineEntry(pay.paid_on, None, f"Zahlung {who}", sent, pay.amount))
        entries += _audit_entries(s, practice_id, invoice.number)
    # Entries with only a day (fees, payments) come after the timed ones of that day.
    return sorted(entries, key=lambda e: (e.day, e.at or datetime.max.replace(tzinfo=UTC)))


def _local(at: datetime) -> date:
    return at.astimezone(local_zone()).date()


def _audit_entries(session: Session, practice_id: int, number: str) -> list[TimelineEntry]:
    events = session.exec(
        select(AuditEvent)
        .where(
            AuditEvent.practice_id == practice_id,
            AuditEvent.subject == f"invoice:{number}",
            col(AuditEvent.action).in_(("claim.status", "claim.withdraw", "invoice.complete")),
        )
        .order_by(col(AuditEvent.at))
    ).all()
    out = []
    for e in events:
        if e.action == "claim.status":
            old, new = (
                agency_label(str(e.details.get("old", ""))),
                agency_label(str(e.details.get("new", ""))),
            )
            out.append(TimelineEntry(_local(e.at), e.at, "Status geändert", f"{old} → {new}", None))
        elif e.action == "claim.withdraw":
            out.append(TimelineEntry(_local(e.at), e.at, "Forderung zurückgezogen", f"von {e.actor}", None))
        else:
            out.append(TimelineEntry(_local(e.at), e.at, "Rechnung vollständig bezahlt", "", None))
    return out


def fees_by_type_and_month(
    uow: UnitOfWork, *, practice_id: int, actor: Actor, year: int
) -> list[tuple[str, str, Decimal]]:
    """Fees 1159 Finance charged debtors in `year`: (JJJJ-MM, German type, sum), month by month."""
    require(actor, Permission.VIEW)
    m = extract("month", col(Fee.charged_on))
    with uow:
        rows = uow.session.exec(
            select(m, Fee.type, _sum(Fee.amount))
            .where(
                Fee.practice_id == practice_id,
                col(Fee.charged_on) >= date(year, 1, 1),
                col(Fee.charged_on) < date(year + 1, 1, 1),
            )
            .group_by(m, Fee.type)
            .order_by(m, Fee.type)
        ).all()
    return [(f"{year:04d}-{int(mm):02d}", fee_label(kind), _money(amount)) for mm, kind, amount in rows]


@dataclass(frozen=True)
class CaseFees:
    contract_start: date | None
    free_until: date | None
    free_now: bool
    fee: Decimal
    by_month: list[tuple[str, int, int, Decimal]]  # (JJJJ-MM, hand-overs, free ones, sum)


def case_fees(
    uow: UnitOfWork,
    *,
    practice_id: int,
    actor: Actor,
    year: int,
    free_months: int = 6,
    on: date | None = None,
) -> CaseFees:
    """The practice's own case fees per month of `year`, and the free first months of the contract."""
    require(actor, Permission.VIEW)
    on = on or today()
    created = col(Claim.created_at)
    m = extract("month", created)
    with uow:
        practice = uow.session.get(Practice, practice_id)
        rows = uow.session.exec(
            select(m, func.count(), func.count().filter(col(Claim.case_fee) == 0), _sum(Claim.case_fee))
            .where(
                Claim.practice_id == practice_id,
                col(Claim.case_id).is_not(None),  # as the overview and the books: a case at the agency
                created >= datetime(year, 1, 1, tzinfo=UTC),
                created < datetime(year + 1, 1, 1, tzinfo=UTC),
            )
            .group_by(m)
            .order_by(m)
        ).all()
    start = practice.contract_start if practice else None
    free_until = _add_months(start, free_months) if start else None
    return CaseFees(
        start,
        free_until,
        free_until is None or on < free_until,
        practice.case_fee if practice else ZERO,
        [(f"{year:04d}-{int(mm):02d}", int(n), int(free), _money(total)) for mm, n, free, total in rows],
    )


def _add_months(day: date, months: int) -> date:
    index = day.month - 1 + months
    return date(day.year + index // 12, index % 12 + 1, min(day.day, 28))


def session_actor(uow: UnitOfWork, *, practice_id: int, user_id: int) -> Actor | None:
    """The actor behind a dashboard session, as the user is now (role changes apply at once)."""
    with uow:
        user = uow.session.get(User, user_id)
        if user is None or user.practice_id != practice_id or not user.login:
            return None
        return actor_for_user(user)


_BUCKET_DAYS = {
    AgeBucket.D0_30: (1, 30),
    AgeBucket.D31_60: (31, 60),
    AgeBucket.D61_90: (61, 90),
    AgeBucket.D90_PLUS: (91, None),
}


def overdue(
    uow: UnitOfWork,
    *,
    practice_id: int,
    actor: Actor,
    bucket: AgeBucket | None = None,
    handover_possible: bool | None = None,
    search: str = "",
    page: int = 1,
    per_page: int = 25,
    on: date | None = None,
) -> OverduePage:
    """Overdue invoices not handed over, oldest first, filtered by age, legal basis and text, paged in SQL."""
    require(actor, Permission.VIEW)
    on, page = on or today(), max(page, 1)
    due = col(Invoice.due_date)
    filters: list[Any] = [
        col(Invoice.practice_id) == practice_id,
        col(Invoice.status).in_(OPEN_STATES),
        due < on,
        OPEN_AMOUNT > 0,
    ]
    if bucket is not None:
        lower, upper = _BUCKET_DAYS[bucket]
        filters.append(due <= on - timedelta(days=lower))
        if upper is not None:
            filters.append(due >= on - timedelta(days=upper))
    if handover_possible is not None:
        # the same rule as OverdueItem.has_legal_basis (consent, or an announcing reminder after the due date)
        basis = or_(
            col(Invoice.consent_date).is_not(None),
            # IS NOT NULL first: the whole AND is then never NULL, so NOT(...) keeps invoices without one
            and_(
                col(Invoice.reminder_date).is_not(None),
                col(Invoice.reminder_date) > due,
                col(Invoice.handover_announced),
            ),
        )
        filters.append(basis if handover_possible else not_(basis))
    if text := search.strip().lower():
        like = f"%{text}%"
        filters.append(
            or_(
                func.lower(col(Invoice.number)).like(like),
                func.lower(col(Patient.last_name)).like(like),
                func.lower(col(Patient.first_name)).like(like),
            )
        )
    base = select(Invoice, Patient.first_name, Patient.last_name).join(
        Patient, col(Patient.id) == col(Invoice.patient_id)
    )
    with uow:
        query = base.where(*filters)
        # Without a name search the count needs no join (the slow part on 100,000 invoices).
        counted = query if text else select(Invoice.id).where(*filters)
        total = uow.session.exec(select(func.count()).select_from(counted.subquery())).one()
        rows = uow.session.exec(
            query.order_by(due, col(Invoice.id)).offset((page - 1) * per_page).limit(per_page)
        ).all()
    items = [
        OverdueItem(
            inv.number,
            f"{first} {last}",
            inv.due_date,
            days_overdue(due_date=inv.due_date, on=on),
            age_bucket(days_overdue(due_date=inv.due_date, on=on)),
            inv.open_amount,
            inv.reminder_date,
            inv.handover_announced,
            inv.consent_date,
        )
        for inv, first, last in rows
    ]
    return OverduePage(items, int(total), page, per_page)
