"""The audit log: every action that touches money, patient data or the onboarding."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, func, select

from core.db.engine import UnitOfWork
from core.db.models import AuditEvent
from core.services.people.access import Actor, Permission, require

__all__ = ["AuditPage", "list_events", "record"]


def record(
    session: Session, *, practice_id: int, actor: Actor | str, action: str, subject: str = "", **details: Any
) -> None:
    """Add an audit event to the caller's transaction (committed with the change it describes)."""
    label = actor if isinstance(actor, str) else actor.label
    clean = {
        k: (str(v) if not isinstance(v, int | bool | str | type(None)) else v) for k, v in details.items()
    }
    session.add(
        AuditEvent(practice_id=practice_id, actor=label, action=action, subject=subject, details=clean)
    )


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
