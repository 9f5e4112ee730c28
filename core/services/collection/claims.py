"""Claims ("Forderung anlegen"): the overview and the hand-over through the outbox."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import and_, not_, or_, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from core import outbox
from core.db.engine import UnitOfWork
from core.db.models import Claim, Invoice, OutboxItem, Patient, Practice
from core.domain.claims import (
    Basis,
    InvoiceFacts,
    InvoiceStatus,
    case_fee,
    check_handover,
)
from core.domain.dates import days_overdue, format_date, today
from core.domain.errors import NotFound, PreconditionFailed
from core.domain.money import ZERO, format_eur
from core.domain.onboarding import OnboardingState
from core.finance1159.client import Finance1159Client
from core.services.collection.claim_payload import WITHHELD, claim_payload, describe_payload
from core.services.invoicing.invoices import find
from core.services.people import audit
from core.services.people.access import Actor, Permission, require


@dataclass(frozen=True)
class ClaimPreview:
    """The overview staff confirm before a hand-over."""

    number: str
    patient: str
    open_amount: Decimal
    due_date: date
    days_overdue: int
    reminder_date: date | None
    legal_basis: str
    sent: list[tuple[str, str]]
    withheld: tuple[str, ...]
    case_fee: Decimal
    case_fee_text: str


@dataclass(frozen=True)
class ClaimOutcome:
    number: str
    delivered: bool
    case_id: int | None
    message: str
    failed: bool = False  # 1159 Finance refused it for good


def locked_invoice(session: Session, practice_id: int, number: str) -> Invoice:
    """The invoice, read again after taking its write lock: two clicks at once must not both pass
    a check ("not handed over yet", "not more than is open") and then both write."""
    invoice = find(session, practice_id=practice_id, number=number)
    if session.get_bind().dialect.name == "postgresql":
        session.exec(select(Invoice.id).where(Invoice.id == invoice.id).with_for_update()).one()
    else:
        # SQLite runs SELECTs outside any transaction and locks nothing; a no-op UPDATE takes the
        # database's write lock (the other writer waits for it) before anything is checked.
        session.execute(
            update(Invoice)
            .where(col(Invoice.id) == invoice.id)
            .values(id=invoice.id)
            .execution_options(synchronize_session=False)
        )
    session.refresh(invoice)
    return invoice


# A claim handed over to 1159 Finance or on its way there. Not one refused for good (it may go out
# again once corrected), nor one withdrawn before it reached the agency: neither has a case there.
HANDED_OVER = not_(
    or_(
        col(Claim.delivery) == "failed",
        and_(col(Claim.delivery) == "withdrawn", col(Claim.case_id).is_(None)),
    )
)


def _facts(session: Session, invoice: Invoice) -> InvoiceFacts:
    earlier = session.exec(
        select(HANDED_OVER, Claim.delivery, Claim.case_id).where(Claim.invoice_id == invoice.id)
    ).first()
    has_claim = earlier is not None and bool(earlier[0])
    withdrawn_at_agency = earlier is not None and earlier[1] == "withdrawn" and earlier[2] is not None
    return InvoiceFacts(
        invoice.number,
        invoice.due_date,
        invoice.open_amount,
        invoice.consent_date,
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


def _practice(session: Session, practice_id: int) -> Practice:
    practice = session.get(Practice, practice_id)
    if practice is None:
        raise NotFound("Es ist noch keine Praxis eingerichtet.")
    return practice


def _fee(practice: Practice, on: date, free_months: int) -> tuple[Decimal, str]:
    fee = case_fee(
        contract_start=practice.contract_start, on=on, fee=practice.case_fee, free_months=free_months
    )
    if fee == ZERO:
        start = practice.contract_start or on
        end = date(
            start.year + (start.month + free_months - 1) // 12,
            (start.month + free_months - 1) % 12 + 1,
            min(start.day, 28),
        )
        return fee, f"kostenlos (erste {free_months} Vertragsmonate, bis {format_date(end)})"
    return fee, f"{format_eur(fee)} Fallgebühr für die Praxis"


@dataclass(frozen=True)
class _Checked:
    invoice: Invoice
    basis: Basis
    fee: Decimal
    fee_text: str


def _check(
    session: Session, practice_id: int, number: str, on: date, free_months: int, *, lock: bool
) -> _Checked:
    """Every precondition of a hand-over, in the order staff should hear about them."""
    practice = _practice(session, practice_id)
    invoice = (locked_invoice if lock else _plain_invoice)(session, practice_id, number)
    basis = check_handover(_facts(session, invoice), today=on)
    _require_active(practice)
    fee, fee_text = _fee(practice, on, free_months)
    return _Checked(invoice, basis, fee, fee_text)


def _plain_invoice(session: Session, practice_id: int, number: str) -> Invoice:
    return find(session, practice_id=practice_id, number=number)


def preview(
    uow: UnitOfWork,
    *,
    practice_id: int,
    actor: Actor,
    number: str,
    free_months: int = 6,
    on: date | None = None,
) -> ClaimPreview:
    require(actor, Permission.CREATE_CLAIM)
    on = on or today()
    with uow:
        session = uow.session
        checked = _check(session, practice_id, number, on, free_months, lock=False)
        invoice, basis = checked.invoice, checked.basis
        patient = session.get(Patient, invoice.patient_id)
        assert patient is not None
        return ClaimPreview(
            number=invoice.number,
            patient=f"{patient.first_name} {patient.last_name}",
            open_amount=invoice.open_amount,
            due_date=invoice.due_date,
            days_overdue=days_overdue(due_date=invoice.due_date, on=on),
            reminder_date=invoice.reminder_date,
            legal_basis=basis.describe(),
            sent=describe_payload(claim_payload(invoice, patient)),
            withheld=WITHHELD,
            case_fee=checked.fee,
            case_fee_text=checked.fee_text,
        )


def queue(
    uow: UnitOfWork,
    *,
    practice_id: int,
    actor: Actor,
    number: str,
    free_months: int = 6,
    on: date | None = None,
) -> int:
    """Write the claim and its outbox item in one transaction; returns the outbox item id."""
    require(actor, Permission.CREATE_CLAIM)
    on = on or today()
    with uow:
        session = uow.session
        checked = _check(session, practice_id, number, on, free_months, lock=True)
        invoice, basis, fee = checked.invoice, checked.basis, checked.fee
        claim = session.exec(select(Claim).where(Claim.invoice_id == invoice.id)).first()
        if claim is None:
            claim = Claim(
                practice_id=practice_id,
                invoice_id=invoice.id or 0,
                reference=invoice.number,
                legal_basis=basis.kind,
                legal_basis_date=basis.on,
                principal=invoice.open_amount,
                case_fee=fee,
                created_by=actor.label,
            )
            session.add(claim)
        else:  # refused for good, or withdrawn before it reached the agency (see _facts): a new attempt
            claim.delivery, claim.failure_reason, claim.created_by = "queued", "", actor.label
            claim.legal_basis, claim.legal_basis_date = basis.kind, basis.on
            claim.principal, claim.case_fee = invoice.open_amount, fee
        try:
            session.flush()
        except IntegrityError:
            raise PreconditionFailed(
                f"Rechnung {invoice.number} wurde bereits an 1159 Finance übergeben."
            ) from None
        invoice.status = InvoiceStatus.IN_COLLECTION
        item = outbox.enqueue(
            session,
            practice_id=practice_id,
            kind=outbox.CLAIM,
            subject_id=claim.id or 0,
            key=attempt_key(session, outbox.CLAIM, claim.id or 0, f"claim:{practice_id}:{invoice.number}"),
        )
        audit.record(
            session,
            practice_id=practice_id,
            actor=actor,
            action="claim.create",
            subject=f"invoice:{invoice.number}",
            legal_basis=basis.kind,
            basis_date=basis.on,
            principal=invoice.open_amount,
            case_fee=fee,
        )
        uow.commit()
        return item.id or 0


async def create(
    uow: UnitOfWork,
    *,
    finance: Finance1159Client,
    practice_id: int,
    actor: Actor,
    number: str,
    free_months: int = 6,
) -> ClaimOutcome:
    """Hand an invoice over: queued durably first, then delivered at once if 1159 Finance answers."""
    item_id = queue(uow.fresh(), practice_id=practice_id, actor=actor, number=number, free_months=free_months)
    result = await outbox.deliver(uow.fresh(), finance=finance, item_id=item_id)
    with uow:
        claim = uow.session.exec(
            select(Claim)
            .join(Invoice)
            .where(Claim.practice_id == practice_id, Invoice.number == number.strip())
        ).one()
    if claim.case_id is not None:
        return ClaimOutcome(
            claim.reference,
            True,
            claim.case_id,
            f"Forderung {claim.reference} ist an 1159 Finance übergeben (Fall {claim.case_id}).",
        )
    if claim.delivery == "failed":
        return ClaimOutcome(
            claim.reference,
            False,
            None,
            f"1159 Finance hat die Forderung {claim.reference} abgelehnt: {claim.failure_reason}",
            failed=True,
        )
    return ClaimOutcome(
        claim.reference,
        False,
        None,
        f"Forderung {claim.reference} ist vorgemerkt. {result.message} "
        "Sie wird automatisch übermittelt, sobald 1159 Finance erreichbar ist.",
    )


def attempt_key(session: Session, kind: str, subject_id: int, base: str) -> str:
    """The outbox key of a write; a new attempt after one refused for good gets its own."""
    earlier = session.exec(
        select(OutboxItem.id).where(OutboxItem.kind == kind, OutboxItem.subject_id == subject_id)
    ).all()
    return base if not earlier else f"{base}:{len(earlier) + 1}"


def claim_for(session: Session, *, practice_id: int, number: str) -> tuple[Invoice, Claim]:
    invoice = find(session, practice_id=practice_id, number=number)
    claim = session.exec(select(Claim).where(Claim.invoice_id == invoice.id)).first()
    if claim is None:
        raise NotFound(
            f"Rechnung {invoice.number} wurde noch nicht an 1159 Finance übergeben "
            f"(offen: {format_eur(invoice.open_amount)}). Übergeben mit „Forderung anlegen“.",
            next_action="claim.create",
            subject=invoice.number,
        )
    return invoice, claim
