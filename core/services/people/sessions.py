"""Dashboard logins: who is behind a session, read again on every page (role changes apply at once),
and the signed, expiring token that keeps a login across reloads and deep links.

The token carries only a random key, signed with the session secret (never the password). The
LoginSession row behind it decides whether it still counts: a logout ends every login of that user,
and a login idle for longer than SESSION_TIMEOUT_MINUTES ends too."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlmodel import col, select, update

from core.db.engine import UnitOfWork
from core.db.models import LoginSession, User
from core.domain.dates import utcnow
from core.services.people.access import Actor, actor_for_user
from core.services.people.session_secret import session_secret

__all__ = ["TOUCH_SECONDS", "end_logins", "resume_login", "session_actor", "start_login"]

TOUCH_SECONDS = 60  # last_seen is written at most once a minute, not on every click
_SALT = "praxis-inkasso.dashboard-login"


def session_actor(uow: UnitOfWork, *, practice_id: int, user_id: int) -> Actor | None:
    """The actor behind a dashboard session, as the user is now (role changes apply at once)."""
    with uow:
        user = uow.session.get(User, user_id)
        if user is None or user.practice_id != practice_id or not user.login:
            return None
        return actor_for_user(user)


def _signer(uow: UnitOfWork) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(session_secret(uow.settings), salt=_SALT)


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def start_login(uow: UnitOfWork, *, practice_id: int, actor: Actor) -> str:
    """A new login for `actor` (just authenticated); returns the token for the browser."""
    if actor.user_id is None:
        raise ValueError("only a user with a login starts a dashboard login")
    key = secrets.token_urlsafe(32)
    with uow:
        uow.session.add(LoginSession(practice_id=practice_id, user_id=actor.user_id, key_hash=_hash(key)))
        uow.commit()
    return str(_signer(uow).dumps(key))


def resume_login(
    uow: UnitOfWork, *, practice_id: int, token: str, now: datetime | None = None
) -> Actor | None:
    """The actor behind `token`, or None when it is forged, too old, logged out or idle too long."""
    settings = uow.settings
    try:
        key = _signer(uow).loads(token, max_age=settings.session_max_hours * 3600)
    except BadSignature:  # also SignatureExpired
        return None
    now = now or utcnow()
    with uow:
        row = uow.session.exec(select(LoginSession).where(LoginSession.key_hash == _hash(str(key)))).first()
        if row is None or row.practice_id != practice_id or row.ended_at is not None:
            return None
        if now - row.last_seen > timedelta(minutes=settings.session_timeout_minutes):
            row.ended_at = now
            uow.commit()
            return None
        if now - row.last_seen > timedelta(seconds=TOUCH_SECONDS):
            row.last_seen = now
            uow.commit()
        user_id = row.user_id
    return session_actor(uow, practice_id=practice_id, user_id=user_id)


def end_logins(uow: UnitOfWork, *, practice_id: int, user_id: int) -> int:
    """Logout: ends every login of the user, in every browser and tab; returns how many."""
    with uow:
        result = uow.session.exec(
            update(LoginSession)
            .where(
                col(LoginSession.practice_id) == practice_id,
                col(LoginSession.user_id) == user_id,
                col(LoginSession.ended_at).is_(None),
            )
            .values(ended_at=utcnow())
        )
        uow.commit()
    return int(result.rowcount or 0)
