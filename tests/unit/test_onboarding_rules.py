"""Onboarding: the one transition table (core/domain/onboarding.py)."""

from __future__ import annotations

import itertools

import pytest

from core.domain.errors import IllegalTransition
from core.domain.onboarding import (
    NEXT_STEP,
    TRANSITIONS,
    OnboardingAction,
    OnboardingState,
    action_label,
    allowed_actions,
    next_state,
)

S, A = OnboardingState, OnboardingAction


def test_the_happy_path_leads_from_not_requested_to_active() -> None:
    state = S.NOT_REQUESTED
    for action in (A.REQUEST, A.CONTRACT_RECEIVED, A.SIGNED, A.ACTIVATE):
        state = next_state(state, action)
    assert state == S.ACTIVE


def test_the_countersignature_may_arrive_before_the_contract_was_marked_signed() -> None:
    assert next_state(S.CONTRACT_RECEIVED, A.ACTIVATE) == S.ACTIVE


def test_signed_before_a_contract_was_received_is_refused_in_german() -> None:
    with pytest.raises(IllegalTransition) as refused:
        next_state(S.REQUESTED, A.SIGNED)
    message = refused.value.user_message
    assert "„Vertrag als unterschrieben markieren“ geht im Zustand „angefragt“ nicht" in message
    assert "Möglich ist jetzt: Vertrag als erhalten markieren" in message
    assert refused.value.exit_code == 1


def test_activating_without_any_contract_is_refused() -> None:
    with pytest.raises(IllegalTransition):
        next_state(S.NOT_REQUESTED, A.ACTIVATE)


def test_an_active_interface_can_only_be_cancelled() -> None:
    assert allowed_actions(S.ACTIVE) == [A.CANCEL]
    with pytest.raises(IllegalTransition) as refused:
        next_state(S.ACTIVE, A.REQUEST)
    assert refused.value.user_message.endswith("Möglich ist jetzt: Kündigen.")


@pytest.mark.parametrize("state", [S.REJECTED, S.CANCELLED])
def test_after_a_rejection_or_cancellation_access_may_be_requested_again(state: OnboardingState) -> None:
    assert next_state(state, A.REQUEST) == S.REQUESTED
    assert allowed_actions(state) == [A.REQUEST]


@pytest.mark.parametrize(("state", "action"), list(itertools.product(S, A)))
def test_every_move_outside_the_table_is_illegal_and_every_move_inside_is_allowed(
    state: OnboardingState, action: OnboardingAction
) -> None:
    if (state, action) in TRANSITIONS:
        assert next_state(state, action) == TRANSITIONS[(state, action)]
        assert action in allowed_actions(state)
    else:
        with pytest.raises(IllegalTransition):
            next_state(state, action)
        assert action not in allowed_actions(state)


def test_every_state_has_a_next_step_and_a_way_forward() -> None:
    for state in S:
        assert NEXT_STEP[state]
        assert allowed_actions(state), f"{state} would be a dead end"


def test_active_is_reachable_from_every_state_except_active_itself() -> None:
    reachable = {S.ACTIVE}
    changed = True
    while changed:
        changed = False
        for (source, _action), target in TRANSITIONS.items():
            if target in reachable and source not in reachable:
                reachable.add(source)
                changed = True
    assert reachable == set(S)


def test_every_action_has_a_german_label() -> None:
    assert {action_label(a) for a in A} == {
        "Zugang anfordern",
        "Vertrag als erhalten markieren",
        "Vertrag als unterschrieben markieren",
        "Schnittstelle aktivieren",
        "Als abgelehnt markieren",
        "Kündigen",
    }
