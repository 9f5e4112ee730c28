"""The one-time set-up code: proof that whoever sets up an empty dashboard can read the server's files.

Until the first manager exists the dashboard's set-up is open to anyone who reaches it; behind a
reverse proxy that may be the internet. The code lies in DATA_DIR (readable by the product's user
only) and is shown by `inkasso practice setup-code`; it is never printed to a log or the terminal
of a service, and it is removed once the set-up is done.
"""

from __future__ import annotations

import hmac
import secrets
from pathlib import Path

from core.config import Settings
from core.domain.errors import NotAllowed
from core.ops.secret_files import read_or_create

__all__ = ["CODE_FILE", "HINT", "check", "code_path", "discard", "setup_code"]

CODE_FILE = "einrichtungscode.txt"
# Letters and digits that cannot be mistaken for each other (no 0/O, 1/I/L).
_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
HINT = "Den Einrichtungscode zeigt `inkasso practice setup-code` auf dem Rechner mit Praxis-Inkasso."


def code_path(settings: Settings) -> Path:
    return Path(settings.data_dir) / CODE_FILE


def _new_code() -> str:
    raw = "".join(secrets.choice(_ALPHABET) for _ in range(12))
    return "-".join(raw[i : i + 4] for i in range(0, 12, 4))


def setup_code(settings: Settings) -> str:
    """The code for this installation (made on first use)."""
    return read_or_create(code_path(settings), _new_code)


def _normal(code: str) -> str:
    return "".join(ch for ch in code.upper() if ch.isalnum())


def check(settings: Settings, given: str) -> None:
    """NotAllowed unless `given` is this installation's code (spaces, dashes and case ignored)."""
    expected = _normal(setup_code(settings))
    if not given.strip():
        raise NotAllowed(f"Bitte den Einrichtungscode eingeben. {HINT}", "set-up without a code")
    if not hmac.compare_digest(_normal(given).encode(), expected.encode()):
        raise NotAllowed(f"Der Einrichtungscode stimmt nicht. {HINT}", "wrong set-up code")


def discard(settings: Settings) -> None:
    """The set-up is done: the code opens nothing any more."""
    code_path(settings).unlink(missing_ok=True)
