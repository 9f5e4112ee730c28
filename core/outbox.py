"""The durable outbox: every write to 1159 Finance, delivered at least once and applied exactly once.

A write is stored in the same transaction as the change it belongs to. A worker leases an item
(an atomic conditional UPDATE, so two workers never hold one item), calls 1159 Finance outside
any transaction, and records the answer. A crash between the call and the commit leaves the item
leased; when the lease ends it is sent again, and the agency's idempotency (the claim's reference,
the payment's own reference) turns the repeat into the first answer.
"""

from __future__ import annotations

import logging
import os
import socket
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_, update
from sqlmodel import Session, col, select

from core.db.engine import UnitOfWork
from core.db.models import Claim, Invoice, Notification, OutboxItem, Patient, Payment
from core.domain.claims import invoice_status
from core.domain.dates import utcnow
from core.domain.errors import AgencyRejected, PeerUnavailable
from core.finance1159.client import Finance1159Client
from core.finance1159.errors import AuthenticationFailed
from core.finance1159.wire import PaymentIn
from core.ops import problems
from core.services.collection.claim_payload import claim_payload
from core.services.people import audit

CLAIM, PAYMENT, WITHDRAWAL = "claim", "payment", "withdrawal"
LEASE = timedelta(minutes=5)
MAX_BACKOFF = timedelta(hours=1)
REFUSED_RETRY = timedelta(minutes=5)  # credentials refused: a fix is not noticed later than this
WORKER_ID = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DeliveryResult:
    done: bool
    failed: bool
    message: str


class _NotYet(Exception):
    """The item depends on another that has not been delivered (a payment before its claim)."""


def enqueue(session: Session, *, practice_id: int, kind: str, subject_id: int, key: str) -> OutboxItem:
    item = OutboxItem(practice_id=practice_id, kind=kind, subject_id=subject_id, idempotency_key=key)
    session.add(item)
    session.flush()
    return item


def cancel_untouched(session: Session, item: OutboxItem) -> bool:
    """Cancel a pending item no worker ever took up, so its request cannot have reached 1159 Finance.
    False if one did (a lost answer or a crash after sending count no attempt, but leave locked_by),
    even a moment ago: one conditional UPDATE, like the lease, so of the two only one wins."""
    result = session.connection().execute(
        update(OutboxItem)
        .where(
            col(OutboxItem.id) == item.id,
            col(OutboxItem.state) == "pending",
            col(OutboxItem.locked_by) == "",
            col(OutboxItem.attempts) == 0,
        )
        .values(state="cancelled", done_at=utcnow())
    )
    if item in session:
        session.expire(item, ["state", "done_at"])  # as the UPDATE left them
    return result.rowcount == 1


def _lease(uow: UnitOfWork, item_id: int, worker: str, lease: timedelta) -> OutboxItem | None:
    now = utcnow()
    with uow:
        result = uow.session.connection().execute(
            update(OutboxItem)
            .where(
                col(OutboxItem.id) == item_id,
                col(OutboxItem.state) == "pending",
                or_(col(OutboxItem.locked_until).is_(None), col(OutboxItem.locked_until) < now),
            )
            .values(locked_until=now + lease, locked_by=worker)
        )
        if result.rowcount != 1:
            return None
        item = uow.session.get(OutboxItem, item_id)
        uow.commit()
        return item


def due_items(
    uow: UnitOfWork, *, limit: int = 50, practice_id: int | None = None, now: datetime | None = None
) -> list[int]:
    """Pending items whose next attempt is due by `now` (a later `now` pulls postponed ones forward)."""
    now = now or utcnow()
    with uow:
        query = (
            select(OutboxItem.id)
            .where(
                col(OutboxItem.state) == "pending",
                col(OutboxItem.next_attempt_at) <= now,
                or_(col(OutboxItem.locked_until).is_(None), col(OutboxItem.locked_until) < now),
            )
            .order_by(col(OutboxItem.id))
            .limit(limit)
        )
        if practice_id is not None:
            query = query.where(OutboxItem.practice_id == practice_id)
        # No FOR UPDATE SKIP LOCKED here: the locks would end with this read at once, and while
        # they last another worker's read skips every listed row and finds an empty queue. The
        # conditional UPDATE in _lease is what keeps two workers off one item.
        return [i for i in uow.session.exec(query).all() if i is not None]


