"""Statute of limitations (Verjährung) of a practice's fee claim, §§ 195, 199 BGB.

The regular period is three years (§ 195), starting at the end of the year in which the claim
arose (§ 199 Abs. 1); for an invoice that is the year of the invoice date. The claim is
time-barred once 31 December of the third following year has passed: an invoice of 15.03.2023
may be enforced up to and including 31.12.2026 and is time-barred from 01.01.2027.
"""

from __future__ import annotations

from datetime import date

from core.domain.dates import format_date
from core.domain.errors import PreconditionFailed

__all__ = [
    "PERIOD_YEARS",
    "WARN_MONTHS",
    "barred_soon",
    "check_limitation",
    "is_time_barred",
    "limitation_end",
    "limitation_warning",
]

PERIOD_YEARS = 3  # § 195 BGB
WARN_MONTHS = 3  # the overview warns this long before the end


def limitation_end(arose: date) -> date:
    """The last day on which the claim is not yet time-barred (31.12. of the year + 3)."""
    return date(arose.year + PERIOD_YEARS, 12, 31)


def is_time_barred(arose: date, on: date) -> bool:
    return on > limitation_end(arose)


def barred_soon(arose: date, on: date) -> bool:
    """Not yet time-barred, but it will be within WARN_MONTHS (from 1 October of the last year)."""
    end = limitation_end(arose)
    return not is_time_barred(arose, on) and on >= date(end.year, 12 - WARN_MONTHS + 1, 1)


def limitation_warning(*, number: str, arose: date, on: date) -> str | None:
    """The overview's warning when the claim becomes time-barred within three months."""
    if not barred_soon(arose, on):
        return None
    return (
        f"Achtung: Die Forderung aus Rechnung {number} verjährt mit Ablauf des "
        f"{format_date(limitation_end(arose))} (§§ 195, 199 BGB). Danach kann sie nicht mehr "
        "übergeben werden; 1159 Finance braucht Zeit, um die Verjährung gerichtlich zu hemmen."
    )


def check_limitation(*, number: str, arose: date, on: date) -> None:
    """Refuse the hand-over of a time-barred claim."""
    if not is_time_barred(arose, on):
        return
    raise PreconditionFailed(
        f"Die Forderung aus Rechnung {number} (Rechnungsdatum {format_date(arose)}) ist seit "
        f"dem Ablauf des {format_date(limitation_end(arose))} verjährt (§§ 195, 199 BGB: drei "
        "Jahre ab Ende des Jahres der Rechnung). Eine verjährte Forderung wird nicht an "
        "1159 Finance übergeben."
    )
