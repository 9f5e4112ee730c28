"""Dates: `TT.MM.JJJJ` and ISO input, default per § 286 BGB, ageing buckets."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from core.domain.errors import InvalidInput
from core.domain.money import clean_text, shorten

__all__ = [
    "AgeBucket",
    "BUCKET_UPPER_DAYS",
    "DEFAULT_AFTER_DAYS",
    "age_bucket",
    "bucket_bounds",
    "days_overdue",
    "default_date",
    "expand_short_year",
    "format_date",
    "format_datetime",
    "local_zone",
    "parse_date",
    "parse_month",
    "today",
    "utcnow",
]

_GERMAN = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$")
_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
# § 286 Abs. 3 BGB: default at the latest 30 days after due date and receipt of the invoice.
DEFAULT_AFTER_DAYS = 30
_BERLIN = ZoneInfo("Europe/Berlin")


def parse_date(text: str, *, field: str = "Datum") -> date:
    """Parse `TT.MM.JJJJ` or `JJJJ-MM-TT`; refuses impossible dates such as 31.02.2026."""
    if text and len(text) == 10 and text[2] == text[5] == "." and text.isascii():
        # The common case, TT.MM.JJJJ in ASCII digits (nothing for clean_text to do), read without
        # the regular expression.
        if (text[:2] + text[3:5] + text[6:]).isdigit():
            try:
                return date(int(text[6:]), int(text[3:5]), int(text[:2]))
            except ValueError:
                pass  # refused below, in the one wording
    raw = clean_text(text or "")
    if not raw:
        raise InvalidInput(f"{field} fehlt. Bitte so angeben: TT.MM.JJJJ, z. B. 05.03.2026.")
    match = _GERMAN.match(raw)
    if match:
        day, month, year = (int(g) for g in match.groups())
    elif iso := _ISO.match(raw):
        year, month, day = (int(g) for g in iso.groups())
    else:
        raise InvalidInput(
            f"{field} „{shorten(raw)}“ ist kein Datum. Bitte so angeben: TT.MM.JJJJ, z. B. 05.03.2026."
        )
    try:
        return date(year, month, day)
    except ValueError:
        raise InvalidInput(f"{field} „{raw}“ gibt es nicht im Kalender. Bitte prüfen.") from None


def format_date(value: date | None) -> str:
    return value.strftime("%d.%m.%Y") if value else "–"


def format_datetime(value: datetime | None) -> str:
    if value is None:
        return "–"
    if value.tzinfo is not None:
        value = value.astimezone(local_zone())
    return value.strftime("%d.%m.%Y %H:%M")


def local_zone() -> ZoneInfo:
    return _BERLIN


def utcnow() -> datetime:
    return datetime.now(UTC)


def today() -> date:
    return datetime.now(local_zone()).date()


def default_date(*, due_date: date, reminder_date: date | None, consumer_notice: bool) -> date | None:
    """When the debtor is in default (§ 286 BGB): a reminder after the due date (Abs. 1), or 30 days
    after the due date (Abs. 3), which binds a consumer only if the invoice told them so
    (`consumer_notice`); None while neither applies."""
    latest = due_date + timedelta(days=DEFAULT_AFTER_DAYS) if consumer_notice else None
    if reminder_date is not None and reminder_date > due_date:
        return reminder_date if latest is None else min(reminder_date, latest)
    return latest


class AgeBucket(StrEnum):
    D0_30 = "0–30"
    D31_60 = "31–60"
    D61_90 = "61–90"
    D90_PLUS = "90+"


def days_overdue(*, due_date: date, on: date) -> int:
    return max((on - due_date).days, 0)


# The ageing buckets' inclusive upper bounds in days overdue; beyond the last is 90+. The one
# definition: the SQL twins (core/services/invoicing/invoice_sql.py) are derived from it.
BUCKET_UPPER_DAYS: tuple[tuple[AgeBucket, int], ...] = (
    (AgeBucket.D0_30, 30),
    (AgeBucket.D31_60, 60),
    (AgeBucket.D61_90, 90),
)


def age_bucket(days: int) -> AgeBucket:
    for bucket, upper in BUCKET_UPPER_DAYS:
        if days <= upper:
            return bucket
    return AgeBucket.D90_PLUS


def bucket_bounds(bucket: AgeBucket) -> tuple[int | None, int | None]:
    """Inclusive (lowest, highest) days overdue of `bucket`; None where it is open."""
    lower: int | None = None
    for candidate, upper in BUCKET_UPPER_DAYS:
        if candidate == bucket:
            return lower, upper
        lower = upper + 1
    return lower, None


def parse_month(text: str) -> tuple[int, int]:
    """Parse `JJJJ-MM` (or `MM/JJJJ`) into (year, month)."""
    raw = clean_text(text or "")
    match = re.match(r"^(\d{4})-(\d{1,2})$", raw) or None
    if match:
        year, month = int(match.group(1)), int(match.group(2))
    elif alt := re.match(r"^(\d{1,2})[/.](\d{4})$", raw):
        month, year = int(alt.group(1)), int(alt.group(2))
    else:
        raise InvalidInput(f"Monat „{raw}“ ist ungültig. Bitte so angeben: JJJJ-MM, z. B. 2026-10.")
    if not 1 <= month <= 12:
        raise InvalidInput(f"Monat „{raw}“ ist ungültig. Bitte so angeben: JJJJ-MM, z. B. 2026-10.")
    return year, month


_SHORT = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{2})$")


def expand_short_year(text: str, *, on: date | None = None) -> str:
    """`TT.MM.JJ` as `TT.MM.JJJJ` (anything else unchanged): a two-digit year up to next year's is
    this century, a later one the last (`05.03.26` is 2026, `17.05.70` a birth date in 1970)."""
    match = _SHORT.match(text.strip())
    if not match:
        return text
    day, month, short = match.groups()
    pivot = ((on or date.today()).year + 1) % 100
    century = 2000 if int(short) <= pivot else 1900
    return f"{day}.{month}.{century + int(short)}"
