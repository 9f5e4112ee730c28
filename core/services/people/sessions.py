"""Who is behind a dashboard session, read again on every page (role changes apply at once)."""

from __future__ import annotations

from core.db.engine import UnitOfWork
from core.db.models import User
from core.services.people.access import Actor, actor_for_user

__all__ = ["session_actor"]


def session_actor(uow: UnitOfWork, *, practice_id: int, user_id: int) -> Actor | None:
    """The actor behind a dashboard session, as the user is now (role changes apply at once)."""
    with uow:
        user = uow.session.get(User, user_id)
        if user is None or user.practice_id != practice_id or not user.login:
            return None
        return actor_for_user(user)
