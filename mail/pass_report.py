"""What one intake pass did, and the age test used to decide what is too old to act on."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from core.domain.dates import utcnow

__all__ = ["PassReport", "older_than"]


@dataclass
class PassReport:
    """What one pass did; `downloaded` counts message bodies fetched."""

    new: int = 0
    downloaded: int = 0
    handled: int = 0
    duplicates: int = 0
    ignored: int = 0
    failed: int = 0
    deferred: int = 0  # recognised, but could not be acted on yet (tried again next pass)
    kept: int = 0  # recognised, kept *zu prüfen* for a person, not acted on
    outcomes: list[str] = field(default_factory=list)


def older_than(arrived: datetime | None, age: timedelta) -> bool:
    return arrived is not None and utcnow() - arrived > age
