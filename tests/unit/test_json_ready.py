"""One conversion to JSON-ready values for `--json` and the patient export."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import StrEnum

from core.domain.json_ready import json_ready


class Colour(StrEnum):
    RED = "rot"


@dataclass
class Row:
    amount: Decimal
    on: date
    at: datetime
    colour: Colour
    raw: bytes
    tags: tuple[str, ...]


def test_money_stays_exact_dates_are_iso_and_bytes_are_left_out() -> None:
    at = datetime(2026, 12, 5, 9, 30, tzinfo=UTC)
    row = Row(Decimal("1234.50"), date(2026, 12, 5), at, Colour.RED, b"x", ("a",))
    ready = json_ready({"rows": [row], 1: None})
    assert ready == {
        "rows": [
            {
                "amount": "1234.50",
                "on": "2026-12-05",
                "at": "2026-12-05T09:30:00+00:00",
                "colour": "rot",
                "raw": None,
                "tags": ["a"],
            }
        ],
        "1": None,
    }
    json.dumps(ready)  # nothing left that JSON cannot carry
