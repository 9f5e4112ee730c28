"""The command layer: parse, check access, call the core, answer with plain-data replies.

One layer for every chat door (Telegram, mail commands, the console chat). Public surface:

    layer = CommandLayer(app)
    replies = await layer.handle_text(Sender("mail", "anna@praxis.de"), "Bestätigen K7PX3MQ9TZ")
    replies = await layer.handle_button(Sender("telegram", 4711), "ok:K7PX3MQ9TZ")

Doors without buttons show `Button.command` (e.g. "/bestaetigen K7PX3MQ9TZ") instead. The
commands, their words and their handlers are the rows of `bot.catalogue.CATALOGUE`. Our own
errors become German replies; anything unexpected propagates to the door's error handler.
An unregistered sender gets one polite refusal, then an empty list (say nothing).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import date

from bot import actions, catalogue
from bot.parsing import arity_problem, parse
from bot.replies import Button, Reply, Sender
from core.bootstrap import App
from core.domain.errors import InkassoError, InvalidInput, NotAllowed
from core.services.people import access
from core.services.people.access import Actor

__all__ = ["Button", "CommandLayer", "Reply", "Sender"]

log = logging.getLogger(__name__)

REFUSAL = (
    "Guten Tag! Dieser Bot ist nur für das Team der Praxis freigeschaltet. "
    "Wenn Sie zur Praxis gehören, bittet Ihre Praxisleitung um Freischaltung."
)
_MAX_REMEMBERED = 10_000
Handler = Callable[[Actor, tuple[str, ...]], Awaitable[list[Reply]]]


class CommandLayer:
    """Transport-free chat commands on top of `App`; one instance per process is enough."""

    def __init__(self, app: App, *, on: date | None = None) -> None:
        self.app = app
        self.bot_username: str | None = None  # set by the Telegram door: ignore /cmd@other_bot
        self._actions = actions.Actions(app, on=on)
        self._refused: set[tuple[str, str]] = set()
        self._handlers: dict[str, Handler] = {c.name: self._handler(c) for c in catalogue.CATALOGUE}

    def _handler(self, command: catalogue.Command) -> Handler:
        if command.handler == "help":
            return self._help
        handler: Handler = getattr(self._actions, command.handler)
        return handler

    # -- who is writing --------------------------------------------------------------------------
    def actor(self, sender: Sender) -> Actor:
        """The registered user behind `sender`; NotAllowed for anyone else."""
        uow, practice_id = self.app.uow(), self.app.practice_id
        if sender.channel == "telegram":
            ref = str(sender.ref)
            if not ref.lstrip("-").isdigit() or len(ref) > 18:
                raise NotAllowed("Unbekannter Absender.", f"bad telegram id {ref[:20]!r}")
            return access.actor_for_telegram(
                uow, practice_id=practice_id, telegram_id=int(ref), chat_id=sender.chat
            )
        if sender.channel == "mail":
            return access.actor_for_email(uow, practice_id=practice_id, email=str(sender.ref))
        if sender.channel == "console":
            return access.actor_for_console(uow, practice_id=practice_id, who=str(sender.ref) or None)
        raise NotAllowed("Unbekannter Zugang.", f"unknown channel {sender.channel!r}")

    def _refuse_once(self, sender: Sender, exc: NotAllowed) -> list[Reply]:
        key = (sender.channel, str(sender.ref))
        log.info("refused %s:%s (%s)", sender.channel, sender.ref, exc.log_message)
        if isinstance(exc, access.WrongChat):  # a colleague in the wrong place: tell them each time
            return [Reply(exc.user_message)]
        if key in self._refused:
            return []
        if len(self._refused) >= _MAX_REMEMBERED:
            self._refused.clear()  # bounded memory; the worst case is one more polite refusal
        self._refused.add(key)
        return [Reply(REFUSAL)]

    # -- the two entry points --------------------------------------------------------------------
    async def handle_text(self, sender: Sender, text: str) -> list[Reply]:
        """Answer one text message (a command with its arguments)."""
        try:
            actor = self.actor(sender)
        except NotAllowed as exc:
            return self._refuse_once(sender, exc)
        try:
            parsed = parse(text, bot_username=self.bot_username)
            if parsed is None:
                return []
            if not parsed.command:
                return [_unknown(parsed.word)]
            problem = arity_problem(parsed)
            if problem:
                return [Reply(problem)]
            log.info("%s: /%s", actor.label, parsed.command)
            return await self._handlers[parsed.command](actor, parsed.args)
        except InkassoError as exc:
            log.info("%s refused: %s", actor.label, exc.log_message)
            return [Reply(exc.user_message + catalogue.hint(exc.next_action, exc.subject))]

    async def handle_button(self, sender: Sender, data: str) -> list[Reply]:
        """Answer a button press; forged, foreign, expired or replayed data change nothing."""
        try:
            actor = self.actor(sender)
        except NotAllowed as exc:
            return self._refuse_once(sender, exc)
        try:
            kind, _, value = (data or "").partition(":")
            if len(data) > 64 or not value:
                raise InvalidInput(_stale_button(), f"malformed button {data[:70]!r}")
            log.info("%s: button %s", actor.label, kind)
            command = catalogue.for_button(kind)
            if command is None:
                raise InvalidInput(_stale_button(), f"unknown button {data[:70]!r}")
            return await self._handlers[command.name](actor, (value,))
        except InkassoError as exc:
            log.info("%s button refused: %s", actor.label, exc.log_message)
            return [Reply(exc.user_message, settles_prompt=actions.settles(exc))]

    async def _help(self, actor: Actor, args: tuple[str, ...]) -> list[Reply]:
        return [Reply(catalogue.help_text())]


def _stale_button() -> str:
    example = catalogue.command("forderung").example
    return f"Diese Schaltfläche ist ungültig oder veraltet. Bitte den Befehl neu senden, z. B. {example}."


def _unknown(word: str) -> Reply:
    help_ = catalogue.command("hilfe").line()
    if not word:
        example = catalogue.command("status").example
        return Reply(f"Bitte einen Befehl senden, z. B. {example}. {help_} zeigt alle Befehle.")
    return Reply(f"„{word}“ kenne ich nicht. {help_} zeigt alle Befehle mit Beispielen.")
