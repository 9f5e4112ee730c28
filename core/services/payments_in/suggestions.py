"""Recognised payments as suggestions: stored once per transaction, booked at once or asked about.

A match for an invoice in collection waits for a person (decisions.py); one for an invoice the
practice still holds itself is booked at once, so a paid invoice is never handed over. A source
hands in everything it recognised at once (`suggest_many`): a statement of 20,000 credits costs a
few set-based statements per thousand, all in the caller's transaction, not one transaction each.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

from sqlalchemy import Table
from sqlalchemy.dialects import sqlite
from sqlmodel import Session, col, select

from core.db import driver_rows
from core.db.engine import UnitOfWork
from core.db.models import Claim, Invoice, PaymentSuggestion
from core.domain.claim_lifecycle import OPEN
from core.domain.dates import utcnow
from core.domain.errors import InvalidInput
from core.services.collection import payment_ledger
from core.services.collection.claims import locked_invoice_rows
from core.services.invoicing.invoices import find
from core.services.payments_in.suggestion_list import NOTE_KIND, Suggestion, ask, list_open, notify, view
from core.services.people import audit
from core.services.people.access import Actor, Role

if TYPE_CHECKING:
    from core.config import Settings

__all__ = [
    "AUTOMATIC",
    "CONFIDENCES",
    "NOTE_KIND",
    "SOURCES",
    "Outcome",
    "Proposal",
    "Suggestion",
    "add",
    "booking",
    "collected",
    "in_collection",
    "list_open",
    "notify",
    "suggest",
    "suggest_many",
    "view",
]

SOURCES = ("bank", "praxissoftware")
CONFIDENCES = ("sicher", "wahrscheinlich", "unsicher")
# Who booked what needed no person: the rule itself (exact match, or no claim to report to).
AUTOMATIC = Actor(Role.OPERATOR, "automatisch")
_CHUNK = 1000


@dataclass(frozen=True)
class Proposal:
    """A payment a source recognised for an invoice."""

    invoice_id: int
    amount: Decimal
    paid_on: date
    source: str  # bank | praxissoftware
    evidence: str
    reason: str
    confidence: str  # sicher | wahrscheinlich | unsicher
    payer: str = ""
    transaction_key: str = ""  # the same key is suggested once; empty: always a new one


@dataclass
class Outcome:
    ids: dict[str, int] = field(default_factory=dict)  # the new suggestions by transaction key
    booked: int = 0  # accepted at once (no claim waits, or an exact match accepted automatically)
    waiting: int = 0  # open for an invoice in collection: a person decides


def suggest(
    uow: UnitOfWork,
    *,
    practice_id: int,
    number: str,
    amount: Decimal,
    paid_on: date,
    source: str,
    evidence: str,
    reason: str,
    confidence: str,
    payer: str = "",
    transaction_key: str = "",
) -> Suggestion | None:
    """One recognised payment through `suggest_many` (None when this transaction was suggested
    before); returned as it stands after the rule: accepted, or open for a person."""
    with uow:
        invoice = find(uow.session, practice_id=practice_id, number=number)
        proposal = Proposal(
            invoice.id or 0, amount, paid_on, source, evidence, reason, confidence, payer, transaction_key
        )
        outcome = suggest_many(uow.session, uow.settings, practice_id=practice_id, proposals=[proposal])
        uow.commit()
        return next((view(uow.session, i) for i in outcome.ids.values()), None)


def suggest_many(
    session: Session, settings: Settings, *, practice_id: int, proposals: Sequence[Proposal]
) -> Outcome:
    """Store each proposal once (by transaction key; two imports at once still store it once), in
    the caller's transaction. Booked at once when the invoice is not in collection, or when exact
    matches are accepted automatically (PAYMENTS_AUTO_ACCEPT_EXACT); a refusal (more than is open,
    already paid, withdrawn) leaves it open. The chat is asked about the open ones for 1159 Finance."""
    outcome, waiting = Outcome(), list[tuple[int, Proposal]]()
    auto_exact = bool(settings.payments_auto_accept_exact)
    if proposals:  # the invoices locked first, all in one order: storing a suggestion takes a share
        # lock on its invoice, booking an exclusive one, so two imports naming the same invoices
        # would each hold what the other waits for (PostgreSQL aborts one of them)
        locked_invoice_rows(session, practice_id, [p.invoice_id for p in proposals], [col(Invoice.id)])
    for start in range(0, len(proposals), _CHUNK):
        fresh = _insert(session, practice_id, proposals[start : start + _CHUNK])
        outcome.ids.update((p.transaction_key, i) for i, p in fresh)
        at_agency = collected(session, [p.invoice_id for _, p in fresh])
        auto = [
            (i, p)
            for i, p in fresh
            if p.invoice_id not in at_agency or (auto_exact and p.confidence == "sicher")
        ]
        accepted = _accept(session, practice_id, auto)
        outcome.booked += len(accepted)
        waiting += [(i, p) for i, p in fresh if p.invoice_id in at_agency and i not in accepted]
    outcome.waiting = len(waiting)
    ask(session, practice_id, [(i, p.amount) for i, p in waiting], settings.chat_privacy)
    return outcome


def booking(
    practice_id: int, suggestion_id: int, proposal: Proposal | PaymentSuggestion, by: str
) -> payment_ledger.Booking:
    """The payment an accepted suggestion books: one suggestion, one payment, one report."""
    return payment_ledger.Booking(
        invoice_id=proposal.invoice_id,
        amount=proposal.amount,
        paid_on=proposal.paid_on,
        origin=proposal.source,
        recorded_by=by,
        evidence=proposal.evidence,
        confirmed_by=by,
        in_export=proposal.source == "praxissoftware",
        reference=f"P{practice_id}-V{suggestion_id}",
        refuse_withdrawn=True,
    )


_SUGGESTIONS: Table = PaymentSuggestion.__table__  # type: ignore[attr-defined]
_DECIDED = ("state", "decided_by", "decided_at", "payment_id")


def _accept(session: Session, practice_id: int, items: list[tuple[int, Proposal]]) -> set[int]:
    """Book the new suggestions as AUTOMATIC accepted them; the ids of those booked."""
    bookings = [booking(practice_id, i, p, AUTOMATIC.label) for i, p in items]
    booked = payment_ledger.book_many(session, bookings, practice_id=practice_id)
    done = [(i, p, b) for (i, p), b in zip(items, booked, strict=True) if b.refusal is None]
    if not done:
        return set()
    connection = session.connection()
    to_stored = driver_rows.storer(_SUGGESTIONS, _DECIDED, connection.dialect)
    # our own new rows, open until now; one COPY and UPDATE … FROM on PostgreSQL (driver_rows)
    decided = to_stored(("accepted", AUTOMATIC.label, utcnow(), None))[:3]
    driver_rows.update_many(
        connection, _SUGGESTIONS, _DECIDED, "id", [(*decided, b.payment_id, i) for i, _, b in done]
    )
    audit.record_many(
        session,
        practice_id=practice_id,
        actor=AUTOMATIC,
        action="payment_suggestion.accept",
        events=[(f"invoice:{b.number}", {"amount": p.amount, "reference": b.reference}) for _, p, b in done],
    )
    return {i for i, _, _ in done}


def add(
    session: Session,
    *,
    practice_id: int,
    invoice: Invoice,
    amount: Decimal,
    paid_on: date,
    source: str,
    evidence: str,
    reason: str,
    confidence: str,
    payer: str = "",
    transaction_key: str = "",
) -> PaymentSuggestion | None:
    """Add one suggestion to the caller's transaction, nothing else; None if its key is known."""
    proposal = Proposal(
        invoice.id or 0, amount, paid_on, source, evidence, reason, confidence, payer, transaction_key
    )
    fresh = _insert(session, practice_id, [proposal])
    return session.get(PaymentSuggestion, fresh[0][0]) if fresh else None


