"""Journal entries: a booking as the tax advisor books it (day, amount, Soll, Haben, what, why).

The DATEV file, the PDF and the tests read these; they are built from our records by the rules
for the book's basis (cash or accrual) and chart.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from core.services.accounting.chart import Account, presets
from core.services.accounting.ledger import Booking


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


@dataclass(frozen=True)
class Book:
    """What the journal and the DATEV header need to know about the practice's books."""

    chart: str = "SKR03"
    consultant: str = "1001"
    client: str = "1"
    fiscal_year_start: int = 1  # month
    accounts: dict[str, Account] | None = None
    basis: str = "cash"  # cash | accrual

    def account(self, role: str) -> str:
        return (self.accounts or presets(self.chart))[role].number

    def numbers(self) -> list[str]:
        return [a.number for a in (self.accounts or presets(self.chart)).values()]


_TEXT = {
    "debtor_payment": "Zahlung Schuldner an 1159 Finance",
    "collection_fee": "Inkassokosten Schuldner",
    "expenses": "Auslagen Schuldner",
    "reminder_fee": "Mahngebühr Schuldner",
    "interest": "Verzugszinsen Schuldner",
    "case_fee": "Fallgebühr 1159 Finance",
}
# (Soll role, Haben role) per kind, receivables model
_ROLES = {
    "debtor_payment": ("clearing", "receivables"),
    "collection_fee": ("receivables", "clearing"),
    "expenses": ("receivables", "clearing"),
    "reminder_fee": ("receivables", "clearing"),
    "interest": ("receivables", "interest"),
    "case_fee": ("case_fee", "clearing"),
}


def entries(book: Book, bookings: list[Booking]) -> list[Entry]:
    out = []
    for b in bookings:
        roles = _ROLES.get(b.kind)
        if roles is None or b.amount == 0:
            continue  # payments the practice received itself are in its cash book
        debit, credit = (book.account(r) for r in roles)
        out.append(Entry(b.day, b.amount, debit, credit, _TEXT[b.kind], b.reference, b.case_id))
    return out
