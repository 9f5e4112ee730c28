"""Values as JSON can carry them: the one conversion for `--json` output and the Art. 15 export."""

from __future__ import annotations

from dataclasses import asdict, is_dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

__all__ = ["json_ready"]


def json_ready(value: Any) -> Any:
    """Dataclasses and dicts as objects, sequences as lists, Decimals as text (exact, no float),
    dates and times in ISO 8601, enums by value; bytes are left out (None)."""
    if is_dataclass(value) and not isinstance(value, type):
        return {k: json_ready(v) for k, v in asdict(value).items()}
    if isinstance(value, dict):
        return {str(k): json_ready(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_ready(v) for v in value]
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, bytes):
        return None
    return value
