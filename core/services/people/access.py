"""Who may do what: the one place where roles meet actions, whatever door a request came through."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from sqlmodel import col, or_, select

from core.db.engine import UnitOfWork
from core.db.models import User
from core.domain.errors import NotAllowed

__all__ = [
    "Actor",
    "GRANTS",
    "OPERATOR",
    "Permission",
    "Role",
    "SYSTEM",
    "WRONG_CHAT",
    "WrongChat",
    "actor_for_console",
    "actor_for_email",
    "actor_for_telegram",
    "actor_for_user",
    "require",
    "require_chat",
    "staff_addresses",
]


class Role(StrEnum):
    STAFF = "staff"
    MANAGER = "manager"
    OPERATOR = "operator"  # the person at the server's shell (CLI)
    SYSTEM = "system"  # the worker acting on verified agency mails and syncs


class Permission(StrEnum):
    VIEW = "view"
    CREATE_CLAIM = "create_claim"
    RECORD_PAYMENT = "record_payment"
    WITHDRAW_CLAIM = "withdraw_claim"
    VIEW_REPORTS = "view_reports"
    VIEW_AUDIT = "view_audit"
    MANAGE_USERS = "manage_users"
    ONBOARDING = "onboarding"
    IMPORT = "import"
    PRACTICE = "practice"  # the practice's own data (Praxisdaten)
    PRIVACY = "privacy"  # a patient's data export (Art. 15 GDPR), erasure and purge
    CONSENT = "consent"  # record, complete and revoke a patient's consent (§ 203 StGB)


_STAFF = {Permission.VIEW, Permission.CREATE_CLAIM, Permission.RECORD_PAYMENT}
_MANAGER = set(Permission)
GRANTS: dict[Role, set[Permission]] = {
    Role.STAFF: _STAFF,
    Role.MANAGER: _MANAGER,
    Role.OPERATOR: _MANAGER,
    Role.SYSTEM: {Permission.VIEW, Permission.ONBOARDING},
}

_REFUSAL = {
    Permission.WITHDRAW_CLAIM: "Forderungen zurückziehen dürfen nur Praxisleitungen.",
    Permission.VIEW_REPORTS: "Berichte sehen nur Praxisleitungen.",
    Permission.VIEW_AUDIT: "Das Protokoll sehen nur Praxisleitungen.",
    Permission.MANAGE_USERS: "Benutzer verwalten dürfen nur Praxisleitungen.",
    Permission.ONBOARDING: "Das Onboarding steuern nur Praxisleitungen.",
    Permission.IMPORT: "Rechnungen importieren dürfen nur Praxisleitungen.",
    Permission.PRACTICE: "Die Praxisdaten ändern nur Praxisleitungen.",
    Permission.PRIVACY: "Auskunft und Löschung von Patientendaten nur durch Praxisleitungen.",
    Permission.CONSENT: "Einwilligungen erfassen, ergänzen und widerrufen dürfen nur Praxisleitungen.",
}


@dataclass(frozen=True)
class Actor:
    """Someone acting, and through which door; `label` goes into the audit log."""

    role: Role
    label: str
    user_id: int | None = None
    name: str = ""

    def may(self, permission: Permission) -> bool:
        return permission in GRANTS[self.role]


OPERATOR = Actor(Role.OPERATOR, "cli")
SYSTEM = Actor(Role.SYSTEM, "worker")


def require(actor: Actor, permission: Permission) -> None:
    if not actor.may(permission):
        raise NotAllowed(
            _REFUSAL.get(permission, "Dafür fehlt die Berechtigung."),
            f"{actor.label} ({actor.role}) lacks {permission}",
        )


def _actor(user: User | None, label: str) -> Actor:
    if user is None or user.id is None:
        raise NotAllowed(
            "Dieser Zugang ist nicht freigeschaltet. Bitte die Praxisleitung um Freischaltung bitten.",
            f"unknown {label}",
        )
    return Actor(Role(user.role), label, user.id, user.name)


WRONG_CHAT = (
    "Ich arbeite nur im privaten Chat mit mir und im Praxis-Chat; hier zeige ich keine "
    "Patientendaten und ändere nichts. Bitte den Befehl dort noch einmal senden."
)


class WrongChat(NotAllowed):
    """A registered user wrote from a chat that may not carry patient data (e.g. another group)."""


def require_chat(*, telegram_id: int, chat_id: int, practice_chat_id: int | None) -> None:
    """Patient data goes only where the practice allows it: the private chat with the user
    (Telegram's private chat id is the user's id) or the configured practice chat."""
    if chat_id == telegram_id or (practice_chat_id is not None and chat_id == practice_chat_id):
        return
    raise WrongChat(WRONG_CHAT, f"telegram:{telegram_id} wrote in chat {chat_id}, not allowed")


def actor_for_telegram(
    uow: UnitOfWork, *, practice_id: int, telegram_id: int, chat_id: int | None = None
) -> Actor:
    """The registered user `telegram_id`, acting from `chat_id` (None: their private chat);
    NotAllowed for strangers, WrongChat for a chat other than theirs or the practice chat."""
    with uow:
        user = uow.session.exec(
            select(User).where(User.practice_id == practice_id, User.telegram_id == telegram_id)
        ).first()
        actor = _actor(user, f"telegram:{telegram_id}")
    where = telegram_id if chat_id is None else chat_id
    require_chat(telegram_id=telegram_id, chat_id=where, practice_chat_id=uow.settings.practice_chat_id)
    return actor


def actor_for_email(uow: UnitOfWork, *, practice_id: int, email: str) -> Actor:
    address = email.strip().lower()
    with uow:
        user = uow.session.exec(
            select(User).where(User.practice_id == practice_id, User.email == address)
        ).first()
        return _actor(user, f"mail:{address}")


def actor_for_console(uow: UnitOfWork, *, practice_id: int, who: str | None = None) -> Actor:
    """The registered user the console chat acts as: login name, mail address or Telegram id;
    without `who`, the first manager."""
    with uow:
        query = select(User).where(User.practice_id == practice_id)
        if who is None:
            query = query.where(User.role == Role.MANAGER)
        else:
            who = who.strip()
            matches = [User.login == who, User.email == who.lower()]
            if who.isdigit() and len(who) < 19:
                matches.append(User.telegram_id == int(who))
            query = query.where(or_(*matches))
        user = uow.session.exec(query.order_by(col(User.id))).first()
        if user is None:
            return _actor(None, f"console:{who}")
        return _actor(user, f"console:{user.login or user.email or user.telegram_id}")


def actor_for_user(user: User) -> Actor:
    return _actor(user, f"dashboard:{user.login}")


def staff_addresses(uow: UnitOfWork, *, practice_id: int) -> frozenset[str]:
    """Registered mail addresses: the only senders whose command mails are read."""
    with uow:
        rows = uow.session.exec(
            select(User.email).where(User.practice_id == practice_id, User.email.is_not(None))  # type: ignore[union-attr]
        ).all()
        return frozenset(r for r in rows if r)
