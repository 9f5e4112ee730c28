"""The key that signs dashboard login tokens: SESSION_SECRET, or one generated into DATA_DIR once."""

from __future__ import annotations

import secrets
from pathlib import Path

from core.config import Settings
from core.ops.secret_files import read_or_create

__all__ = ["SECRET_FILE", "session_secret"]

SECRET_FILE = "dashboard-session.key"


def session_secret(settings: Settings) -> str:
    """The configured secret, else the one stored in DATA_DIR (created on first use, readable by the
    product's user only). Never logged: a leaked key lets anyone forge a login."""
    configured = settings.session_secret.get_secret_value() if settings.session_secret else ""
    if configured.strip():  # an empty value (env_ignore_empty aside) never signs anything
        return configured
    return read_or_create(Path(settings.data_dir) / SECRET_FILE, lambda: secrets.token_urlsafe(48))
