"""Users: who may use the bot, send command mails, or log in to the dashboard."""

from __future__ import annotations

import re
from dataclasses import dataclass

from argon2 import PasswordHasher
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from core.db.engine import UnitOfWork
from core.db.models import User
from core.domain.errors import InvalidInput, NotAllowed, NotFound
from core.services.people import audit
from core.services.people.access import Actor, Permission, Role, require
from core.services.people.logins import login  # the dashboard login, kept reachable as users.login

__all__ = ["MIN_PASSWORD", "UserView", "add", "list_users", "login", "new_user", "remove", "store", "view"]

_HASHER = PasswordHasher()
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_LOGIN = re.compile(r"^[a-zA-Z0-9._-]{2,40}$")
MIN_PASSWORD = 10


@dataclass(frozen=True)
class UserView:
    id: int
    role: str
    name: str
    telegram_id: int | None
    email: str | None
    login: str | None


def view(user: User) -> UserView:
    assert user.id is not None
    return UserView(user.id, user.role, user.name, user.telegram_id, user.email, user.login)


def add(
    uow: UnitOfWork,
    *,
    practice_id: int,
    actor: Actor,
    role: str,
    telegram_id: int | None = None,
    email: str | None = None,
    login: str | None = None,
    password: str | None = None,
    name: str = "",
) -> UserView:
    require(actor, Permission.MANAGE_USERS)
    user = new_user(
        practice_id=practice_id,
        role=role,
        telegram_id=telegram_id,
        email=email,
        login=login,
        password=password,
        name=name,
    )
    with uow:
        store(uow.session, user=user, actor=actor)
        uow.commit()
        return view(user)


def new_user(
    *,
    practice_id: int,
    role: str,
    telegram_id: int | None = None,
    email: str | None = None,
    login: str | None = None,
    password: str | None = None,
    name: str = "",
) -> User:
    """A checked, not yet stored user (password hashed); German InvalidInput for bad details."""
    if role not in (Role.STAFF, Role.MANAGER):
        raise InvalidInput("Rolle muss „staff“ oder „manager“ sein.")
    if sum(x is not None for x in (telegram_id, email, login)) != 1:
        raise InvalidInput("Bitte genau eins angeben: Telegram-ID, E-Mail-Adresse oder Login-Name.")
    if email is not None:
        email = email.strip().lower()
        if not _EMAIL.match(email):
            raise InvalidInput(f"„{email}“ ist keine gültige E-Mail-Adresse.")
    if telegram_id is not None and telegram_id <= 0:
        raise InvalidInput("Die Telegram-ID ist eine positive Zahl, z. B. 123456789.")
    password_hash = None
    if login is not None:
        if not _LOGIN.match(login):
            raise InvalidInput(
                "Login-Namen: 2–40 Zeichen, nur Buchstaben, Ziffern, Punkt, Minus, Unterstrich."
            )
        if not password or len(password) < MIN_PASSWORD:
            raise InvalidInput(f"Das Passwort braucht mindestens {MIN_PASSWORD} Zeichen.")
        password_hash = _HASHER.hash(password)
    return User(
        practice_id=practice_id,
        role=role,
        name=name or login or email or str(telegram_id),
        telegram_id=telegram_id,
        email=email,
        login=login,
        password_hash=password_hash,
    )


def store(session: Session, *, user: User, actor: Actor) -> None:
    """Add `user` to the caller's transaction with its audit entry; a duplicate is refused in German."""
    session.add(user)
    try:
        session.flush()
    except IntegrityError:
        raise InvalidInput("Diesen Benutzer gibt es schon.") from None
    audit.record(
        session,
        practice_id=user.practice_id,
        actor=actor,
        action="user.add",
        subject=f"user:{user.id}",
        role=user.role,
    )


def list_users(uow: UnitOfWork, *, practice_id: int, actor: Actor) -> list[UserView]:
    require(actor, Permission.MANAGE_USERS)
    with uow:
        query = select(User).where(User.practice_id == practice_id).order_by(col(User.id))
        users = uow.session.exec(query).all()
        return [view(u) for u in users]


def remove(uow: UnitOfWork, *, practice_id: int, actor: Actor, user_id: int) -> None:
    require(actor, Permission.MANAGE_USERS)
    with uow:
        user = uow.session.get(User, user_id)
        if user is None or user.practice_id != practice_id:
            raise NotFound(f"Benutzer {user_id} gibt es nicht.")
        if actor.user_id == user_id:
            raise NotAllowed("Sich selbst entfernen geht nicht.")
        uow.session.delete(user)
        audit.record(
            uow.session, practice_id=practice_id, actor=actor, action="user.remove", subject=f"user:{user_id}"
        )
        uow.commit()