async def deliver(
    uow: UnitOfWork,
    *,
    finance: Finance1159Client,
    item_id: int,
    worker: str = WORKER_ID,
    lease: timedelta = LEASE,
) -> DeliveryResult:
    """Send one item if nobody else holds it; record the answer.

    `lease` is how long a crashed sender keeps the item before another worker may send it again
    (Settings.outbox_lease_seconds); it must be longer than one call with all its retries.
    """
    item = _lease(uow.fresh(), item_id, worker, lease)
    if item is None:
        return DeliveryResult(False, False, "Wird bereits übermittelt.")
    try:
        if item.kind == CLAIM:
            await _send_claim(uow.fresh(), finance, item)
        elif item.kind == PAYMENT:
            await _send_payment(uow.fresh(), finance, item)
        elif item.kind == WITHDRAWAL:
            await _send_withdrawal(uow.fresh(), finance, item)
        else:
            raise ValueError(f"unknown outbox kind {item.kind}")
    except _NotYet:
        _retry_later(uow.fresh(), item, "waiting for the claim", timedelta(seconds=30), count=False)
        return DeliveryResult(False, False, "Wartet auf die Übermittlung der Forderung.")
    except AuthenticationFailed as exc:  # lasting until fixed: shown once, and tried again soon after
        _retry_later(uow.fresh(), item, exc.log_message, min(_backoff(item.attempts), REFUSED_RETRY))
        problems.report(uow.fresh(), practice_id=item.practice_id, source=problems.AGENCY)
        return DeliveryResult(False, False, exc.user_message)
    except PeerUnavailable as exc:
        _retry_later(uow.fresh(), item, exc.log_message, _backoff(item.attempts))
        return DeliveryResult(False, False, "1159 Finance ist gerade nicht erreichbar.")
    except AgencyRejected as exc:
        _fail(uow.fresh(), item, exc)
        return DeliveryResult(False, True, exc.user_message)
    return DeliveryResult(True, False, "Übermittelt.")


async def run_once(
    uow: UnitOfWork,
    *,
    finance: Finance1159Client,
    worker: str = WORKER_ID,
    limit: int = 50,
    practice_id: int | None = None,
    lease: timedelta = LEASE,
    include_postponed: bool = False,
) -> int:
    """Deliver every due item once (with `include_postponed`, also those waiting out a backoff)."""
    delivered = 0
    horizon = utcnow() + MAX_BACKOFF if include_postponed else None
    for item_id in due_items(uow.fresh(), limit=limit, practice_id=practice_id, now=horizon):
        result = await deliver(uow, finance=finance, item_id=item_id, worker=worker, lease=lease)
        delivered += int(result.done)
    return delivered


def _backoff(attempts: int) -> timedelta:
    return min(timedelta(seconds=10 * 2 ** min(attempts, 12)), MAX_BACKOFF)


def _retry_later(
    uow: UnitOfWork, item: OutboxItem, error: str, delay: timedelta, *, count: bool = True
) -> None:
    with uow:
        row = uow.session.get(OutboxItem, item.id)
        assert row is not None
        row.attempts += int(count)
        row.next_attempt_at = utcnow() + delay
        row.locked_until = None
        row.last_error = error[:500]
        uow.commit()
    log.warning("outbox item %s (%s) postponed: %s", item.id, item.kind, error)


