"""A month's payouts of 1159 Finance from the database: what its statements list, what the bank
import recognised, paired by the one rule (payouts.pair_payouts), each with its status and how
the journal books it (docs/books.md):

- a payout on the bank statement: bank account to clearing account, on the bank's booking day;
- a payout only the agency's statement lists, while the bank statements imported do not reach
  its window yet (or none is imported): the same booking on the statement's day, marked „laut
  Abrechnung“; once the bank shows it, the journal books the bank's day instead (a closed
  month gets that as a correction in the next open month, closing.py);
- a payout the statement lists but the bank, imported beyond its window, does not show: no
  booking (the money has not arrived); the reconciliation names it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from sqlmodel import Session, col, func, select

from core.db.engine import UnitOfWork
from core.db.models import BankTransaction, Statement
from core.domain.dates import format_date
from core.domain.errors import NotFound
from core.domain.money import ZERO, format_eur
from core.services.accounting.ledger import Period, period
from core.services.accounting.payouts import (
    EARLY,
    LATE,
    BankPayout,
    ListedPayout,
    Pair,
    PayoutDifference,
    difference,
    listed_text,
    pair_payouts,
)
from core.services.accounting.statement_csv import PAYOUT
from core.services.people.access import Actor, Permission, require

__all__ = [
    "STATUS_LABEL",
    "MonthPayouts",
    "PayoutLine",
    "month_payouts",
    "payout_differences",
    "require_statement",
]

STATUS_LABEL = {  # a PayoutLine's status, short and German (the PDF's and the dashboard's column)
    "matched": "stimmt überein",
    "amount_differs": "Betrag abweichend",
    "missing_on_bank": "fehlt auf dem Kontoauszug",
    "bank_pending": "noch nicht auf dem Kontoauszug (gebucht laut Abrechnung)",
    "not_on_statement": "nicht in der Abrechnung",
    "no_statement": "Abrechnung steht noch aus",
}


def _label(month: str) -> str:
    return f"{month[5:]}/{month[:4]}"


@dataclass(frozen=True)
class PayoutLine:
    listed: ListedPayout | None
    bank: BankPayout | None
    difference: PayoutDifference | None
    has_statement: bool = True  # False: the bank's month has no statement yet

    @property
    def status(self) -> str:
        """matched | amount_differs | missing_on_bank | bank_pending | not_on_statement | no_statement"""
        if self.difference is None:
            return "matched"
        if self.difference.what == "not_on_statement" and not self.has_statement:
            return "no_statement"
        return self.difference.what

    @property
    def booked_on(self) -> date | None:
        """The day the journal books it: the bank's; the statement's while the bank is pending."""
        if self.bank is not None:
            return self.bank.booked_on
        return self.listed.paid_on if self.status == "bank_pending" and self.listed else None

    @property
    def amount(self) -> Decimal:
        """What the journal books: the bank's amount (the money that arrived), else the listed one."""
        some = self.bank or self.listed
        assert some is not None
        return some.amount

    @property
    def text(self) -> str:
        """One German sentence, also for a payout that agrees."""
        if self.status == "no_statement" and self.bank is not None:
            b = self.bank
            return (
                f"Auszahlung von 1159 Finance am {format_date(b.booked_on)} über {format_eur(b.amount)} "
                f"auf dem Kontoauszug; die Abrechnung {_label(b.booked_on.strftime('%Y-%m'))} liegt "
                "noch nicht vor."
            )
        if self.difference is not None:
            return self.difference.text
        assert self.listed is not None and self.bank is not None
        arrived = format_date(self.bank.booked_on)
        return f"{listed_text(self.listed)}: am {arrived} auf dem Konto, stimmt überein."

    @property
    def source(self) -> str:
        """What the journal's booking rests on (Grundlage)."""
        parts = []
        if self.bank is not None:
            ref = f", Ref. {self.bank.reference}" if self.bank.reference else ""
            fmt = f" ({self.bank.source_format})" if self.bank.source_format else ""
            parts.append(f"Kontoauszug{fmt}: Gutschrift vom {format_date(self.bank.booked_on)}{ref}")
        if self.listed is not None:
            listed, label = self.listed, _label(self.listed.statement_month)
            parts.append(f"Abrechnung {label}: Auszahlung vom {format_date(listed.paid_on)}")
        if self.status == "bank_pending":
            parts.append("noch nicht auf dem Kontoauszug")
        elif self.status == "not_on_statement":
            parts.append("nicht in der Abrechnung")
        elif self.status == "no_statement":
            parts.append("Abrechnung steht noch aus")
        return "; ".join(parts)


