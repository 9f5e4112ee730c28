"""A case's timeline for the dashboard: hand-over, fees, payments, status changes, withdrawal."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

from sqlmodel import Session, col, select

from core.db.engine import UnitOfWork
from core.db.models import AuditEvent, Fee, Payment
from core.domain.claim_lifecycle import agency_label, fee_label, payment_label
from core.domain.dates import local_zone
from core.services.collection.claims import claim_for
from core.services.people.access import Actor, Permission, require

__all__ = ["TimelineEntry", "timeline"]


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
            old = agency_label(str(e.details.get("old", "")))
            new = agency_label(str(e.details.get("new", "")))
            out.append(TimelineEntry(_local(e.at), e.at, "Status geändert", f"{old} → {new}", None))
        elif e.action == "claim.withdraw":
            out.append(TimelineEntry(_local(e.at), e.at, "Forderung zurückgezogen", f"von {e.actor}", None))
        else:
            out.append(TimelineEntry(_local(e.at), e.at, "Rechnung vollständig bezahlt", "", None))
    return out