def _invoice_without_claim(session: Session, claim: Claim) -> None:
    """The claim's invoice is the practice's alone again (refused, or withdrawn): its own status."""
    invoice = session.get(Invoice, claim.invoice_id)
    assert invoice is not None
    invoice.status = invoice_status(
        amount=invoice.amount, paid=invoice.paid_before + invoice.paid_direct, claim_open=False
    )


def _finish(session: Session, item: OutboxItem) -> None:
    row = session.get(OutboxItem, item.id)
    assert row is not None
    row.state, row.done_at, row.locked_until, row.last_error = "done", utcnow(), None, ""


def _fail(uow: UnitOfWork, item: OutboxItem, exc: AgencyRejected) -> None:
    with uow:
        session = uow.session
        row = session.get(OutboxItem, item.id)
        assert row is not None
        row.state, row.done_at, row.locked_until, row.last_error = (
            "failed",
            utcnow(),
            None,
            exc.log_message[:500],
        )
        what = ""
        if item.kind in (CLAIM, WITHDRAWAL):
            claim = session.get(Claim, item.subject_id)
            assert claim is not None
            claim.failure_reason = exc.user_message
            if item.kind == CLAIM:
                claim.delivery = "failed"
                _invoice_without_claim(session, claim)
            else:
                claim.delivery = "submitted"
            what = f"Forderung {claim.reference}"
        else:
            payment = session.get(Payment, item.subject_id)
            assert payment is not None
            payment.delivery, payment.failure_reason = "failed", exc.user_message
            what = f"Zahlung {payment.reference}"
        audit.record(
            session,
            practice_id=row.practice_id,
            actor="worker",
            action=f"outbox.{item.kind}.failed",
            subject=what,
            reason=exc.log_message,
        )
        session.add(
            Notification(
                practice_id=row.practice_id,
                kind="failure",
                text=f"{what}: 1159 Finance hat abgelehnt. {exc.user_message}",
            )
        )
        uow.commit()
    log.error("outbox item %s (%s) refused for good: %s", item.id, item.kind, exc.log_message)


async def _send_claim(uow: UnitOfWork, finance: Finance1159Client, item: OutboxItem) -> None:
    with uow:
        claim = uow.session.get(Claim, item.subject_id)
        assert claim is not None
        withdrawn_meanwhile = claim.delivery in ("withdrawal_queued", "withdrawn")
        reference, known = claim.reference, claim.case_id is not None or claim.delivery == "withdrawn"
        if not withdrawn_meanwhile:
            invoice = uow.session.get(Invoice, claim.invoice_id)
            assert invoice is not None
            patient = uow.session.get(Patient, invoice.patient_id)
            assert patient is not None
            # The principal is fixed when the claim is created; later direct payments go apart.
            payload = claim_payload(invoice, patient, principal=claim.principal)
    if withdrawn_meanwhile:
        await _settle_withdrawn_claim(uow, finance, item, reference, known)
        return
    created = await finance.create_claim(payload)
    with uow:
        session = uow.session
        claim = session.get(Claim, item.subject_id)
        assert claim is not None
        claim.case_id, claim.debtor_id, claim.agency_status = (
            created.case_id,
            created.debtor_id,
            created.status,
        )
        if claim.delivery != "withdrawal_queued":  # withdrawn while this request was on its way
            claim.delivery = "submitted"
        claim.submitted_at, claim.failure_reason = utcnow(), ""
        if claim.outstanding is None:
            claim.outstanding = claim.principal
        _finish(session, item)
        audit.record(
            session,
            practice_id=claim.practice_id,
            actor="worker",
            action="claim.submitted",
            subject=f"invoice:{claim.reference}",
            case_id=created.case_id,
            already_existed=created.already_existed,
        )
        session.add(
            Notification(
                practice_id=claim.practice_id,
                kind="status",
                text=f"Forderung {claim.reference} ist bei 1159 Finance angelegt (Fall {created.case_id}).",
            )
        )
        uow.commit()


