"""Mails kept *zu prüfen*: recognised, but not acted on, until a manager has looked at them.

A mail lands here when nothing vouches for its sender (no MAIL_AUTHSERV_ID configured, or the
receiving server wrote no verdict), or when a genuine agency mail would skip an onboarding step.
Its raw bytes stay in its MailRecord (outcome `zu prüfen …`); the mail door puts it here, the
dashboard lists it and lets a manager confirm the onboarding step it carries. Confirming moves the
onboarding by exactly that one step through the transition table, never further.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import col, select

from core.db.engine import UnitOfWork
from core.db.models import MailRecord, Notification
from core.domain.errors import NotFound
from core.domain.onboarding import OnboardingAction, OnboardingState
from core.services.messaging.mail_records import finish
from core.services.people.access import Actor, Permission, require
from core.services.setup import onboarding

__all__ = [
    "OUT_OF_ORDER",
    "REVIEW",
    "UNVERIFIED",
    "MailReview",
    "confirm",
    "is_review",
    "keep",
    "pending",
]

REVIEW = "zu prüfen"
UNVERIFIED = f"{REVIEW} (unverified)"  # nothing vouches for the sender
OUT_OF_ORDER = f"{REVIEW} (out of order)"  # a genuine mail that would skip an onboarding step

# The one onboarding step each kind of agency mail carries (statements carry none).
STEP_OF_KIND: dict[str, OnboardingAction] = {
    "agency_contract": OnboardingAction.CONTRACT_RECEIVED,
    "agency_activation": OnboardingAction.ACTIVATE,
}
_KIND_LABEL = {
    "agency_contract": "Vertrag von 1159 Finance",
    "agency_activation": "Aktivierung durch 1159 Finance",
    "agency_statement": "Monatsabrechnung von 1159 Finance",
    "staff_command": "Befehl per E-Mail",
}


@dataclass(frozen=True)
class MailReview:
    message_key: str
    kind: str
    label: str  # German: what the mail says it is
    sender: str
    subject: str
    at: datetime
    verified: bool  # the sender is proven; only the step's order was wrong
    why: str  # German
    step: OnboardingAction | None  # what confirming it does; None: nothing to confirm here


def is_review(outcome: str) -> bool:
    return outcome.startswith(REVIEW)


def keep(
    uow: UnitOfWork, *, practice_id: int, message_key: str, outcome: str, notify: str | None = None
) -> None:
    """Finish a claimed mail as *zu prüfen* (`outcome` starts with UNVERIFIED or OUT_OF_ORDER),
    with at most one notification for the practice chat."""
    finish(uow, practice_id=practice_id, message_key=message_key, outcome=outcome)
    if notify:
        with uow:
            uow.session.add(Notification(practice_id=practice_id, kind="mail_review", text=notify))
            uow.commit()


def _review(record: MailRecord) -> MailReview:
    verified = record.outcome.startswith(OUT_OF_ORDER)
    why = (
        "Echte Mail von 1159 Finance, aber sie passt nicht zum Stand des Onboardings."
        if verified
        else "Nicht nachgewiesen, dass die Mail vom angegebenen Absender stammt "
        "(kein bestandenes DKIM/DMARC-Ergebnis des eigenen Mailservers)."
    )
    return MailReview(
        record.message_key,
        record.kind,
        _KIND_LABEL.get(record.kind, record.kind),
        record.sender,
        record.subject,
        record.at,
        verified,
        why,
        STEP_OF_KIND.get(record.kind),
    )


def pending(uow: UnitOfWork, *, practice_id: int) -> list[MailReview]:
    """Every mail still waiting for a person, newest first."""
    with uow:
        records = uow.session.exec(
            select(MailRecord)
            .where(
                MailRecord.practice_id == practice_id,
                MailRecord.direction == "in",
                col(MailRecord.outcome).startswith(REVIEW),
            )
            .order_by(col(MailRecord.id).desc())
        ).all()
        return [_review(r) for r in records]


def confirm(uow: UnitOfWork, *, practice_id: int, message_key: str, actor: Actor) -> OnboardingState:
    """A manager confirms the onboarding step a kept mail carries: one step, or IllegalTransition."""
    require(actor, Permission.ONBOARDING)
    found = next((r for r in pending(uow, practice_id=practice_id) if r.message_key == message_key), None)
    if found is None or found.step is None:
        raise NotFound(
            "Diese Mail wartet nicht (mehr) auf eine Bestätigung.", f"no confirmable review {message_key}"
        )
    state = onboarding.transition(
        uow,
        practice_id=practice_id,
        actor=actor,
        action=found.step,
        via="dashboard",
        evidence=message_key,
        note=f"Nach Prüfung der Mail „{found.subject[:80]}“ bestätigt.",
    )
    finish(uow, practice_id=practice_id, message_key=message_key, outcome=f"done: confirmed by {actor.label}")
    return state
