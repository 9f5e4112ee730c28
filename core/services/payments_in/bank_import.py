"""`inkasso import bank FILE`: read a statement, keep each credit once, recognise what it pays.

Debits are counted and not kept (they are no income); a credit in a foreign currency is kept
aside, never matched; a payout of 1159 Finance is kept as such, for the reconciliation with
its monthly statement (accounting/payouts.py). Every other new credit is matched to open
invoices, and the matches become payment suggestions (suggestions.suggest_many) in the same
transaction that keeps the credits: a credit is never kept without its suggestions, whatever
stops the import half-way.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import insert
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from core.db.engine import UnitOfWork
from core.db.models import BankTransaction as BankRow
from core.domain.bank import BankStatement, BankTransaction, transaction_key
from core.domain.dates import format_date, utcnow
from core.services.payments_in.bank_index import open_invoice_index
from core.services.payments_in.bank_matching import Match, match_transaction
from core.services.payments_in.payout_rule import is_agency_payout
from core.services.payments_in.suggestions import Proposal, suggest_many
from core.services.people import audit
from core.services.people.access import Actor, Permission, require

__all__ = ["BankImportResult", "BankMatch", "import_statement"]


@dataclass(frozen=True)
class BankMatch:
    """A match with the booking it comes from: what a suggestion needs."""

    transaction_key: str  # the booking's key and the invoice number: unique per suggestion
    paid_on: date
    payer: str
    evidence: str  # German: which statement, which booking
    match: Match


@dataclass
class BankImportResult:
    format: str
    new: int = 0
    known: int = 0
    payouts: int = 0
    debits: int = 0
    foreign_currency: int = 0
    matches: list[BankMatch] = field(default_factory=list)
    booked: int = 0  # matches booked at once (no claim waits at 1159 Finance)
    waiting: int = 0  # matches a person confirms before 1159 Finance hears of them

    @property
    def matched(self) -> int:
        """New credits with at least one recognised invoice."""
        return len({m.transaction_key.split("#")[0] for m in self.matches})


def _kind(tx: BankTransaction, payout_iban: str) -> str:
    if tx.currency != "EUR":
        return "foreign_currency"
    return "payout" if is_agency_payout(tx, payout_iban=payout_iban) else "payment"


def import_statement(
    uow: UnitOfWork, *, practice_id: int, actor: Actor | str, statement: BankStatement, file_name: str = ""
) -> BankImportResult:
    """Keep the statement's new credits once, match the new payments, and suggest (or book) what
    they pay: all in one transaction (retried once if another import of the same credits won)."""
    if not isinstance(actor, str):
        require(actor, Permission.IMPORT)
    result = BankImportResult(format=statement.format)
    credits: dict[str, BankTransaction] = {}
    for tx in statement.transactions:
        if tx.credit:
            credits.setdefault(transaction_key(tx), tx)
        else:
            result.debits += 1
    try:
        _store(uow, practice_id, actor, statement, credits, result, file_name)
    except IntegrityError:  # another import stored some of these at the same moment: count again
        result = BankImportResult(format=statement.format, debits=result.debits)
        _store(uow.fresh(), practice_id, actor, statement, credits, result, file_name)
    return result


@contextmanager
def _collector_spared() -> Iterator[Callable[[], None]]:
    """Keep Python's cycle collector off the import's long-lived data. The matching index (some
    100,000 small objects) and the statement's rows are built first, then much more is allocated,
    and every full collection would walk them again: a third of the import's time, for nothing, as
    they hold no cycles. The collector waits while they are built; `built()` then freezes them
    (gc.freeze: left out of collections) and lets it run as usual for the rest (the database
    driver does make cycles); unfrozen when done."""
    if not gc.isenabled():  # whoever turned it off manages it
        yield lambda: None
        return
    gc.disable()

    def built() -> None:
        gc.freeze()
        gc.enable()

    try:
        yield built
    finally:
        gc.enable()
        gc.unfreeze()


def _known_keys(session: Session, practice_id: int, keys: list[str]) -> set[str]:
    known: set[str] = set()
    for start in range(0, len(keys), 500):
        chunk = keys[start : start + 500]
        known.update(
            session.exec(
                select(BankRow.key).where(BankRow.practice_id == practice_id, col(BankRow.key).in_(chunk))
            ).all()
        )
    return known


def _store(
    uow: UnitOfWork,
    practice_id: int,
    actor: Actor | str,
    statement: BankStatement,
    credits: dict[str, BankTransaction],
    result: BankImportResult,
    file_name: str,
) -> None:
    payout_iban = uow.settings.finance1159_payout_iban.replace(" ", "").upper()
    with uow, _collector_spared() as built:
        session = uow.session
        known = _known_keys(session, practice_id, list(credits))
        fresh = {k: tx for k, tx in credits.items() if k not in known}
        result.known = len(known)
        kinds = {k: _kind(tx, payout_iban) for k, tx in fresh.items()}
        index = open_invoice_index(session, practice_id=practice_id) if "payment" in kinds.values() else None
        rows, now = [], utcnow()
        for key, tx in fresh.items():
            matches = match_transaction(tx, index) if index is not None and kinds[key] == "payment" else []
            rows.append(
                _row(practice_id, key, kinds[key], tx, statement.format, matches) | {"imported_at": now}
            )
            result.matches += [_bank_match(key, tx, m, statement.format) for m in matches]
        built()
        if rows:  # one statement for all: a year's statement holds tens of thousands of credits
            session.connection().execute(insert(BankRow), rows)
        outcome = suggest_many(
            session, uow.settings, practice_id=practice_id, proposals=[_proposal(m) for m in result.matches]
        )
        result.booked, result.waiting = outcome.booked, outcome.waiting
        result.new = len(fresh)
        result.payouts = sum(1 for k in kinds.values() if k == "payout")
        result.foreign_currency = sum(1 for k in kinds.values() if k == "foreign_currency")
        audit.record(
            session,
            practice_id=practice_id,
            actor=actor,
            action="bank.import",
            subject=file_name or statement.format,
            new=result.new,
            known=result.known,
            matched=result.matched,
            payouts=result.payouts,
            booked=result.booked,
        )
        session.flush()
        uow.commit()


def _row(
    practice_id: int, key: str, kind: str, tx: BankTransaction, fmt: str, matches: list[Match]
) -> dict[str, Any]:
    return {
        "practice_id": practice_id,
        "key": key,
        "kind": kind,
        "account": tx.account,
        "booked_on": tx.booked_on,
        "value_on": tx.value_on,
        "amount": tx.amount,
        "currency": tx.currency,
        "payer": tx.payer,
        "iban": tx.iban,
        "remittance": tx.remittance,
        "bank_reference": tx.bank_reference,
        "end_to_end_id": tx.end_to_end_id,
        "source_format": fmt,
        "matches": [
            {
                "invoice_id": m.invoice_id,
                "number": m.number,
                "amount": str(m.amount),
                "confidence": m.confidence,
                "reason": m.reason,
            }
            for m in matches
        ],
    }


def _bank_match(key: str, tx: BankTransaction, match: Match, fmt: str) -> BankMatch:
    evidence = (
        f"Kontoauszug ({fmt}), Buchung vom {format_date(tx.booked_on)} über {tx.amount} {tx.currency}"
        f"{' von ' + tx.payer if tx.payer else ''}; Verwendungszweck: {tx.remittance or '–'}"
    )
    return BankMatch(f"{key}#{match.number}", tx.booked_on, tx.payer, evidence, match)


def _proposal(found: BankMatch) -> Proposal:
    m = found.match
    return Proposal(
        m.invoice_id,
        Decimal(m.amount),
        found.paid_on,
        "bank",
        found.evidence,
        m.reason,
        m.confidence,
        found.payer,
        found.transaction_key,
    )