async def _settle_withdrawn_claim(
    uow: UnitOfWork, finance: Finance1159Client, item: OutboxItem, reference: str, known: bool
) -> None:
    """A claim withdrawn while an earlier sending of it had no answer: the case is never created now,
    only looked up by its reference (unless its case is known, e.g. from a sync, or the withdrawal
    is already done). Found, it is recorded, and the withdrawal item withdraws it; not found, the
    agency never had it and the claim is withdrawn here."""
    found = None
    if not known:
        page = await finance.list_cases(reference=reference, per_page=1)
        found = page.items[0] if page.items else None
    with uow:
        session = uow.session
        claim = session.get(Claim, item.subject_id)
        assert claim is not None
        if found is not None and claim.case_id is None:
            claim.case_id, claim.debtor_id, claim.agency_status = found.case_id, found.debtor_id, found.status
            claim.submitted_at = utcnow()
        elif claim.case_id is None and claim.delivery == "withdrawal_queued":
            claim.delivery = "withdrawn"
            _invoice_without_claim(session, claim)
        _finish(session, item)
        audit.record(
            session,
            practice_id=claim.practice_id,
            actor="worker",
            action="claim.looked_up",
            subject=f"invoice:{claim.reference}",
            case_id=claim.case_id,
        )
        uow.commit()


async def _send_payment(uow: UnitOfWork, finance: Finance1159Client, item: OutboxItem) -> None:
    with uow:
        payment = uow.session.get(Payment, item.subject_id)
        assert payment is not None
        claim = uow.session.get(Claim, payment.claim_id) if payment.claim_id else None
        if claim is None or claim.delivery in ("withdrawn", "failed"):
            payment.delivery = "none"
            _finish(uow.session, item)
            uow.commit()
            return
        if claim.case_id is None:
            raise _NotYet()
        body = PaymentIn(
            case_id=claim.case_id, amount=payment.amount, date=payment.paid_on, reference=payment.reference
        )
    remote_id = await finance.report_payment(body)
    with uow:
        payment = uow.session.get(Payment, item.subject_id)
        assert payment is not None
        payment.delivery, payment.remote_id, payment.failure_reason = "sent", remote_id, ""
        _finish(uow.session, item)
        audit.record(
            uow.session,
            practice_id=payment.practice_id,
            actor="worker",
            action="payment.reported",
            subject=f"payment:{payment.reference}",
            remote_id=remote_id,
        )
        uow.commit()


async def _send_withdrawal(uow: UnitOfWork, finance: Finance1159Client, item: OutboxItem) -> None:
    with uow:
        claim = uow.session.get(Claim, item.subject_id)
        assert claim is not None
        if claim.case_id is None:
            if claim.delivery == "withdrawal_queued":
                raise _NotYet()  # the claim's own item first finds out whether the agency has it
            _finish(uow.session, item)  # it had not: withdrawn without asking the agency
            uow.commit()
            return
        case_id = claim.case_id
    case = await finance.withdraw_case(case_id)
    with uow:
        session = uow.session
        claim = session.get(Claim, item.subject_id)
        assert claim is not None
        claim.delivery, claim.agency_status, claim.closed_at = (
            "withdrawn",
            case.status,
            case.closed_at or utcnow(),
        )
        _invoice_without_claim(session, claim)
        _finish(session, item)
        audit.record(
            session,
            practice_id=claim.practice_id,
            actor="worker",
            action="claim.withdrawn",
            subject=f"invoice:{claim.reference}",
            case_id=case_id,
        )
        uow.commit()


def pending_for(session: Session, *, practice_id: int) -> list[OutboxItem]:
    return list(
        session.exec(
            select(OutboxItem).where(OutboxItem.practice_id == practice_id, OutboxItem.state == "pending")
        ).all()
    )


__all__ = [
    "CLAIM",
    "PAYMENT",
    "WITHDRAWAL",
    "DeliveryResult",
    "cancel_untouched",
    "deliver",
    "due_items",
    "enqueue",
    "pending_for",
    "run_once",
]
