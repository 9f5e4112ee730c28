"""The console chat: the same command layer in a terminal; buttons become numbered choices."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from bot import catalogue
from bot.commands import CommandLayer
from bot.replies import Button, Reply, Sender

__all__ = ["ConsoleChat", "ERROR_TEXT", "GREETING", "run"]

log = logging.getLogger(__name__)

GREETING = (
    "Praxis-Inkasso – Konsolen-Chat. Befehle wie im Telegram-Chat, z. B. "
    f"{catalogue.command('ueberfaellig').line()} oder {catalogue.command('status').example}. "
    f"Schaltflächen wählen Sie mit ihrer Nummer. {catalogue.command('hilfe').line()} zeigt alles, "
    "/ende beendet."
)
ERROR_TEXT = "Unerwarteter Fehler – Details stehen im Protokoll. Bitte noch einmal versuchen."
_QUIT = {"/ende", "/exit", "/quit", "ende", "exit", "quit"}


class ConsoleChat:
    """One conversation: feed it lines, it returns what to print (choices numbered from 1)."""

    def __init__(self, layer: CommandLayer, who: str | None) -> None:
        self.layer = layer
        self.sender = Sender("console", who or "")
        self.choices: list[Button] = []

    async def send(self, line: str) -> list[str]:
        """Handle one typed line: a choice number (when choices are open) or a command."""
        text = line.strip()
        try:
            if text.isascii() and text.isdigit() and self.choices:
                number = int(text)
                if not 1 <= number <= len(self.choices):
                    return [f"Bitte eine Zahl von 1 bis {len(self.choices)} eingeben oder einen Befehl."]
                replies = await self.layer.handle_button(self.sender, self.choices[number - 1].data)
            else:
                replies = await self.layer.handle_text(self.sender, line)
        except Exception:  # the chat must survive anything one command throws
            log.exception("console command failed")
            return [ERROR_TEXT]
        return self._render(replies)

    def _render(self, replies: list[Reply]) -> list[str]:
        out: list[str] = []
        offered: list[Button] = []
        for reply in replies:
            lines = [reply.text]
            for row in reply.buttons:
                for button in row:
                    offered.append(button)
                    lines.append(f"  [{len(offered)}] {button.label}")
            out.append("\n".join(lines))
        if replies:
            self.choices = offered  # a new answer replaces the old choices
        return out


async def run(
    layer: CommandLayer, who: str | None, *, read: Callable[[str], str], write: Callable[[str], None]
) -> None:
    """The interactive loop; `read` is `input` in the terminal (run off the event loop)."""
    chat = ConsoleChat(layer, who)
    write(GREETING)
    while True:
        try:
            line = await asyncio.to_thread(read, "> ")
        except (EOFError, KeyboardInterrupt):
            write("")
            return
        if line.strip().casefold() in _QUIT:
            return
        if not line.strip():
            continue
        for text in await chat.send(line):
            write(text)
