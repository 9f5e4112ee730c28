"""Onboarding: the collection interface's state, moved by people and by the agency's mails."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlmodel import col, select

from core.db.engine import UnitOfWork
from core.db.models import Notification, OnboardingEvent, Practice
from core.domain.dates import today
from core.domain.errors import NotFound
from core.domain.onboarding import (
    NEXT_STEP,
    OnboardingAction,
    OnboardingState,
    allowed_actions,
    next_state,
)
from core.services.people import audit
from core.services.people.access import Actor, Permission, require

__all__ = ["OnboardingStatus", "get_practice", "status", "transition"]


@dataclass(frozen=True)
class OnboardingStatus:
    state: OnboardingState
    next_step: str
    allowed: list[OnboardingAction]
    contract_start: date | None
    events: list[OnboardingEvent]

    @property
    def active(self) -> bool:
        return self.state == OnboardingState.ACTIVE


def get_practice(uow: UnitOfWork, practice_id: int) -> Practice:
    practice = uow.session.get(Practice, practice_id)
    if practice is None:
        raise NotFound(
            "Noch keine Praxis eingerichtet. Bitte zuerst `inkasso practice setup` ausführen "
            "(zum Ausprobieren ohne echte Praxis: `inkasso demo`).",
            f"practice {practice_id} missing",
        )
    return practice


def status(uow: UnitOfWork, *, practice_id: int) -> OnboardingStatus:
    with uow:
        practice = get_practice(uow, practice_id)
        events = uow.session.exec(
            select(OnboardingEvent)
            .where(OnboardingEvent.practice_id == practice_id)
            .order_by(col(OnboardingEvent.at), col(OnboardingEvent.id))
        ).all()
        state = OnboardingState(practice.onboarding_state)
        return OnboardingStatus(
            state, NEXT_STEP[state], allowed_actions(state), practice.contract_start, list(events)
        )


def transition(
    uow: UnitOfWork,
    *,
    practice_id: int,
    actor: Actor,
    action: OnboardingAction,
    via: str,
    evidence: str = "",
    note: str = "",
    contract_start: date | None = None,
) -> OnboardingState:
    """Move the onboarding one step; the same evidence (e.g. a mail) never moves it twice."""
    require(actor, Permission.ONBOARDING)
    with uow:
        practice = get_practice(uow, practice_id)
        if (
            evidence
            and uow.session.exec(
                select(OnboardingEvent.id).where(
                    OnboardingEvent.practice_id == practice_id, OnboardingEvent.evidence == evidence
                )
            ).first()
        ):
            return OnboardingState(practice.onboarding_state)
        current = OnboardingState(practice.onboarding_state)
        target = next_state(current, action)
        practice.onboarding_state = target
        if target == OnboardingState.ACTIVE and via == "mail":  # a person's date is taken as given
            contract_start, refused = _plausible_start(uow, practice_id, contract_start)
            note = f"{note}\n{refused}".strip() if refused else note
        if target == OnboardingState.ACTIVE:
            practice.contract_start = contract_start or practice.contract_start or today()
        uow.session.add(
            OnboardingEvent(
                practice_id=practice_id,
                from_state=current,
                to_state=target,
                action=action,
                actor=actor.label,
                via=via,
                evidence=evidence,
                note=note,
            )
        )
        audit.record(
            uow.session,
            practice_id=practice_id,
            actor=actor,
            action=f"onboarding.{action}",
            subject="onboarding",
            from_state=current,
            to_state=target,
            via=via,
            evidence=evidence,
        )
        uow.session.add(
            Notification(practice_id=practice_id, kind="onboarding", text=_notification_text(target, note))
        )
        uow.commit()
        return target


def _plausible_start(uow: UnitOfWork, practice_id: int, start: date | None) -> tuple[date | None, str]:
    """A contract cannot begin before the access was asked for (a mail naming 2020 is not taken)."""
    asked = uow.session.exec(
        select(OnboardingEvent.at)
        .where(
            OnboardingEvent.practice_id == practice_id, OnboardingEvent.to_state == OnboardingState.REQUESTED
        )
        .order_by(col(OnboardingEvent.at).desc())
    ).first()
    if start is None or asked is None or start >= asked.date():
        return start, ""
    return None, (
        f"Der genannte Vertragsbeginn {start:%d.%m.%Y} liegt vor der Anfrage vom {asked:%d.%m.%Y} "
        "und wurde nicht übernommen."
    )


def _notification_text(state: OnboardingState, note: str) -> str:
    text = f"Inkasso-Onboarding: jetzt „{state}“. {NEXT_STEP[state]}"
    return f"{text}\n{note}" if note else text
