"""Dashboard logins kept across reloads: one row per login, ended by logging out."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Column, Field, SQLModel

from core.db.types import UTCDateTime
from core.domain.dates import utcnow

__all__ = ["LoginSession"]


class LoginSession(SQLModel, table=True):
    """A dashboard login. The browser holds a signed token naming `key_hash`'s key; the row decides
    whether it still counts (ended by a logout anywhere, idle for too long), checked on every page."""

    id: int | None = Field(default=None, primary_key=True)
    practice_id: int = Field(foreign_key="practice.id", index=True)
    user_id: int = Field(index=True)  # no foreign key: removing a user must not wait for its old logins
    key_hash: str = Field(unique=True)  # sha256 of the random key inside the token, never the key
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))
    last_seen: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))
    ended_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
