"""What the worker records about itself: lasting problems with a peer (credentials refused)."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Column, Field, SQLModel, Text, UniqueConstraint

from core.db.types import UTCDateTime
from core.domain.dates import utcnow

__all__ = ["WorkerProblem"]


class WorkerProblem(SQLModel, table=True):
    """A peer refusing the worker for good until someone fixes a setting; one row per peer.

    No foreign key to the practice: a refused Telegram token is a problem before any practice
    is set up, and the row must be writable then too."""

    __table_args__ = (UniqueConstraint("practice_id", "source"),)
    id: int | None = Field(default=None, primary_key=True)
    practice_id: int = Field(index=True)
    source: str  # agency | mailbox | telegram
    text: str = Field(sa_column=Column(Text, nullable=False))  # German, for the banner and the chat
    since: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))
    last_seen: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))
