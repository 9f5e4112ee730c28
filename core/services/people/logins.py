"""Dashboard logins: one answer and one amount of work for every refused login.

A wrong password, an unknown name and the right password during a lock-out all cost one argon2
verify, one counter update and one audit entry, and all get the same message after the same
pause, so neither the answer nor its timing tells an attacker which case they hit.
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import update
from sqlmodel import col, select

from core.db.engine import UnitOfWork
from core.db.models import User
from core.domain.dates import utcnow
from core.domain.errors import NotAllowed
from core.services.people import audit
from core.services.people.access import Actor, actor_for_user

__all__ = ["BAD_LOGIN", "FAILURE_DELAY", "LOCK_AFTER", "LOCK_SECONDS", "login", "verify"]

_HASHER = PasswordHasher()
LOCK_AFTER = 5  # failures in a row before the lock-out
LOCK_SECONDS = 30  # the lock-out lasts this long after the latest failure
FAILURE_DELAY = 0.5  # the same pause after every refused login, whatever the reason
BAD_LOGIN = (
    "Anmeldung fehlgeschlagen. Bitte Benutzername und Passwort prüfen. "
    f"Nach {LOCK_AFTER} Fehlversuchen ist die Anmeldung {LOCK_SECONDS} Sekunden gesperrt."
)


@cache
def _dummy_hash() -> str:
    """A hash no password matches in practice; unknown names are verified against it."""
    return _HASHER.hash("kein-benutzer-hat-dieses-passwort")


def verify(password_hash: str, password: str) -> bool:
    """One argon2 verify; every login attempt calls this exactly once."""
    try:
        return _HASHER.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def _locked(failed_logins: int, last_failed: datetime | None, now: datetime) -> bool:
    return failed_logins >= LOCK_AFTER and last_failed is not None and now - last_failed < timedelta(
        seconds=LOCK_SECONDS
    )


def login(uow: UnitOfWork, *, practice_id: int, login: str, password: str, sleep: bool = True) -> Actor:
    """Check a dashboard login; the lock-out is checked first, and every refusal looks the same."""
    name = login.strip()
    with uow:
        query = select(User).where(User.practice_id == practice_id, User.login == name)
        user = uow.session.exec(query).first()
        # End the read before the slow verify: no transaction is held while argon2 works, and
        # SQLite's write below starts fresh instead of upgrading a stale read snapshot.
        uow.session.expunge_all()
        uow.session.rollback()
    now = utcnow()
    locked = user is not None and _locked(user.failed_logins, user.last_failed_login, now)
    known = user is not None and bool(user.password_hash)
    ok = verify(user.password_hash if user is not None and user.password_hash else _dummy_hash(), password)
    if ok and known and not locked:
        assert user is not None
        return _succeed(uow, user, practice_id)
    _fail(uow, practice_id, name, now)
    if sleep:
        time.sleep(FAILURE_DELAY)
    raise NotAllowed(BAD_LOGIN, "login failed")


def _succeed(uow: UnitOfWork, user: User, practice_id: int) -> Actor:
    with uow:
        uow.session.execute(update(User).where(col(User.id) == user.id).values(failed_logins=0))
        audit.record(uow.session, practice_id=practice_id, actor=f"dashboard:{user.login}", action="login")
        uow.commit()
    return actor_for_user(user)


def _fail(uow: UnitOfWork, practice_id: int, name: str, now: datetime) -> None:
    """Count the failure in one atomic UPDATE (parallel failures all count); unknown names match no row."""
    with uow:
        uow.session.execute(
            update(User)
            .where(col(User.practice_id) == practice_id, col(User.login) == name)
            .values(failed_logins=col(User.failed_logins) + 1, last_failed_login=now)
        )
        failures = uow.session.exec(
            select(User.failed_logins).where(User.practice_id == practice_id, User.login == name)
        ).first()
        # An unknown name is not written down: it may be a password typed into the wrong field.
        audit.record(
            uow.session,
            practice_id=practice_id,
            actor=f"dashboard:{name}" if failures is not None else "dashboard:(unbekannter Name)",
            action="login.failed",
            failures=failures or 0,
        )
        uow.commit()