def _insert(session: Session, practice_id: int, proposals: Sequence[Proposal]) -> list[tuple[int, Proposal]]:
    """INSERT … ON CONFLICT DO NOTHING: a key stored before, or by another import at this moment
    (PostgreSQL waits for it, SQLite has one writer), is left out. The new ones with their ids."""
    keyed: dict[str, Proposal] = {}
    for p in proposals:
        if p.source not in SOURCES:
            raise InvalidInput(f"Unbekannte Quelle „{p.source}“: erlaubt sind {', '.join(SOURCES)}.")
        if p.confidence not in CONFIDENCES:
            raise InvalidInput(
                f"Unbekannte Sicherheit „{p.confidence}“: erlaubt sind {', '.join(CONFIDENCES)}."
            )
        if p.transaction_key:
            keyed.setdefault(p.transaction_key, p)
        else:
            key = f"{p.source}:{uuid.uuid4().hex}"
            keyed[key] = replace(p, transaction_key=key)
    if not keyed:
        return []
    now = utcnow()
    rows = [
        {
            "practice_id": practice_id,
            "invoice_id": p.invoice_id,
            "amount": p.amount,
            "paid_on": p.paid_on,
            "source": p.source,
            "evidence": p.evidence,
            "reason": p.reason,
            "confidence": p.confidence,
            "payer": p.payer,
            "transaction_key": key,
            "state": "open",
            "decided_by": "",
            "created_at": now,
        }
        for key, p in keyed.items()
    ]
    connection = session.connection()
    if connection.dialect.name == "postgresql":  # thousands of rows: COPY, then one INSERT … SELECT
        to_stored = driver_rows.storer(_SUGGESTIONS, _NEW, connection.dialect)
        stored = [to_stored([r[name] for name in _NEW]) for r in rows]
        found = driver_rows.insert_new_pg(
            connection, _SUGGESTIONS, _NEW, stored, unique=_UNIQUE, returning=("id", "transaction_key")
        )
    else:
        statement = (
            sqlite.insert(PaymentSuggestion)
            .on_conflict_do_nothing(index_elements=list(_UNIQUE))
            .returning(col(PaymentSuggestion.id), col(PaymentSuggestion.transaction_key))
        )
        found = [tuple(row) for row in connection.execute(statement, rows).all()]
    made = {key: i for i, key in found}
    return [(made[key], p) for key, p in keyed.items() if key in made]


_UNIQUE = ("practice_id", "transaction_key")
_NEW = (
    "practice_id", "invoice_id", "amount", "paid_on", "source", "evidence", "reason", "confidence", "payer",
    "transaction_key", "state", "decided_by", "created_at",
)  # fmt: skip


def collected(session: Session, invoice_ids: list[int]) -> set[int]:
    """Which of the invoices 1159 Finance holds (a claim handed over and not ended)."""
    found: set[int] = set()
    ids = sorted(set(invoice_ids))
    for start in range(0, len(ids), _CHUNK):
        query = select(Claim.invoice_id).where(
            col(Claim.invoice_id).in_(ids[start : start + _CHUNK]), col(Claim.delivery).in_(OPEN)
        )
        found.update(session.exec(query).all())
    return found


def in_collection(session: Session, invoice_id: int) -> bool:
    return invoice_id in collected(session, [invoice_id])
