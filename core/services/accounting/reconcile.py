"""Reconciliation: the agency's statement rows against our own bookings of the month.

Pure code over two lists. A row matches a booking of the same invoice and kind with the same
amount and day; what is left is paired up where only the day or only the amount differs; the
rest is listed as "only at 1159 Finance" or "only in our records". Every difference is named.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from core.domain.dates import format_date
from core.domain.money import ZERO, format_eur
from core.services.accounting.ledger import KIND_LABEL, Booking, Period
from core.services.accounting.statement_csv import PAYOUT, StatementRow

__all__ = ["Difference", "Line", "Reconciliation", "from_bookings", "from_statement", "reconcile"]


@dataclass(frozen=True)
class Line:
    """One booking as both sides can state it."""

    reference: str
    case_id: str
    kind: str
    day: date
    amount: Decimal

    @property
    def label(self) -> str:
        return KIND_LABEL.get(self.kind, self.kind)


@dataclass(frozen=True)
class Difference:
    what: str  # only_statement | only_ours | amount | date
    reference: str
    case_id: str
    kind: str
    ours: Line | None
    theirs: Line | None
    text: str  # German, for people


@dataclass
class Reconciliation:
    month: str
    matched: list[tuple[Line, Line]] = field(default_factory=list)
    differences: list[Difference] = field(default_factory=list)
    totals_ours: dict[str, Decimal] = field(default_factory=dict)
    totals_theirs: dict[str, Decimal] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.differences

    def summary(self) -> str:
        if self.ok:
            return f"Stimmt überein: {len(self.matched)} Buchungen abgeglichen, keine Abweichung."
        return f"{len(self.differences)} Abweichung(en), {len(self.matched)} Buchungen stimmen überein."

    def to_json(self) -> dict[str, Any]:
        def line(x: Line | None) -> dict[str, Any] | None:
            if x is None:
                return None
            return {**asdict(x), "day": x.day.isoformat(), "amount": str(x.amount)}

        return {
            "month": self.month,
            "ok": self.ok,
            "summary": self.summary(),
            "matched": len(self.matched),
            "differences": [
                {
                    **{k: v for k, v in asdict(d).items() if k not in ("ours", "theirs")},
                    "ours": line(d.ours),
                    "theirs": line(d.theirs),
                }
                for d in self.differences
            ],
            "totals_ours": {k: str(v) for k, v in self.totals_ours.items()},
            "totals_theirs": {k: str(v) for k, v in self.totals_theirs.items()},
        }


def from_bookings(rows: Iterable[Booking]) -> list[Line]:
    return [Line(b.reference, str(b.case_id or ""), b.kind, b.day, b.amount) for b in rows]


def from_statement(rows: Iterable[StatementRow]) -> list[Line]:
    # A payout is no booking of a case: it is reconciled against the bank (accounting/payouts.py).
    return [
        Line(r.reference.strip(), r.case_id.strip(), r.kind, r.booked_on, r.amount)
        for r in rows
        if r.kind != PAYOUT
    ]


def _totals(lines: list[Line]) -> dict[str, Decimal]:
    out: dict[str, Decimal] = {}
    for x in lines:
        out[x.kind] = out.get(x.kind, ZERO) + x.amount
    return dict(sorted(out.items()))


def _take(pool: list[Line], test: Any) -> Line | None:
    for i, candidate in enumerate(pool):
        if test(candidate):
            return pool.pop(i)
    return None


def reconcile(*, span: Period, ours: list[Line], theirs: list[Line]) -> Reconciliation:
    """Compare; every statement row and every booking ends up matched or in a difference."""
    result = Reconciliation(span.month, totals_ours=_totals(ours), totals_theirs=_totals(theirs))
    mine = list(ours)
    rest: list[Line] = []
    for row in theirs:
        hit = _take(
            mine,
            lambda b, r=row: (b.reference, b.kind, b.day, b.amount) == (r.reference, r.kind, r.day, r.amount),
        )
        if hit is None:
            rest.append(row)
        else:
            result.matched.append((hit, row))
    for row in rest:
        same_amount = _take(
            mine, lambda b, r=row: (b.reference, b.kind, b.amount) == (r.reference, r.kind, r.amount)
        )
        if same_amount is not None:
            result.differences.append(_diff("date", same_amount, row))
            continue
        same_day = _take(mine, lambda b, r=row: (b.reference, b.kind, b.day) == (r.reference, r.kind, r.day))
        if same_day is not None:
            result.differences.append(_diff("amount", same_day, row))
            continue
        result.differences.append(_diff("only_statement", None, row, span=span))
    result.differences += [_diff("only_ours", b, None) for b in mine]
    return result


def _diff(what: str, ours: Line | None, theirs: Line | None, *, span: Period | None = None) -> Difference:
    some = theirs or ours
    assert some is not None
    head = f"Rechnung {some.reference}, {some.label}"
    if what == "date":
        assert ours and theirs
        text = (
            f"{head} über {format_eur(ours.amount)}: Datum abweichend "
            f"(bei uns {format_date(ours.day)}, bei 1159 Finance {format_date(theirs.day)})."
        )
    elif what == "amount":
        assert ours and theirs
        text = (
            f"{head} am {format_date(ours.day)}: Betrag abweichend "
            f"(bei uns {format_eur(ours.amount)}, bei 1159 Finance {format_eur(theirs.amount)})."
        )
    elif what == "only_statement":
        assert theirs
        outside = span is not None and not span.start <= theirs.day < span.end
        text = (
            f"{head} über {format_eur(theirs.amount)} am {format_date(theirs.day)}: nur in der "
            "Abrechnung von 1159 Finance, nicht in unseren Aufzeichnungen"
            + (" (Buchungsdatum außerhalb des Monats)." if outside else ".")
        )
    else:
        assert ours
        text = (
            f"{head} über {format_eur(ours.amount)} am {format_date(ours.day)}: nur in unseren "
            "Aufzeichnungen, fehlt in der Abrechnung von 1159 Finance."
        )
    return Difference(what, some.reference, some.case_id, some.kind, ours, theirs, text)
