"""1159 Finance's payouts to the practice: those its monthly statement lists (Buchungsart
„Auszahlung“) against those the bank import recognised (BankTransaction of kind "payout").

A listed payout pairs with a bank credit of the same amount booked from 2 days before to 10
days after the statement's date (transfers take a few banking days); what is left pairs by date
alone (amount differs); then each side's rest is a difference. A bank payout is reported as
missing on the statement only in the month it was booked in, and not when it is the previous
month's payout of its last days.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from sqlmodel import col, select

from core.db.engine import UnitOfWork
from core.db.models import BankTransaction, Statement
from core.domain.dates import format_date
from core.domain.errors import NotFound
from core.domain.money import format_eur
from core.services.accounting.ledger import Period, period
from core.services.accounting.statement_csv import PAYOUT
from core.services.accounting.statements import statement_rows
from core.services.people.access import Actor, Permission, require

__all__ = ["BankPayout", "ListedPayout", "PayoutDifference", "compare_payouts", "payout_differences"]

EARLY, LATE = timedelta(days=2), timedelta(days=10)


@dataclass(frozen=True)
class ListedPayout:
    paid_on: date
    amount: Decimal


@dataclass(frozen=True)
class BankPayout:
    booked_on: date
    amount: Decimal


@dataclass(frozen=True)
class PayoutDifference:
    what: str  # missing_on_bank | amount_differs | not_on_statement
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
    rest: list[ListedPayout] = []
    for row in sorted(listed, key=lambda r: r.paid_on):
        if _take(pool, lambda b, r=row: _near(r, b) and b.amount == r.amount) is None:  # type: ignore[misc]
            rest.append(row)
    out: list[PayoutDifference] = []
    for row in rest:
        other = _take(pool, lambda b, r=row: _near(r, b))  # type: ignore[misc]
        said = f"Auszahlung vom {format_date(row.paid_on)} über {format_eur(row.amount)} laut Abrechnung"
        if other is None:
            out.append(PayoutDifference("missing_on_bank", row, None, f"{said} fehlt auf dem Kontoauszug."))
        else:
            seen = f"auf dem Konto am {format_date(other.booked_on)} {format_eur(other.amount)}"
            out.append(
                PayoutDifference("amount_differs", row, other, f"{said}, aber {seen} (Betrag abweichend).")
            )
    for other in pool:
        if span.start <= other.booked_on < span.end:
            when = f"am {format_date(other.booked_on)} über {format_eur(other.amount)}"
            text = f"Auszahlung von 1159 Finance {when} auf dem Kontoauszug steht nicht in der Abrechnung."
            out.append(PayoutDifference("not_on_statement", None, other, text))
    return out


def payout_differences(
    uow: UnitOfWork, *, practice_id: int, actor: Actor, month: str
) -> list[PayoutDifference]:
    """The month's payouts as the agency's latest statement for it lists them, against the bank."""
    require(actor, Permission.VIEW_REPORTS)
    span = period(month, allow_future=True)
    before = period((span.start - timedelta(days=1)).strftime("%Y-%m"), allow_future=True)
    with uow:
        listed = _listed(uow, practice_id, span.month)
        if listed is None:
            raise NotFound(f"Für {span.label} liegt keine Monatsabrechnung von 1159 Finance vor.")
        earlier = _listed(uow, practice_id, before.month) or []
        rows = uow.session.exec(
            select(BankTransaction).where(
                BankTransaction.practice_id == practice_id,
                BankTransaction.kind == "payout",
                col(BankTransaction.booked_on) >= span.start - EARLY,
                col(BankTransaction.booked_on) < span.end + LATE,
            )
        ).all()
        bank = [BankPayout(r.booked_on, r.amount) for r in rows]
    return compare_payouts(span, listed, bank, earlier)


def _listed(uow: UnitOfWork, practice_id: int, month: str) -> list[ListedPayout] | None:
    """The payouts the latest statement for the month lists; None without a statement."""
    statement = uow.session.exec(
        select(Statement)
        .where(Statement.practice_id == practice_id, Statement.month == month)
        .order_by(col(Statement.id).desc())
    ).first()
    if statement is None:
        return None
    return [ListedPayout(r.booked_on, r.amount) for r in statement_rows(statement) if r.kind == PAYOUT]
