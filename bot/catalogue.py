"""The chat command catalogue: ONE table of every command, its words, arguments, help and role.

The parser (`bot.parsing`), the handlers (`bot.commands`), `/hilfe`, the Telegram menu, the
console chat, the buttons' text form and the words the mail door recognises are all derived
from `CATALOGUE`. To rename a command or add an alias, change its row here and nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass

from core.domain.onboarding import OnboardingAction
from core.services.people.access import Role

__all__ = [
    "CATALOGUE",
    "ONBOARDING_WORDS",
    "Command",
    "command",
    "for_button",
    "for_word",
    "help_text",
    "hint",
    "mail_keywords",
    "mail_line",
    "menu",
]


@dataclass(frozen=True)
class Command:
    """One chat command. `name` is folded (no umlauts, lower case): what the parser returns."""

    name: str
    handler: str  # the method of `bot.actions.Actions` (or `help`) that answers it
    summary: str  # the short line of the Telegram menu and the start of its /hilfe line
    args: str = ""  # the arguments as the usage line shows them, e.g. "<Rechnungsnr>"
    min_args: int = 0
    max_args: int = 0
    examples: tuple[str, ...] = ()  # arguments only, e.g. ("1234",)
    help: str = ""  # what /hilfe adds after the summary
    aliases: tuple[str, ...] = ()  # more words for it, folded like `name`
    written: str = ""  # how a person writes it in a mail subject, e.g. "Bestätigen"
    role: Role = Role.STAFF  # the lowest role that may use it (for /hilfe; the core enforces it)
    button: str = ""  # the kind of button (`kind:value`) that stands for this command
    action: str = ""  # the core's `next_action` this command carries out (for hints after errors)
    listed: bool = True  # shown in /hilfe
    in_menu: bool = True  # shown in the Telegram menu (commands that need a code are not)
    by_mail: bool = True  # recognised as the first word of a staff mail

    @property
    def usage(self) -> str:
        return f"/{self.name} {self.args}".strip()

    @property
    def example(self) -> str:
        return f"/{self.name} {self.examples[0]}" if self.examples else f"/{self.name}"

    def line(self, arguments: str = "") -> str:
        """The command as typed in the chat, with `arguments`."""
        return f"/{self.name} {arguments}".strip()


_NUMBER = "<Rechnungsnr>"
# The arguments of /inkasso: the onboarding steps a manager starts or reports in the chat.
ONBOARDING_WORDS: dict[str, OnboardingAction] = {
    "anfordern": OnboardingAction.REQUEST,
    "unterschrieben": OnboardingAction.SIGNED,
}

CATALOGUE: tuple[Command, ...] = (
    Command(
        "ueberfaellig", "overdue", "Überfällige Rechnungen, älteste zuerst",
        args="[Seite]", max_args=1, examples=("2",), aliases=("ueberfaellige",),
        written="Überfällig", button="page", action="invoice.overdue",
    ),
    Command(
        "forderung", "preview", "Übersicht vor der Übergabe einer Forderung",
        args=_NUMBER, min_args=1, max_args=1, examples=("1234",),
        aliases=("forderunganlegen",), written="Forderung", button="new", action="claim.create",
    ),
    Command(
        "zahlung", "payment", "Zahlung empfangen",
        args=f"{_NUMBER} <Betrag> [TT.MM.JJJJ]", min_args=2, max_args=3,
        examples=("1234 50,00", "1234 50,00 05.03.2026"),
        aliases=("zahlungempfangen",), written="Zahlung",
    ),
    Command(
        "status", "status", "Forderung anzeigen: Status, Gebühren, Zahlungen",
        args=_NUMBER, min_args=1, max_args=1, examples=("1234",),
        aliases=("forderunganzeigen",), written="Status",
    ),
    Command("faelle", "cases", "Offene Inkasso-Fälle mit Summen", aliases=("fall",), written="Fälle"),
    Command(
        "inkasso", "onboarding", "Freischaltung: Stand und nächster Schritt",
        args=f"[{'|'.join(ONBOARDING_WORDS)}]", max_args=1, examples=("anfordern",),
        help="„anfordern“ startet sie, „unterschrieben“ meldet den unterschriebenen Vertrag "
        "(beides nur Praxisleitung)",
        written="Inkasso", action="onboarding.status",
    ),
    Command(
        "zurueckziehen", "ask_withdraw", "Irrtümlich übergebene Forderung zurückziehen",
        args=_NUMBER, min_args=1, max_args=1, examples=("1234",),
        aliases=("ruecknahme",), written="Zurückziehen", role=Role.MANAGER, in_menu=False,
    ),
    Command(
        "bestaetigen", "confirm", "Eine Rückfrage per Text bestätigen",
        args="[Rechnungsnr] <Code>", min_args=1, max_args=2, examples=("K7PX3MQ9TZ",),
        help="der Code steht unter der Übersicht",
        aliases=("bestaetige", "ok"), written="Bestätigen", button="ok", in_menu=False,
    ),
    Command(
        "abbrechen", "cancel", "Eine Rückfrage per Text abbrechen",
        args="[Rechnungsnr] <Code>", min_args=1, max_args=2, examples=("K7PX3MQ9TZ",),
        written="Abbrechen", button="no", in_menu=False,
    ),
    Command(
        "zahlungmelden", "accept_payment", "Erkannte Zahlung an 1159 Finance melden",
        args="<Vorschlag>", min_args=1, max_args=1, examples=("12",),
        help="die Nummer steht unter „Zahlung erkannt“", button="payok", in_menu=False, by_mail=False,
    ),
    Command(
        "zahlungablehnen", "reject_payment", "Erkannte Zahlung ablehnen (nichts wird erfasst)",
        args="<Vorschlag>", min_args=1, max_args=1, examples=("12",),
        button="payno", in_menu=False, by_mail=False,
    ),
    Command("hilfe", "help", "Alle Befehle mit Beispielen", aliases=("help",), written="Hilfe"),
    # Telegram sends /start when someone opens the bot (with a deep-link payload at times).
    Command("start", "help", "Begrüßung", max_args=99, listed=False, in_menu=False,
            by_mail=False),
)  # fmt: skip

_BY_NAME = {c.name: c for c in CATALOGUE}
_BY_BUTTON = {c.button: c for c in CATALOGUE if c.button}
_BY_ACTION = {c.action: c for c in CATALOGUE if c.action}
_BY_WORD = {word: c for c in CATALOGUE for word in (c.name, *c.aliases)}


def command(name: str) -> Command:
    """The row of a command by its name (KeyError for a name not in the table)."""
    return _BY_NAME[name]


def for_word(folded: str) -> Command | None:
    """The command a folded word names (its name or an alias), or None."""
    return _BY_WORD.get(folded)


def for_button(kind: str) -> Command | None:
    """The command a button kind stands for, or None."""
    return _BY_BUTTON.get(kind)


def hint(next_action: str | None, subject: str = "") -> str:
    """How to do the core's `next_action` in the chat (" Im Chat: /forderung 1234"), or ""."""
    found = _BY_ACTION.get(next_action or "")
    return f" Im Chat: {found.line(subject)}" if found is not None else ""


