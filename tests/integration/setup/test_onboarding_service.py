"""Onboarding moves with their evidence, on SQLite and PostgreSQL (core/services/setup/onboarding.py)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlmodel import select

from core.bootstrap import App
from core.db.models import AuditEvent, Notification, OnboardingEvent, Practice
from core.domain.dates import today
from core.domain.errors import IllegalTransition, NotAllowed, NotFound
from core.domain.onboarding import OnboardingAction, OnboardingState
from core.services.people.access import OPERATOR, SYSTEM, Actor, Role
from core.services.setup import onboarding

A, S = OnboardingAction, OnboardingState


def move(
    app: App, action: OnboardingAction, *, actor: Actor = OPERATOR, **options: object
) -> OnboardingState:
    return onboarding.transition(
        app.uow(),
        practice_id=app.practice_id,
        actor=actor,
        action=action,
        via=str(options.pop("via", "cli")),
        **options,  # type: ignore[arg-type]
    )


def state(app: App) -> OnboardingState:
    return onboarding.status(app.uow(), practice_id=app.practice_id).state


def rows(app: App, model: Any) -> list[Any]:
    with app.uow() as uow:
        return list(uow.session.exec(select(model).order_by(model.id)).all())


def test_a_new_practice_has_not_requested_access_yet(sqlite_app: App) -> None:
    status = onboarding.status(sqlite_app.uow(), practice_id=sqlite_app.practice_id)
    assert (status.state, status.allowed, status.active, status.events) == (
        S.NOT_REQUESTED,
        [A.REQUEST],
        False,
        [],
    )
    assert "anfordern" in status.next_step


def test_the_whole_way_to_active_is_kept_with_who_how_and_evidence(app: App) -> None:
    move(app, A.REQUEST)
    move(app, A.CONTRACT_RECEIVED, actor=SYSTEM, via="mail", evidence="<vertrag-1@1159finance.com>")
    move(app, A.SIGNED, via="chat", note="per DocuSign unterschrieben")
    move(app, A.ACTIVATE, actor=SYSTEM, via="mail", evidence="<aktiv-1@1159finance.com>")

    status = onboarding.status(app.uow(), practice_id=app.practice_id)
    assert status.active
    assert status.contract_start == today()
    assert [(e.from_state, e.to_state, e.actor, e.via, e.evidence) for e in status.events] == [
        (S.NOT_REQUESTED, S.REQUESTED, "cli", "cli", ""),
        (S.REQUESTED, S.CONTRACT_RECEIVED, "worker", "mail", "<vertrag-1@1159finance.com>"),
        (S.CONTRACT_RECEIVED, S.SIGNED, "cli", "chat", ""),
        (S.SIGNED, S.ACTIVE, "worker", "mail", "<aktiv-1@1159finance.com>"),
    ]
    assert status.events[2].note == "per DocuSign unterschrieben"
    assert all(e.at is not None and e.at.tzinfo is not None for e in status.events)


def test_every_move_is_audited_and_announced_to_the_practice_chat(app: App) -> None:
    move(app, A.REQUEST)
    move(app, A.CONTRACT_RECEIVED)

    audits = [a for a in rows(app, AuditEvent) if a.action.startswith("onboarding.")]
    assert [(a.action, a.details["from_state"], a.details["to_state"]) for a in audits] == [
        ("onboarding.request", S.NOT_REQUESTED, S.REQUESTED),
        ("onboarding.contract-received", S.REQUESTED, S.CONTRACT_RECEIVED),
    ]
    texts = [n.text for n in rows(app, Notification)]
    assert texts[-1].startswith("Inkasso-Onboarding: jetzt „Vertrag erhalten“.")


def test_activation_keeps_a_given_contract_start(sqlite_app: App) -> None:
    move(sqlite_app, A.REQUEST)
    move(sqlite_app, A.CONTRACT_RECEIVED)
    move(sqlite_app, A.ACTIVATE, contract_start=date(2026, 1, 15))
    assert onboarding.status(sqlite_app.uow(), practice_id=sqlite_app.practice_id).contract_start == date(
        2026, 1, 15
    )


def test_signed_before_a_contract_was_received_is_refused_and_changes_nothing(app: App) -> None:
    move(app, A.REQUEST)
    events_before, audits_before = len(rows(app, OnboardingEvent)), len(rows(app, AuditEvent))

    with pytest.raises(IllegalTransition) as refused:
        move(app, A.SIGNED)

    assert refused.value.user_message == (
        "„Vertrag als unterschrieben markieren“ geht im Zustand „angefragt“ nicht. "
        "Möglich ist jetzt: Vertrag als erhalten markieren, Als abgelehnt markieren, Kündigen."
    )
    assert state(app) == S.REQUESTED
    assert (len(rows(app, OnboardingEvent)), len(rows(app, AuditEvent))) == (events_before, audits_before)


def test_the_same_mail_never_moves_the_onboarding_twice(app: App) -> None:
    move(app, A.REQUEST)
    evidence = "<vertrag-1@1159finance.com>"
    assert move(app, A.CONTRACT_RECEIVED, actor=SYSTEM, via="mail", evidence=evidence) == S.CONTRACT_RECEIVED
    # The same mail seen again (e.g. after a reconnect) is a no-op, not an illegal move.
    assert move(app, A.CONTRACT_RECEIVED, actor=SYSTEM, via="mail", evidence=evidence) == S.CONTRACT_RECEIVED
    assert len(rows(app, OnboardingEvent)) == 2


def test_a_rejected_practice_may_request_again(sqlite_app: App) -> None:
    move(sqlite_app, A.REQUEST)
    move(sqlite_app, A.REJECT, note="Unterlagen unvollständig")
    assert move(sqlite_app, A.REQUEST) == S.REQUESTED


def test_staff_may_not_steer_the_onboarding(sqlite_app: App) -> None:
    with pytest.raises(NotAllowed) as refused:
        move(sqlite_app, A.REQUEST, actor=Actor(Role.STAFF, "telegram:7"))
    assert refused.value.user_message == "Das Onboarding steuern nur Praxisleitungen."
    assert state(sqlite_app) == S.NOT_REQUESTED


def test_without_a_practice_the_status_says_how_to_set_one_up(sqlite_app: App) -> None:
    with pytest.raises(NotFound) as missing:
        onboarding.status(sqlite_app.uow(), practice_id=sqlite_app.practice_id + 1)
    assert "Noch keine Praxis eingerichtet" in missing.value.user_message
    assert "`inkasso practice setup`" in missing.value.user_message


def test_the_state_is_stored_on_the_practice(sqlite_app: App) -> None:
    move(sqlite_app, A.REQUEST)
    (practice,) = rows(sqlite_app, Practice)
    assert practice.onboarding_state == S.REQUESTED
