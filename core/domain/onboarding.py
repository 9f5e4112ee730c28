"""Onboarding: the states of the collection interface and the one transition table."""

from __future__ import annotations

from enum import StrEnum

from core.domain.errors import IllegalTransition

__all__ = [
    "NEXT_STEP",
    "OnboardingAction",
    "OnboardingState",
    "TRANSITIONS",
    "action_label",
    "allowed_actions",
    "next_state",
]


class OnboardingState(StrEnum):
    NOT_REQUESTED = "nicht angefragt"
    REQUESTED = "angefragt"
    CONTRACT_RECEIVED = "Vertrag erhalten"
    SIGNED = "unterschrieben"
    ACTIVE = "aktiv"
    REJECTED = "abgelehnt"
    CANCELLED = "gekündigt"


class OnboardingAction(StrEnum):
    REQUEST = "request"
    CONTRACT_RECEIVED = "contract-received"
    SIGNED = "signed"
    ACTIVATE = "activate"
    REJECT = "reject"
    CANCEL = "cancel"


S, A = OnboardingState, OnboardingAction

# The one place where onboarding moves are defined: (from, action) -> to.
TRANSITIONS: dict[tuple[OnboardingState, OnboardingAction], OnboardingState] = {
    (S.NOT_REQUESTED, A.REQUEST): S.REQUESTED,
    (S.REJECTED, A.REQUEST): S.REQUESTED,
    (S.CANCELLED, A.REQUEST): S.REQUESTED,
    (S.REQUESTED, A.CONTRACT_RECEIVED): S.CONTRACT_RECEIVED,
    (S.CONTRACT_RECEIVED, A.SIGNED): S.SIGNED,
    # The countersignature may arrive before anyone marked the contract signed here.
    (S.CONTRACT_RECEIVED, A.ACTIVATE): S.ACTIVE,
    (S.SIGNED, A.ACTIVATE): S.ACTIVE,
    (S.REQUESTED, A.REJECT): S.REJECTED,
    (S.CONTRACT_RECEIVED, A.REJECT): S.REJECTED,
    (S.SIGNED, A.REJECT): S.REJECTED,
    (S.REQUESTED, A.CANCEL): S.CANCELLED,
    (S.CONTRACT_RECEIVED, A.CANCEL): S.CANCELLED,
    (S.SIGNED, A.CANCEL): S.CANCELLED,
    (S.ACTIVE, A.CANCEL): S.CANCELLED,
}

NEXT_STEP: dict[OnboardingState, str] = {
    S.NOT_REQUESTED: "Zugang bei 1159 Finance anfordern („Zugang anfordern“).",
    S.REQUESTED: "Auf die Vertrags-Mail von 1159 Finance warten.",
    S.CONTRACT_RECEIVED: (
        "Vertrag über den Link in der Mail unterschreiben, dann als unterschrieben melden "
        "(„Vertrag als unterschrieben markieren“)."
    ),
    S.SIGNED: "1159 Finance prüft den Vertrag; die Bestätigungs-Mail schaltet die Schnittstelle frei.",
    S.ACTIVE: "Alles bereit: Forderungen können übergeben werden.",
    S.REJECTED: "1159 Finance hat abgelehnt. Bei Fragen den Support kontaktieren; neu anfordern ist möglich.",
    S.CANCELLED: "Der Vertrag ist gekündigt. Neu anfordern ist möglich.",
}

_ACTION_WORDS: dict[OnboardingAction, str] = {
    A.REQUEST: "Zugang anfordern",
    A.CONTRACT_RECEIVED: "Vertrag als erhalten markieren",
    A.SIGNED: "Vertrag als unterschrieben markieren",
    A.ACTIVATE: "Schnittstelle aktivieren",
    A.REJECT: "Als abgelehnt markieren",
    A.CANCEL: "Kündigen",
}


def next_state(current: OnboardingState, action: OnboardingAction) -> OnboardingState:
    """The state after `action`, or IllegalTransition with a German explanation."""
    target = TRANSITIONS.get((current, action))
    if target is None:
        allowed = ", ".join(_ACTION_WORDS[a] for a in allowed_actions(current)) or "keine"
        raise IllegalTransition(
            f"„{_ACTION_WORDS[action]}“ geht im Zustand „{current}“ nicht. Möglich ist jetzt: {allowed}.",
            f"illegal onboarding move {action} from {current}",
        )
    return target


def allowed_actions(current: OnboardingState) -> list[OnboardingAction]:
    return [action for (state, action) in TRANSITIONS if state == current]


def action_label(action: OnboardingAction) -> str:
    return _ACTION_WORDS[action]