def menu() -> list[tuple[str, str]]:
    """The Telegram command menu: (name, short description)."""
    shown = [c for c in CATALOGUE if c.in_menu]
    return [(c.name, c.summary + (f" (z. B. {c.example})" if c.examples else "")) for c in shown]


def _help_line(c: Command) -> str:
    text = f"{c.usage} – {c.summary}" + (f"; {c.help}" if c.help else "")
    if c.role is Role.MANAGER:
        text += " (nur Praxisleitung)"
    if c.examples:
        text += ", z. B. " + " oder ".join(c.line(e) for e in c.examples)
    return text


def help_text() -> str:
    """What /hilfe answers."""
    lines = [_help_line(c) for c in CATALOGUE if c.listed]
    return "\n".join(
        [
            "Praxis-Inkasso – offene Patientenrechnungen an 1159 Finance übergeben.",
            "",
            "Befehle:",
            *lines,
            "",
            "Eine Forderung entsteht erst, wenn Sie unter der Übersicht „Forderung anlegen“ drücken.",
        ]
    )


def mail_keywords() -> tuple[str, ...]:
    """The first words that make a staff mail a command: each name and its written form."""
    words = (w for c in CATALOGUE if c.by_mail for w in (c.written.casefold(), c.name) if w)
    return tuple(dict.fromkeys(words))


def mail_line(chat_line: str) -> str:
    """A chat command line as a person writes it in a mail: `/bestaetigen X` → `Bestätigen X`."""
    word, _, rest = chat_line.lstrip("/").partition(" ")
    found = _BY_NAME.get(word)
    written = found.written if found is not None and found.written else word
    return f"{written} {rest}".strip()
