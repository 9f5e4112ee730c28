"""1159 Finance's payouts to the practice: those its monthly statement lists (Buchungsart
„Auszahlung“) against those the bank import recognised (BankTransaction of kind "payout").

The one pairing rule (`pair_payouts`): a listed payout pairs with a bank credit of the same
amount booked from 2 days before to 10 days after the statement's date (transfers take a few
banking days); what is left pairs by date alone (amount differs); the rest stays unpaired. A
bank payout is reported as missing on the statement only in the month it was booked in, and not
when it is the previous month's payout of its last days. Pure code; the month's view from the
database (statuses, what the journal books, `payout_differences`) is payout_month.py.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from core.domain.dates import format_date
from core.domain.money import format_eur
from core.services.accounting.ledger import Period

__all__ = [
    "EARLY",
    "LATE",
    "BankPayout",
    "ListedPayout",
    "Pair",
    "PayoutDifference",
    "compare_payouts",
    "difference",
    "listed_text",
    "pair_payouts",
]

EARLY, LATE = timedelta(days=2), timedelta(days=10)


@dataclass(frozen=True)
class ListedPayout:
    paid_on: date
    amount: Decimal
    statement_month: str = ""  # JJJJ-MM of the statement that lists it


@dataclass(frozen=True)
class BankPayout:
    booked_on: date  # the bank's booking day
    amount: Decimal
    reference: str = ""  # the bank's own reference, where the format has one
    source_format: str = ""  # camt.053 | MT940 | CSV …


@dataclass(frozen=True)
class Pair:
    listed: ListedPayout | None
    bank: BankPayout | None


@dataclass(frozen=True)
class PayoutDifference:
    what: str  # missing_on_bank | amount_differs | not_on_statement | bank_pending
    listed: ListedPayout | None
    bank: BankPayout | None
    text: str  # German, for the dashboard and the report


def _take(pool: list[BankPayout], test: Callable[[BankPayout], bool]) -> BankPayout | None:
    for i, candidate in enumerate(pool):
        if test(candidate):
            return pool.pop(i)
    return None


def _near(listed: ListedPayout, bank: BankPayout) -> bool:
    return listed.paid_on - EARLY <= bank.booked_on <= listed.paid_on + LATE


def pair_payouts(listed: Sequence[ListedPayout], bank: Sequence[BankPayout]) -> list[Pair]:
    """Every listed and every bank payout exactly once: paired (same amount first, then by date
    alone), or alone. Ordered by date."""
    pool = sorted(bank, key=lambda b: (b.booked_on, b.amount, b.reference))
    rows = sorted(listed, key=lambda r: (r.paid_on, r.amount))
    partner: dict[int, BankPayout] = {}
    for i, row in enumerate(rows):
        hit = _take(pool, lambda b, r=row: _near(r, b) and b.amount == r.amount)  # type: ignore[misc]
        if hit is not None:
            partner[i] = hit
    for i, row in enumerate(rows):
        if i not in partner and (hit := _take(pool, lambda b, r=row: _near(r, b))) is not None:  # type: ignore[misc]
            partner[i] = hit
    pairs = [Pair(row, partner.get(i)) for i, row in enumerate(rows)] + [Pair(None, b) for b in pool]
    return sorted(pairs, key=_day)


def _day(pair: Pair) -> date:
    if pair.listed is not None:
        return pair.listed.paid_on
    assert pair.bank is not None
    return pair.bank.booked_on


def listed_text(row: ListedPayout) -> str:
    return f"Auszahlung vom {format_date(row.paid_on)} über {format_eur(row.amount)} laut Abrechnung"


def difference(pair: Pair, *, imported_until: date | None = date.max) -> PayoutDifference | None:
    """The German sentence for a pair that does not agree; None when it does. A listed payout
    without a bank partner is missing only when the bank statements imported reach beyond its
    window (`imported_until`: the last day imported, None for no bank statement at all); before
    that it is pending."""
    row, other = pair.listed, pair.bank
    if row is None:
        assert other is not None
        when = f"am {format_date(other.booked_on)} über {format_eur(other.amount)}"
        text = f"Auszahlung von 1159 Finance {when} auf dem Kontoauszug steht nicht in der Abrechnung."
        return PayoutDifference("not_on_statement", None, other, text)
    if other is None:
        if imported_until is None or imported_until < row.paid_on + LATE:
            seen = (
                f"Kontoauszüge eingelesen bis {format_date(imported_until)}"
                if imported_until
                else "noch kein Kontoauszug eingelesen"
            )
            text = f"{listed_text(row)} ist noch nicht auf dem Kontoauszug ({seen})."
            return PayoutDifference("bank_pending", row, None, text)
        text = f"{listed_text(row)} fehlt auf dem Kontoauszug."
        return PayoutDifference("missing_on_bank", row, None, text)
    if other.amount != row.amount:
        seen = f"auf dem Konto am {format_date(other.booked_on)} {format_eur(other.amount)}"
        return PayoutDifference(
            "amount_differs", row, other, f"{listed_text(row)}, aber {seen} (Betrag abweichend)."
        )
    return None


def compare_payouts(
    span: Period, listed: list[ListedPayout], bank: list[BankPayout], earlier: Sequence[ListedPayout] = ()
) -> list[PayoutDifference]:
    """Every listed payout found on the bank, or a difference; bank payouts of the month not listed.

    `earlier` are the previous month's listed payouts: one paid on its last days arrives on the
    bank in this month and is no difference here.
    """
    pool = sorted(bank, key=lambda b: b.booked_on)
    for row in earlier:
        _take(pool, lambda b, r=row: _near(r, b) and b.amount == r.amount)  # type: ignore[misc]
    out: list[PayoutDifference] = []
    pairs = pair_payouts(listed, pool)
    for pair in pairs:  # listed ones first, as the statement has them; then the bank's own
        if pair.listed is not None and (found := difference(pair)) is not None:
            out.append(found)
    for pair in pairs:
        if pair.listed is None and pair.bank is not None and span.start <= pair.bank.booked_on < span.end:
            out.append(difference(pair))  # type: ignore[arg-type]
    return out
