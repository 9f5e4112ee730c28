"""The first start on an empty database: the practice's data, then the first manager login.

Until a manager can log in, the dashboard offers these two steps to whoever opens it and knows the
installation's set-up code (setup_code.py); once a manager login exists, the set-up is closed and
everything else needs a login.
"""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum

from sqlalchemy import update
from sqlmodel import select

from core.db.engine import UnitOfWork
from core.db.models import Practice, User
from core.domain.errors import NotAllowed
from core.services.people import users
from core.services.people.access import Actor, Role
from core.services.setup import onboarding, practice, setup_code

__all__ = ["SETUP", "Stage", "add_first_manager", "create_practice", "stage"]

# Who acts at the first start: nobody is logged in yet, so the audit log names the set-up itself.
SETUP = Actor(Role.OPERATOR, "dashboard:einrichtung")
_CLOSED = "Die Einrichtung ist abgeschlossen: es gibt schon eine Praxisleitung mit Login. Bitte anmelden."


class Stage(StrEnum):
    PRACTICE = "practice"  # no practice yet
    MANAGER = "manager"  # a practice, but no manager who can log in to the dashboard
    READY = "ready"


def _has_manager_login(uow: UnitOfWork, practice_id: int) -> bool:
    found = uow.session.exec(
        select(User.id).where(
            User.practice_id == practice_id,
            User.role == Role.MANAGER,
            User.login.is_not(None),  # type: ignore[union-attr]
        )
    ).first()
    return found is not None


def stage(uow: UnitOfWork, *, practice_id: int) -> Stage:
    with uow:
        if uow.session.get(Practice, practice_id) is None:
            return Stage.PRACTICE
        return Stage.READY if _has_manager_login(uow, practice_id) else Stage.MANAGER


def _require_code(uow: UnitOfWork, practice_id: int, code: str) -> None:
    if stage(uow, practice_id=practice_id) == Stage.READY:  # no new code once the set-up is closed
        raise NotAllowed(_CLOSED, "set-up closed")
    setup_code.check(uow.settings, code)


def create_practice(
    uow: UnitOfWork, *, practice_id: int, values: dict[str, str], case_fee: Decimal, code: str
) -> practice.PracticeView:
    """Step 1 at the first start (refused, like any second set-up, once a practice exists)."""
    _require_code(uow, practice_id, code)
    return practice.create(uow, practice_id=practice_id, actor=SETUP, values=values, case_fee=case_fee)


def add_first_manager(
    uow: UnitOfWork, *, practice_id: int, login: str, password: str, code: str, name: str = ""
) -> users.UserView:
    """Step 2: the first manager login; refused once any manager can log in."""
    _require_code(uow, practice_id, code)
    user = users.new_user(
        practice_id=practice_id, role=Role.MANAGER, login=login, password=password, name=name
    )
    with uow:
        onboarding.get_practice(uow, practice_id)
        # A write first: it holds the practice row (PostgreSQL) or the database (SQLite) until the
        # commit, so two people submitting at once cannot both become the first manager.
        uow.session.execute(update(Practice).where(Practice.id == practice_id).values(name=Practice.name))  # type: ignore[arg-type]
        if _has_manager_login(uow, practice_id):
            raise NotAllowed(_CLOSED, "first manager exists already")
        users.store(uow.session, user=user, actor=SETUP)
        uow.commit()
        made = users.view(user)
    setup_code.discard(uow.settings)
    return made