@dataclass(frozen=True)
class MonthPayouts:
    span: Period
    lines: list[PayoutLine]  # the month's: listed in its statement, on its bank days, or booked in it
    imported_until: date | None  # the last bank booking day imported; None: no bank statement yet

    @property
    def booked(self) -> list[PayoutLine]:
        """The lines the month's journal books (their booking day falls in the month)."""
        return [x for x in self.lines if x.booked_on and self.span.start <= x.booked_on < self.span.end]

    @property
    def differences(self) -> list[PayoutDifference]:
        """What disagrees; not what cannot be known yet (bank or statement still to come)."""
        waiting = ("no_statement", "bank_pending")
        return [x.difference for x in self.lines if x.difference is not None and x.status not in waiting]

    def listed_total(self) -> Decimal:
        here = [x.listed for x in self.lines if x.listed and x.listed.statement_month == self.span.month]
        return sum((x.amount for x in here), ZERO)

    def bank_total(self) -> Decimal:
        return sum((x.bank.amount for x in self.lines if x.bank and self._in(x.bank.booked_on)), ZERO)

    def _in(self, day: date) -> bool:
        return self.span.start <= day < self.span.end


def _months_around(span: Period) -> list[str]:
    before = (span.start - timedelta(days=1)).strftime("%Y-%m")
    return [before, span.month, span.end.strftime("%Y-%m")]


def _listed(session: Session, practice_id: int, months: list[str]) -> tuple[list[ListedPayout], set[str]]:
    """The payouts the latest readable statement of each month lists, and the months with one."""
    found = session.exec(
        select(Statement.month, Statement.rows, Statement.parse_error)
        .where(Statement.practice_id == practice_id, col(Statement.month).in_(months))
        .order_by(col(Statement.received_at).desc(), col(Statement.id).desc())
    ).all()
    latest: dict[str, list[dict[str, str]]] = {}
    for month, rows, parse_error in found:
        if month not in latest and (rows or not parse_error):
            latest[month] = list(rows or [])
    listed = [
        ListedPayout(date.fromisoformat(r["booked_on"]), Decimal(r["amount"]), month)
        for month, rows in latest.items()
        for r in rows
        if r["kind"] == PAYOUT
    ]
    return listed, set(latest)


def month_payouts(session: Session, *, practice_id: int, span: Period) -> MonthPayouts:
    """The month's payouts, paired over the neighbouring months so that a payout listed on a
    month's last days and booked by the bank in the next is seen once, the same from both."""
    listed, with_statement = _listed(session, practice_id, _months_around(span))
    reach = LATE + LATE + EARLY
    rows = session.exec(
        select(BankTransaction).where(
            BankTransaction.practice_id == practice_id,
            BankTransaction.kind == "payout",
            col(BankTransaction.booked_on) >= span.start - reach,
            col(BankTransaction.booked_on) < span.end + reach,
        )
    ).all()
    bank = [BankPayout(r.booked_on, r.amount, r.bank_reference, r.source_format) for r in rows]
    until = session.exec(
        select(func.max(BankTransaction.booked_on)).where(BankTransaction.practice_id == practice_id)
    ).one()
    lines = [_line(pair, until, with_statement) for pair in pair_payouts(listed, bank)]
    return MonthPayouts(span, [x for x in lines if _belongs(x, span)], until)


def _line(pair: Pair, until: date | None, with_statement: set[str]) -> PayoutLine:
    month = pair.bank.booked_on.strftime("%Y-%m") if pair.bank else ""
    has = pair.listed is not None or month in with_statement
    return PayoutLine(pair.listed, pair.bank, difference(pair, imported_until=until), has)


def _belongs(line: PayoutLine, span: Period) -> bool:
    inside = [d for d in (line.booked_on, line.bank.booked_on if line.bank else None) if d]
    listed_here = line.listed is not None and line.listed.statement_month == span.month
    return listed_here or any(span.start <= d < span.end for d in inside)


def require_statement(session: Session, practice_id: int, span: Period) -> None:
    found = session.exec(
        select(Statement.id).where(Statement.practice_id == practice_id, Statement.month == span.month)
    ).first()
    if found is None:
        raise NotFound(f"Für {span.label} liegt keine Monatsabrechnung von 1159 Finance vor.")


def payout_differences(
    uow: UnitOfWork, *, practice_id: int, actor: Actor, month: str
) -> list[PayoutDifference]:
    """The month's payouts that differ between the agency's statement and the bank (NotFound in
    German without a statement for the month)."""
    require(actor, Permission.VIEW_REPORTS)
    span = period(month, allow_future=True)
    with uow:
        require_statement(uow.session, practice_id, span)
        return month_payouts(uow.session, practice_id=practice_id, span=span).differences
