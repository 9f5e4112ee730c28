"""Journal entries: a booking as the tax advisor books it (day, amount, Soll, Haben, what, why).

Built from our records by the rules for the book's basis (docs/books.md explains each):
- a debtor's payment to 1159 Finance, split by § 367 BGB (split.py): the principal share to the
  revenue account (cash basis) or against the receivable (accrual basis), the interest share to
  interest income (cash) or against the receivable (accrual), the costs share through the
  pass-through account, and the costs the agency keeps out of the clearing account again;
- accrual basis only: interest the agency charged, receivable to interest income, when charged;
- the case fee of a hand-over: expense against the clearing account;
- the agency's payout: bank account against the clearing account, on the bank's booking day (or
  the statement's day, marked, while the bank statement is not imported that far: payout_month.py).
The clearing account then shows what 1159 Finance owes the practice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlmodel import Session, col, select

from core.db.models import Claim, Fee, Payment, Statement
from core.domain.claim_lifecycle import PASSED_ON
from core.services.accounting.chart import Account, presets
from core.services.accounting.ledger import Period, case_fee_claims, local_day
from core.services.accounting.payout_month import month_payouts
from core.services.accounting.split import Charge, Paid, Split, split_payments

__all__ = ["Book", "Entry", "build", "effect_on"]


@dataclass(frozen=True)
class Entry:
    day: date  # Belegdatum, a Europe/Berlin calendar day
    amount: Decimal  # positive; a negative amount reverses (DATEV side "H")
    debit: str  # Soll
    credit: str  # Haben
    text: str  # what happened, German, without the invoice number
    reference: str  # the invoice number, as the practice wrote it
    case_id: int | None
    source: str = ""  # the record or agency statement it rests on
    kind: str = ""  # principal | interest | costs | costs_kept | interest_charged | case_fee | payout
    corrects: str = ""  # a correction of a closed month (YYYY-MM): what changed there since
    original_day: date | None = None  # a correction's: the day of the booking it corrects


@dataclass(frozen=True)
class Book:
    """What the journal and the DATEV header need to know about the practice's books."""

    chart: str = "SKR03"
    consultant: str = "1001"
    client: str = "1"
    fiscal_year_start: int = 1  # month
    accounts: dict[str, Account] | None = None
    basis: str = "cash"  # cash | accrual

    def all_accounts(self) -> dict[str, Account]:
        return self.accounts or presets(self.chart)

    def named(self, role: str) -> Account:
        return self.all_accounts()[role]

    def account(self, role: str) -> str:
        return self.named(role).number

    def numbers(self) -> list[str]:
        return [a.number for a in self.all_accounts().values()]


def effect_on(account: str, e: Entry) -> Decimal:
    """How an entry moves `account`'s balance (Soll positive)."""
    return (e.amount if e.debit == account else Decimal(0)) - (
        e.amount if e.credit == account else Decimal(0)
    )


def build(session: Session, *, practice_id: int, book: Book, span: Period) -> list[Entry]:
    """The month's entries, ordered by day, invoice and kind."""
    statement = _statement_label(session, practice_id, span)
    out = _payment_entries(session, practice_id, book, span, statement)
    if book.basis == "accrual":
        out += _interest_charged(session, practice_id, book, span)
    for claim in case_fee_claims(session, practice_id=practice_id, span=span):
        out.append(Entry(local_day(claim.created_at), claim.case_fee, book.account("case_fee"),
                         book.account("clearing"), "Fallgebühr 1159 Finance", claim.reference,
                         claim.case_id, f"Übergabe an 1159 Finance{statement}", "case_fee"))  # fmt: skip
    out += _payouts(session, practice_id, book, span)
    return sorted(out, key=lambda e: (e.day, e.reference, e.kind, e.amount))


def _statement_label(session: Session, practice_id: int, span: Period) -> str:
    found = session.exec(
        select(Statement.id).where(Statement.practice_id == practice_id, Statement.month == span.month)
    ).first()
    return f", Abrechnung {span.label}" if found is not None else ""


