"""Claims ("Forderung anlegen"): the hand-over through the outbox, and finding an invoice's claim.

The preconditions and the fee are in handover_check.py, the overview before it in claim_preview.py.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Row, update
from sqlalchemy import select as sa_select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from core import outbox
from core.db.engine import UnitOfWork
from core.db.models import Claim, Invoice, OutboxItem
from core.domain.claim_lifecycle import ClaimDelivery, ClaimEvent
from core.domain.claims import InvoiceStatus
from core.domain.dates import today
from core.domain.errors import NotFound, PreconditionFailed
from core.domain.invoice_numbers import agency_reference
from core.domain.money import format_eur
from core.finance1159.client import Finance1159Client
from core.services.collection import delivery
from core.services.collection.handover_check import check, practice_of
from core.services.collection.lifecycle import move
from core.services.invoicing.invoices import find
from core.services.people import audit
from core.services.people.access import Actor, Permission, require

__all__ = [
    "ClaimOutcome",
    "attempt_key",
    "claim_for",
    "create",
    "locked_invoice",
    "locked_invoice_rows",
    "queue",
]


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


def locked_invoice_rows(
    session: Session, practice_id: int, ids: list[int], columns: Sequence[Any]
) -> list[Row[Any]]:
    """Many invoices' `columns` by id, read after taking their write locks as `locked_invoice`
    does: on PostgreSQL row locks in id order (two bulk bookings never wait on each other in a
    circle), on SQLite the database's one write lock. Rows, not loaded objects: a statement's
    twenty thousand bookings would spend more on loading than on booking."""
    ids = sorted(set(ids))
    postgres = session.get_bind().dialect.name == "postgresql"
    if ids and not postgres:
        session.execute(
            update(Invoice)
            .where(col(Invoice.id) == ids[0])
            .values(id=ids[0])
            .execution_options(synchronize_session=False)
        )
    rows: list[Row[Any]] = []
    for start in range(0, len(ids), 1000):
        query = (
            sa_select(*columns)
            .where(col(Invoice.practice_id) == practice_id, col(Invoice.id).in_(ids[start : start + 1000]))
            .order_by(col(Invoice.id))
        )
        if postgres:
            query = query.with_for_update()
        rows += session.connection().execute(query).all()
    return rows


def queue(
    uow: UnitOfWork,
    *,
    practice_id: int,
    actor: Actor,
    number: str,
    on: date | None = None,
) -> int:
    """Write the claim and its outbox item in one transaction; returns the outbox item id."""
    require(actor, Permission.CREATE_CLAIM)
    on = on or today()
    with uow:
        session = uow.session
        practice = practice_of(session, practice_id)
        invoice = locked_invoice(session, practice_id, number)
        checked = check(
            session, practice, invoice, on=on, free_months=uow.settings.free_months,
            deadline_days=uow.settings.reminder_deadline_days,
        )  # fmt: skip
        invoice, basis, fee = checked.invoice, checked.basis, checked.fee
        claim = session.exec(select(Claim).where(Claim.invoice_id == invoice.id)).first()
        if claim is None:
            claim = Claim(
                practice_id=practice_id,
                invoice_id=invoice.id or 0,
                reference=agency_reference(invoice.number),
                legal_basis=basis.kind,
                legal_basis_date=basis.on,
                principal=invoice.open_amount,
                case_fee=fee,
                created_by=actor.label,
            )
            session.add(claim)
        else:  # refused for good, or withdrawn before it reached the agency (see _facts): a new attempt
            move(claim, ClaimEvent.HAND_OVER_AGAIN)
            claim.failure_reason, claim.created_by = "", actor.label
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
            kind=delivery.CLAIM,
            subject_id=claim.id or 0,
            key=attempt_key(session, delivery.CLAIM, claim.id or 0, f"claim:{practice_id}:{invoice.number}"),
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
) -> ClaimOutcome:
    """Hand an invoice over: queued durably first, then delivered at once if 1159 Finance answers."""
    item_id = queue(uow.fresh(), practice_id=practice_id, actor=actor, number=number)
    result = await delivery.deliver(uow.fresh(), finance=finance, item_id=item_id)
    with uow:
        # Found through its outbox item, not by the number as typed (that may need normalising).
        claim = uow.session.exec(
            select(Claim)
            .join(OutboxItem, col(OutboxItem.subject_id) == col(Claim.id))
            .where(OutboxItem.id == item_id)
        ).one()
    if claim.case_id is not None:
        return ClaimOutcome(
            claim.reference,
            True,
            claim.case_id,
            f"Forderung {claim.reference} ist an 1159 Finance übergeben (Fall {claim.case_id}).",
        )
    if claim.delivery == ClaimDelivery.FAILED:
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
