"""Zugang anfordern: mail 1159 Finance support and move the onboarding to 'angefragt'.

The request is mailed through the `Mailer` port (`app.mailer`); without a mail server it is only
recorded and the person is told to write to support.
"""

from __future__ import annotations

from dataclasses import dataclass

from core.db.engine import UnitOfWork
from core.domain.onboarding import OnboardingAction, OnboardingState, next_state
from core.services.messaging.ports import Mailer
from core.services.people.access import Actor, Permission, require
from core.services.setup import onboarding

__all__ = ["AccessRequested", "request_access"]


@dataclass(frozen=True)
class AccessRequested:
    state: OnboardingState
    mailed: bool
    message_id: str | None
    support_email: str

    @property
    def message(self) -> str:
        """What the person is told, in German."""
        if self.mailed:
            return (
                f"Die Anfrage ist per E-Mail an {self.support_email} gegangen. Onboarding: „{self.state}“. "
                "Als Nächstes kommt die Vertrags-Mail von 1159 Finance."
            )
        return (
            f"Die Anfrage ist vermerkt (Onboarding: „{self.state}“), aber es ist kein Mailserver "
            f"eingerichtet (SMTP_HOST). Bitte schreiben Sie selbst an {self.support_email} und bitten "
            "um Freischaltung der Inkasso-Schnittstelle."
        )


async def request_access(
    uow: UnitOfWork,
    *,
    practice_id: int,
    actor: Actor,
    via: str,
    support_email: str,
    mailer: Mailer,
    note: str = "",
) -> AccessRequested:
    """Mail the access request (when a mail server is set up) and record the step; a failed send
    changes nothing.

    Raises IllegalTransition before any mail goes out when a request is not possible now, and
    the mailer's PeerUnavailable/Refused when the mail could not be sent."""
    require(actor, Permission.ONBOARDING)
    with uow:
        practice = onboarding.get_practice(uow, practice_id)
        next_state(OnboardingState(practice.onboarding_state), OnboardingAction.REQUEST)
    message_id = await mailer.send_access_request(practice)
    text = (
        f"Anfrage per E-Mail an {support_email} gesendet." if message_id else "Anfrage ohne E-Mail vermerkt."
    )
    state = onboarding.transition(
        uow,
        practice_id=practice_id,
        actor=actor,
        action=OnboardingAction.REQUEST,
        via=via,
        evidence=message_id or "",
        note=f"{text} {note}".strip(),
    )
    return AccessRequested(state, message_id is not None, message_id, support_email)
