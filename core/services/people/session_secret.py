"""The key that signs dashboard login tokens: SESSION_SECRET, or one generated into DATA_DIR once."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from core.config import Settings

__all__ = ["SECRET_FILE", "session_secret"]

SECRET_FILE = "dashboard-session.key"


def session_secret(settings: Settings) -> str:
    """The configured secret, else the one stored in DATA_DIR (created on first use, readable by the
    product's user only). Never logged: a leaked key lets anyone forge a login."""
    configured = settings.session_secret.get_secret_value() if settings.session_secret else ""
    if configured.strip():  # an empty value (env_ignore_empty aside) never signs anything
        return configured
    path = Path(settings.data_dir) / SECRET_FILE
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:  # O_EXCL: two dashboard processes starting at once keep the first one's key
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "w", encoding="ascii") as out:
                out.write(secrets.token_urlsafe(48))
    return path.read_text(encoding="ascii").strip()
