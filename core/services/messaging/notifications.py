"""Notifications for the practice chat: raised by the core, delivered (once) by a door."""

from __future__ import annotations

from sqlalchemy import update
from sqlmodel import col, select

from core.db.engine import UnitOfWork
from core.db.models import Notification
from core.domain.dates import utcnow

__all__ = ["add", "mark_delivered", "pending", "release"]


def pending(uow: UnitOfWork, *, practice_id: int, limit: int = 20) -> list[Notification]:
    with uow:
        return list(
            uow.session.exec(
                select(Notification)
                .where(Notification.practice_id == practice_id, col(Notification.delivered_at).is_(None))
                .order_by(col(Notification.id))
                .limit(limit)
            ).all()
        )


def mark_delivered(uow: UnitOfWork, *, notification_id: int) -> bool:
    """Claim a notification for delivery; False if another worker already did (no double messages)."""
    with uow:
        won = (
            uow.session.connection()
            .execute(
                update(Notification)
                .where(col(Notification.id) == notification_id, col(Notification.delivered_at).is_(None))
                .values(delivered_at=utcnow())
            )
            .rowcount
        )
        uow.commit()
        return bool(won == 1)


def release(uow: UnitOfWork, *, notification_id: int) -> None:
    """Undo a claim whose delivery failed, so the next round tries again."""
    with uow:
        uow.session.connection().execute(
            update(Notification).where(col(Notification.id) == notification_id).values(delivered_at=None)
        )
        uow.commit()


def add(uow: UnitOfWork, *, practice_id: int, kind: str, text: str) -> None:
    with uow:
        uow.session.add(Notification(practice_id=practice_id, kind=kind, text=text))
        uow.commit()
