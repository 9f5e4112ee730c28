"""The audit log: every action that touches money, patient data or the onboarding."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import insert
from sqlmodel import Session, col, func, select

from core.db.engine import UnitOfWork
from core.db.models import AuditEvent
from core.domain.dates import utcnow
from core.services.people.access import Actor, Permission, require

__all__ = ["AuditPage", "list_events", "record", "record_many"]


def record(
    session: Session, *, practice_id: int, actor: Actor | str, action: str, subject: str = "", **details: Any
) -> None:
    """Add an audit event to the caller's transaction (committed with the change it describes)."""
    label = actor if isinstance(actor, str) else actor.label
    session.add(
        AuditEvent(
            practice_id=practice_id, actor=label, action=action, subject=subject, details=_clean(details)
        )
    )


def record_many(
    session: Session,
    *,
    practice_id: int,
    actor: Actor | str,
    action: str,
    events: list[tuple[str, dict[str, Any]]],
) -> None:
    """One event per (subject, details), as `record` adds them, in one statement for all."""
    if not events:
        return
    label = actor if isinstance(actor, str) else actor.label
    now = utcnow()
    rows = [
        {
            "practice_id": practice_id,
            "at": now,
            "actor": label,
            "action": action,
            "subject": subject,
            "details": _clean(details),
        }
        for subject, details in events
    ]
    session.connection().execute(insert(AuditEvent), rows)


def _clean(details: dict[str, Any]) -> dict[str, Any]:
    """JSON-ready: amounts, dates and the like as text."""
    return {
        k: (str(v) if not isinstance(v, int | bool | str | type(None)) else v) for k, v in details.items()
    }


@dataclass(frozen=True)
class AuditPage:
    events: list[AuditEvent]
    total: int


def list_events(
    uow: UnitOfWork,
    *,
    practice_id: int,
    actor: Actor,
    action_prefix: str = "",
    since: datetime | None = None,
    limit: int = 100,
    offset: int = 0,
) -> AuditPage:
    require(actor, Permission.VIEW_AUDIT)
    with uow:
        query = select(AuditEvent).where(AuditEvent.practice_id == practice_id)
        if action_prefix:
            query = query.where(col(AuditEvent.action).startswith(action_prefix))
        if since is not None:
            query = query.where(col(AuditEvent.at) >= since)
        total = uow.session.exec(select(func.count()).select_from(query.subquery())).one()
        events = uow.session.exec(
            query.order_by(col(AuditEvent.at).desc(), col(AuditEvent.id).desc()).offset(offset).limit(limit)
        ).all()
        return AuditPage(list(events), int(total))
