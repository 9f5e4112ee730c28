"""Mail commands: a verified staff mail such as `Forderung 1234` goes through the same command
layer as the chat (`bot.commands`), and the answer goes back by mail, threaded under it.

Buttons cannot be pressed in a mail, so each becomes a line telling what to send back
("Antworten Sie mit: Bestätigen K7PX3MQ9TZ"). Replies go only to the verified From address,
never to a Reply-To a forger could have set.
"""

from __future__ import annotations

import logging
from email.message import EmailMessage

from bot.catalogue import command, mail_line
from bot.commands import CommandLayer, Reply, Sender
from core.bootstrap import App
from core.services.people.confirmations import LIFETIME, MAIL_LIFETIME, minutes
from core.services.setup.practice import mail_address
from mail.compose import command_reply
from mail.message import ParsedMail

__all__ = ["answer_command", "interrupted_reply", "render_replies"]

log = logging.getLogger(__name__)


def _written(name: str) -> str:
    return mail_line(command(name).example)


_STATUS = mail_line(command("status").usage)


FOOTER = (
    "—\nPraxis-Inkasso. Befehle per E-Mail: Betreff oder erste Zeile, z. B. "
    f"„{_written('status')}“, „{_written('zahlung')}“ oder „{_written('forderung')}“; "
    f"„{_written('hilfe')}“ zeigt alle."
)


def render_replies(replies: list[Reply]) -> str:
    """The chat replies as one plain-text mail body."""
    parts: list[str] = []
    for reply in replies:
        # the chat's wording speaks of buttons; in a mail the code sent back plays their part
        text = reply.text.rstrip().replace(
            f"Die Schaltfläche gilt {minutes(LIFETIME)} Minuten",
            f"Der Code gilt {minutes(MAIL_LIFETIME)} Minuten",
        )
        lines = [text]
        for row in reply.buttons:
            for button in row:
                if button.command:
                    lines.append(f"{button.label}: Antworten Sie mit: {mail_line(button.command)}")
        parts.append("\n".join(lines))
    return "\n\n".join(parts) + "\n\n" + FOOTER + "\n"


async def answer_command(
    app: App, layer: CommandLayer, mail: ParsedMail, command: str
) -> EmailMessage | None:
    """Run the command as the sender and build the reply mail (None: nothing to answer)."""
    assert mail.from_addr is not None
    replies = await layer.handle_text(Sender("mail", mail.from_addr), command)
    if not replies:
        return None
    return command_reply(
        to=mail.from_addr,
        from_=mail_address(app.uow(), practice_id=app.practice_id, fallback=app.settings.practice_email),
        subject=mail.subject or command,
        text=render_replies(replies),
        in_reply_to=mail.message_id,
    )


def interrupted_reply(app: App, mail: ParsedMail, command: str) -> EmailMessage:
    """Tell the sender that a command was cut off by a failure and will not be repeated."""
    assert mail.from_addr is not None
    text = (
        f"Ihr Befehl „{command}“ wurde wegen einer Störung möglicherweise nicht ausgeführt. "
        f"Bitte prüfen Sie das Ergebnis (z. B. mit „{_STATUS}“) und senden Sie den "
        "Befehl bei Bedarf noch einmal.\n"
    )
    return command_reply(
        mail.from_addr,
        mail_address(app.uow(), practice_id=app.practice_id, fallback=app.settings.practice_email),
        mail.subject,
        text,
        mail.message_id,
    )
