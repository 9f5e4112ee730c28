"""What `inkasso demo` prepares on embedded defaults: data, a login, and the onboarding walked by hand."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from pathlib import Path

from sqlmodel import func, select

from core.db.engine import UnitOfWork
from core.db.models import Invoice, User
from core.domain.onboarding import OnboardingAction, OnboardingState, allowed_actions
from core.services.collection import claims
from core.services.demo import demo_data
from core.services.invoicing import invoices
from core.services.people import users
from core.services.people.access import Actor, Role
from core.services.setup import onboarding

__all__ = ["DEMO", "DEMO_LOGIN", "DemoState", "prepare"]

DEMO = Actor(Role.OPERATOR, "demo")
DEMO_LOGIN = "chef"
_WALK = (
    OnboardingAction.REQUEST,
    OnboardingAction.CONTRACT_RECEIVED,
    OnboardingAction.SIGNED,
    OnboardingAction.ACTIVATE,
)


@dataclass(frozen=True)
class DemoState:
    invoices_created: int
    login: str
    password: str
    onboarding_steps: list[str]


def prepare(
    uow: UnitOfWork,
    *,
    practice_id: int,
    data_dir: Path,
    walk_onboarding: bool,
    seed: int = 1159,
) -> DemoState:
    """Seed once, create the demo manager login once, and (without a mail server) walk the onboarding."""
    with uow:
        invoices = uow.session.exec(
            select(func.count()).select_from(Invoice).where(Invoice.practice_id == practice_id)
        ).one()
    created = 0
    if not invoices:
        created = demo_data.seed(
            uow.fresh(),
            practice_id=practice_id,
            actor=DEMO,
            data_dir=data_dir,
            seed=seed,
        ).created
    password = _ensure_login(uow.fresh(), practice_id=practice_id, data_dir=data_dir)
    steps: list[str] = []
    if walk_onboarding:
        for action in _WALK:
            state = onboarding.status(uow.fresh(), practice_id=practice_id).state
            if state == OnboardingState.ACTIVE:
                break
            if action in allowed_actions(state):
                new = onboarding.transition(
                    uow.fresh(),
                    practice_id=practice_id,
                    actor=DEMO,
                    action=action,
                    via="demo",
                    note="Demo ohne Mailserver: Schritt von Hand ausgelöst.",
                )
                steps.append(str(new))
    if created and onboarding.status(uow.fresh(), practice_id=practice_id).active:
        _hand_over_some(uow, practice_id=practice_id)
    return DemoState(created, DEMO_LOGIN, password, steps)


def _hand_over_some(uow: UnitOfWork, *, practice_id: int, count: int = 12) -> None:
    """Queue a few claims so the dashboard has cases; the worker's outbox delivers them."""
    page = invoices.overdue(uow.fresh(), practice_id=practice_id, per_page=200)
    for item in [i for i in page.items if i.has_legal_basis][:count]:
        claims.queue(uow.fresh(), practice_id=practice_id, actor=DEMO, number=item.number)


def _ensure_login(uow: UnitOfWork, *, practice_id: int, data_dir: Path) -> str:
    secret_file = data_dir / "demo-zugang.txt"
    with uow:
        exists = uow.session.exec(
            select(User.id).where(User.practice_id == practice_id, User.login == DEMO_LOGIN)
        ).first()
    if exists and secret_file.exists():
        return secret_file.read_text(encoding="utf-8").strip()
    password = secrets.token_urlsafe(9)
    if exists:
        return "(unbekannt – data/demo-zugang.txt fehlt)"
    users.add(
        uow.fresh(),
        practice_id=practice_id,
        actor=DEMO,
        role="manager",
        login=DEMO_LOGIN,
        password=password,
        name="Dr. Demo",
    )
    data_dir.mkdir(parents=True, exist_ok=True)
    secret_file.write_text(password + "\n", encoding="utf-8")
    secret_file.chmod(0o600)
    return password