def _payment_entries(
    session: Session, practice_id: int, book: Book, span: Period, statement: str
) -> list[Entry]:
    rows = session.exec(
        select(Payment, Claim)
        .join(Claim, col(Claim.id) == col(Payment.claim_id))
        .where(
            Payment.practice_id == practice_id,
            Payment.source == "agency",
            col(Payment.paid_on) >= span.start,
            col(Payment.paid_on) < span.end,
        )
    ).all()
    splits = _splits(session, {claim.id for _, claim in rows}, span)
    out: list[Entry] = []
    for pay, claim in rows:
        part = splits[pay.id or 0]
        source = f"Zahlung {pay.reference} an 1159 Finance{statement}"
        out += _shares(book, part, pay.paid_on, claim, source)
    return out


def _shares(book: Book, part: Split, day: date, claim: Claim, source: str) -> list[Entry]:
    acc = book.account
    cash = book.basis == "cash"
    ref, case = claim.reference, claim.case_id
    principal_to, interest_to = ("revenue", "interest") if cash else ("receivables", "receivables")
    lines = [
        (part.principal, acc("clearing"), acc(principal_to), "Zahlung Schuldner: Forderung", "principal"),
        (part.interest, acc("clearing"), acc(interest_to), "Zahlung Schuldner: Zinsen", "interest"),
        (part.costs, acc("clearing"), acc("pass_through"), "Zahlung Schuldner: Kosten", "costs"),
        (part.costs, acc("pass_through"), acc("clearing"), "Kosten behält 1159 Finance", "costs_kept"),
    ]  # fmt: skip
    return [
        Entry(day, amt, dr, cr, text, ref, case, source, kind) for amt, dr, cr, text, kind in lines if amt
    ]


def _splits(session: Session, claim_ids: set[int | None], span: Period) -> dict[int, Split]:
    ids = [i for i in claim_ids if i is not None]
    if not ids:
        return {}
    fees = session.exec(select(Fee).where(col(Fee.claim_id).in_(ids), col(Fee.charged_on) < span.end)).all()
    pays = session.exec(
        select(Payment).where(
            col(Payment.claim_id).in_(ids),
            col(Payment.paid_on) < span.end,
            (col(Payment.source) == "agency") | col(Payment.delivery).in_(PASSED_ON),
        )
    ).all()
    charges: dict[int, list[Charge]] = {cid: [] for cid in ids}
    paid: dict[int, list[Paid]] = {cid: [] for cid in ids}
    for f in fees:  # grouped once: a month of several hundred cases stays linear
        charges[f.claim_id].append(Charge(f.charged_on, f.type, f.amount))
    for p in pays:
        paid[p.claim_id or 0].append(Paid(p.id or 0, p.paid_on, p.amount, p.source == "agency"))
    out: dict[int, Split] = {}
    for cid in ids:
        out |= split_payments(charges[cid], paid[cid])
    return out


def _interest_charged(session: Session, practice_id: int, book: Book, span: Period) -> list[Entry]:
    rows = session.exec(
        select(Fee, Claim)
        .join(Claim, col(Claim.id) == col(Fee.claim_id))
        .where(
            Fee.practice_id == practice_id,
            Fee.type == "interest",
            col(Fee.charged_on) >= span.start,
            col(Fee.charged_on) < span.end,
        )  # fmt: skip
    ).all()
    return [
        Entry(
            fee.charged_on,
            fee.amount,
            book.account("receivables"),
            book.account("interest"),
            "Verzugszinsen berechnet",
            claim.reference,
            claim.case_id,
            "Gebühr laut 1159 Finance",
            "interest_charged",
        )  # fmt: skip
        for fee, claim in rows
    ]


def _payouts(session: Session, practice_id: int, book: Book, span: Period) -> list[Entry]:
    """The agency's payouts booked in the month: to the bank, out of the clearing account."""
    out = []
    for line in month_payouts(session, practice_id=practice_id, span=span).booked:
        assert line.booked_on is not None
        text = "Auszahlung 1159 Finance" + (" laut Abrechnung" if line.bank is None else "")
        out.append(Entry(line.booked_on, line.amount, book.account("bank"), book.account("clearing"), text,
                         "", None, line.source, "payout"))  # fmt: skip
    return out
