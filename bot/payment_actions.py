"""The chat's answers to a recognised payment: report it to 1159 Finance (accept) or reject it."""

from __future__ import annotations

from bot.replies import Button, Reply
from core.bootstrap import App
from core.domain.errors import InvalidInput
from core.services.payments_in import decisions
from core.services.people.access import Actor

__all__ = ["PaymentActions", "suggestion_buttons"]


def suggestion_buttons(suggestion_id: int) -> list[list[Button]]:
    """The buttons under "Zahlung erkannt: …" (their kinds are rows of bot.catalogue)."""
    return [
        [
            Button("An 1159 Finance melden", f"payok:{suggestion_id}"),
            Button("Ablehnen", f"payno:{suggestion_id}"),
        ]
    ]


def _suggestion_id(args: tuple[str, ...]) -> int:
    value = args[0].strip()
    if not value.isdigit() or len(value) > 12:
        raise InvalidInput(
            f"„{value}“ ist keine Vorschlagsnummer. Bitte die Nummer aus der Nachricht nehmen."
        )
    return int(value)


class PaymentActions:
    """Mixed into bot.actions.Actions: one method per catalogue row."""

    app: App

    async def accept_payment(self, actor: Actor, args: tuple[str, ...]) -> list[Reply]:
        decision = await decisions.accept_and_send(
            self.app.uow(),
            finance=self.app.finance(),
            practice_id=self.app.practice_id,
            actor=actor,
            suggestion_id=_suggestion_id(args),
        )
        return [Reply(decision.message, settles_prompt=True)]

    async def reject_payment(self, actor: Actor, args: tuple[str, ...]) -> list[Reply]:
        decision = decisions.reject(
            self.app.uow(), practice_id=self.app.practice_id, actor=actor, suggestion_id=_suggestion_id(args)
        )
        return [Reply(decision.message, settles_prompt=True)]
