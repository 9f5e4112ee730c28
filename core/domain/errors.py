"""The exception tree of Praxis-Inkasso.

Every error carries a German `user_message` (short, friendly, says what was wrong and what
would be right) and an English `log_message`. Doors show the first, logs get the second.
A message names the product's actions ("Forderung anlegen"), never a door's commands; an
error may carry `next_action` (and its `subject`), so a door can add how to do it there.

    InkassoError
    ├── Refused                     exit code 1: the request is not done, nothing changed
    │   ├── InvalidInput            malformed amount, date, argument, file …
    │   │   └── ImportRefused       an import file with bad rows (all listed)
    │   ├── NotFound                unknown invoice, claim, user …
    │   ├── NotAllowed              the actor lacks the role, or is unknown
    │   ├── PreconditionFailed      not overdue, already handed over, no legal basis …
    │   └── IllegalTransition       an onboarding step, or a claim's or payment's delivery step, out of order
    ├── AgencyRejected              1159 Finance refused a write for good (4xx)
    └── PeerUnavailable             exit code 3: 1159 Finance / mail server unreachable after retries

The 1159 Finance client raises its own subclasses of AgencyRejected and PeerUnavailable
(`core.finance1159.errors`).
"""

from __future__ import annotations

from collections.abc import Sequence

__all__ = [
    "AgencyRejected",
    "IllegalTransition",
    "ImportRefused",
    "InkassoError",
    "InvalidInput",
    "NotAllowed",
    "NotFound",
    "PeerUnavailable",
    "PreconditionFailed",
    "Refused",
    "by_line",
]


class InkassoError(Exception):
    """Base of every error the product raises on purpose."""

    exit_code = 1

    def __init__(
        self,
        user_message: str,
        log_message: str | None = None,
        *,
        next_action: str | None = None,
        subject: str = "",
    ) -> None:
        super().__init__(log_message or user_message)
        self.user_message = user_message
        self.log_message = log_message or user_message
        self.next_action = next_action  # e.g. "claim.create": what would help, for the door's hint
        self.subject = subject  # what it applies to, e.g. the invoice number


class Refused(InkassoError):
    """The request was refused; nothing changed."""


class InvalidInput(Refused):
    """The input was malformed."""


class ImportRefused(InvalidInput):
    """An import file was refused whole; `problems` lists (line number, reason)."""

    def __init__(self, problems: list[tuple[int, str]]) -> None:
        text = "Die Datei wurde nicht importiert, nichts wurde geändert:\n" + by_line(problems)
        super().__init__(text, f"import refused with {len(problems)} problems")
        self.problems = problems


class NotFound(Refused):
    """Something the request names does not exist."""


class NotAllowed(Refused):
    """The actor may not do this."""


class PreconditionFailed(Refused):
    """A business precondition does not hold."""


class IllegalTransition(Refused):
    """A step out of order: onboarding (domain/onboarding.py), or delivery (domain/claim_lifecycle.py)."""


class AgencyRejected(InkassoError):
    """1159 Finance refused a request for good."""


class PeerUnavailable(InkassoError):
    """A peer (1159 Finance, the mail server) could not be reached after retries."""

    exit_code = 3


def by_line(notes: Sequence[tuple[int, str]], *, limit: int = 50, noun: str = "Fehler") -> str:
    """`Zeile N: reason` lines, the first `limit` of them and a count of the rest (a file with
    10,000 bad rows still gives a message a person can read)."""
    shown = "\n".join(f"Zeile {line}: {reason}" for line, reason in notes[:limit])
    more = len(notes) - limit
    return shown + (f"\n… und {more} weitere {noun}." if more > 0 else "")
