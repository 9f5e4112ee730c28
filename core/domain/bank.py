"""A booking on the practice's bank account, as every statement format reads into it.

Parsers (core/services/payments_in/bank_*.py) turn a file's bytes into `BankTransaction`s;
`transaction_key` is the one rule for when two of them are the same booking (a statement
imported twice, or two statements that overlap).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from core.domain.errors import InvalidInput

__all__ = ["BankStatement", "BankTransaction", "BankFileRefused", "transaction_key"]


class BankFileRefused(InvalidInput):
    """A bank statement file that cannot be read; nothing of it is kept."""


@dataclass(frozen=True, slots=True)
class BankTransaction:
    booked_on: date
    value_on: date | None
    amount: Decimal  # positive; `credit` says the direction
    currency: str
    credit: bool
    payer: str = ""  # for a credit the one who paid, for a debit the one paid
    iban: str = ""  # that party's IBAN
    remittance: str = ""  # Verwendungszweck, lines joined by a space
    bank_reference: str = ""  # the bank's own unique reference, where the format has one
    end_to_end_id: str = ""
    account: str = ""  # the practice's own account (IBAN or bank code/account number)


@dataclass(frozen=True)
class BankStatement:
    format: str  # camt.053 | camt.052 | camt.054 | MT940 | CSV
    transactions: tuple[BankTransaction, ...]


def transaction_key(tx: BankTransaction) -> str:
    """The booking's identity: the bank's own reference where there is one, else a fingerprint.

    The fingerprint takes what does not change between two statements showing the same booking
    (date, amount, direction, payer IBAN, remittance text without spacing), so an overlap adds
    nothing; it is hashed to keep the key short.
    """
    if tx.bank_reference and tx.bank_reference.upper() not in ("NONREF", "NOTPROVIDED"):
        return f"ref:{tx.account}:{tx.bank_reference}"[:200]
    text = "".join(tx.remittance.split()).casefold()
    raw = "|".join(
        (tx.account, tx.booked_on.isoformat(), str(tx.amount), "C" if tx.credit else "D", tx.iban, text)
    )
    return "fp:" + hashlib.sha256(raw.encode()).hexdigest()[:40]
