"""`inkasso chat`: the console chat, the same commands as in Telegram."""

from __future__ import annotations

import asyncio

import typer

from bot.commands import CommandLayer
from bot.console import run
from cli.common import fail, friendly, make_app
from core.domain.errors import NotAllowed
from core.services.people.access import actor_for_console

__all__ = ["chat"]


@friendly
def chat(
    who: str | None = typer.Option(
        None, "--as", help="Als wer: Login-Name, E-Mail oder Telegram-ID (Standard: die erste Praxisleitung)."
    ),
) -> None:
    """Konsolen-Chat: dieselben Befehle wie im Telegram-Chat, zum Ausprobieren ohne Telegram."""
    app = make_app()
    try:
        actor = actor_for_console(app.uow(), practice_id=app.practice_id, who=who)
    except NotAllowed:
        if who:
            fail(f"„{who}“ ist kein freigeschalteter Benutzer. `inkasso user list` zeigt alle.", 1)
        fail("Noch keine Praxisleitung angelegt: inkasso user add --login NAME --role manager", 1)
        return
    typer.echo(f"Angemeldet als {actor.name or actor.label} ({actor.role}).")

    async def go() -> None:
        try:
            await run(CommandLayer(app), who, read=input, write=typer.echo)
        finally:
            await app.aclose()

    asyncio.run(go())
