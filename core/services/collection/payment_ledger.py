"""The one ledger of direct payments: every payment made to the practice, from whichever door or
source, is booked here, so the open amount and the report to 1159 Finance follow one rule."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Row, Table, insert, text
from sqlalchemy.engine import Connection
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session, col, select

from core import outbox
from core.db import driver_rows
from core.db.models import Claim, Invoice, Payment
from core.domain import claims as claims_rule
from core.domain.claim_lifecycle import OPEN, WITHDRAWING, PaymentDelivery
from core.domain.claims import InvoiceStatus, invoice_status
from core.domain.dates import utcnow
from core.domain.errors import InkassoError, InvalidInput, PreconditionFailed
from core.domain.money import ZERO, format_eur
from core.services.collection import delivery
from core.services.collection.claims import locked_invoice_rows
from core.services.people.access import Actor

__all__ = ["ORIGINS", "Booked", "Booking", "Figures", "book", "book_many", "open_amount", "origin_of"]

ORIGINS = ("chat", "mail", "dashboard", "cli", "praxissoftware", "bank")
# An actor's label starts with its door ("telegram:42", "mail:a@b", "dashboard:chef", "cli").
_DOORS = {"telegram": "chat", "console": "chat", "mail": "mail", "dashboard": "dashboard"}


def origin_of(actor: Actor) -> str:
    return _DOORS.get(actor.label.split(":", 1)[0], "cli")


def open_amount(invoice: Invoice) -> Decimal:
    """What is still open on the invoice (never below zero: Invoice.open_amount)."""
    return invoice.open_amount


@dataclass(slots=True)
class Figures:
    """An invoice's figures the booking rule reads and moves: what `book_many` holds per invoice
    instead of a loaded Invoice (20,000 loaded objects cost more than the bookings)."""

    id: int
    practice_id: int
    number: str
    amount: Decimal
    paid_before: Decimal
    paid_direct: Decimal
    status: str

    @property
    def open_amount(self) -> Decimal:
        return claims_rule.open_amount(amount=self.amount, paid=self.paid_before + self.paid_direct)

    @classmethod
    def of(cls, i: Invoice | Row[Any]) -> Figures:
        """From a loaded invoice, or a row of `_FIGURES`."""
        return cls(i.id or 0, i.practice_id, i.number, i.amount, i.paid_before, i.paid_direct, i.status)


@dataclass(frozen=True)
class Booking:
    """One direct payment to book (what `book` takes, for `book_many`)."""

    invoice_id: int
    amount: Decimal
    paid_on: date
    origin: str
    recorded_by: str
    evidence: str = ""
    confirmed_by: str = ""
    in_export: bool = False
    reference: str = ""  # our idempotent reference at 1159 Finance; made up when empty
    refuse_withdrawn: bool = False


@dataclass(frozen=True)
class Booked:
    """What became of a booking: the payment and its report's outbox item, or the refusal."""

    number: str = ""
    reference: str = ""
    payment_id: int | None = None
    item_id: int | None = None  # None when nothing goes to 1159 Finance
    refusal: InkassoError | None = None


def book(
    session: Session,
    invoice: Invoice,
    *,
    amount: Decimal,
    paid_on: date,
    origin: str,
    recorded_by: str,
    evidence: str = "",
    confirmed_by: str = "",
    in_export: bool = False,
    reference: str | None = None,
    refuse_withdrawn: bool = False,
) -> tuple[Payment, int | None]:
    """Book a direct payment on the (locked) invoice; with a claim at the agency, queue its report.
    Returns the payment and the outbox item's id (None when nothing goes to 1159 Finance)."""
    booking = Booking(
        invoice.id or 0, amount, paid_on, origin, recorded_by, evidence, confirmed_by, in_export,
        reference or "", refuse_withdrawn,
    )  # fmt: skip
    [booked] = book_many(session, [booking], practice_id=invoice.practice_id, locked=[invoice])
    if booked.refusal is not None:
        raise booked.refusal
    payment = session.get(Payment, booked.payment_id)
    assert payment is not None
    return payment, booked.item_id


def book_many(
    session: Session, bookings: Sequence[Booking], *, practice_id: int, locked: Sequence[Invoice] = ()
) -> list[Booked]:
    """Book each payment as `book` does, in the given order (a later one on the same invoice sees
    the earlier ones), in a few statements however many there are; a refused one changes nothing
    and comes back with its German reason. `locked`: the invoices, if the caller locked and read
    them (they are left showing the new figures); else they are locked and read here."""
    if not bookings:
        return []
    session.flush()  # the caller's pending changes first: the invoices are updated below
    ids = sorted({b.invoice_id for b in bookings})
    if locked:
        found = {i.id or 0: Figures.of(i) for i in locked}
    else:
        found = {row[0]: Figures.of(row) for row in locked_invoice_rows(session, practice_id, ids, _FIGURES)}
    claims = _claims(session, ids)
    rows: list[dict[str, Any]] = []
    results: list[Booked] = []
    for b in bookings:
        invoice, claim = found[b.invoice_id], claims.get(b.invoice_id)
        try:
            _check(invoice, claim, b.amount, b.refuse_withdrawn)
        except InkassoError as refusal:
            results.append(Booked(invoice.number, refusal=refusal))
            continue
        rows.append(_payment_row(invoice, claim, b))
        results.append(Booked(invoice.number, rows[-1]["reference"]))
        _apply(invoice, b.amount)
    if not rows:
        return results
    payment_ids = _store_payments(session.connection(), rows)
    reported = {
        f"payment:{r['reference']}": payment_ids[r["reference"]]
        for r in rows
        if r["delivery"] == PaymentDelivery.QUEUED
    }
    items = outbox.enqueue_many(session, practice_id=practice_id, kind=delivery.PAYMENT, subjects=reported)
    moved = {r["invoice_id"]: found[r["invoice_id"]] for r in rows}.values()
    connection = session.connection()
    to_stored = driver_rows.storer(_INVOICES, _MOVED, connection.dialect)
    # driver_rows: thousands of invoices in one COPY and UPDATE … FROM on PostgreSQL
    driver_rows.update_many(
        connection, _INVOICES, _MOVED, "id", [(*to_stored((f.paid_direct, f.status)), f.id) for f in moved]
    )
    for loaded in locked:  # the caller reads the new open amount from its object
        set_committed_value(loaded, "paid_direct", found[loaded.id or 0].paid_direct)
        set_committed_value(loaded, "status", found[loaded.id or 0].status)
    return [
        r
        if r.refusal is not None
        else replace(r, payment_id=payment_ids[r.reference], item_id=items.get(f"payment:{r.reference}"))
        for r in results
    ]


_FIGURES = tuple(col(getattr(Invoice, name)) for name in Figures.__slots__)
_INVOICES: Table = Invoice.__table__  # type: ignore[attr-defined]
_MOVED = ("paid_direct", "status")


def _store_payments(connection: Connection, rows: list[dict[str, Any]]) -> dict[str, int]:
    """Insert the payment rows; their new ids by reference. On PostgreSQL the ids come from the
    sequence in one query and the rows go in one binary COPY: an INSERT … RETURNING of a bank
    statement's thirteen thousand payments costs seconds in the driver alone."""
    if connection.dialect.name != "postgresql":
        stored = connection.execute(insert(Payment).returning(col(Payment.id), col(Payment.reference)), rows)
        return {reference: payment_id or 0 for payment_id, reference in stored.all()}
    ids = connection.execute(_NEXT_PAYMENT_IDS, {"n": len(rows)}).scalars().all()
    to_stored = driver_rows.storer(_PAYMENTS, _PAYMENT_COLUMNS, connection.dialect)
    driver_rows.insert_many(
        connection,
        _PAYMENTS,
        _PAYMENT_COLUMNS,
        [to_stored((i, *(r[name] for name in _PAYMENT_COLUMNS[1:]))) for i, r in zip(ids, rows, strict=True)],
    )
    return {r["reference"]: i for i, r in zip(ids, rows, strict=True)}


_PAYMENTS: Table = Payment.__table__  # type: ignore[attr-defined]
_PAYMENT_COLUMNS = ("id", "remote_id", *(
    "practice_id", "invoice_id", "claim_id", "source", "amount", "paid_on", "reference", "delivery",
    "failure_reason", "recorded_by", "origin", "evidence", "confirmed_by", "in_export", "created_at",
))  # fmt: skip
_NEXT_PAYMENT_IDS = text(
    "SELECT nextval(pg_get_serial_sequence('payment', 'id')) FROM generate_series(1, :n)"
)


def _claims(session: Session, invoice_ids: list[int]) -> dict[int, Claim]:
    found: dict[int, Claim] = {}
    for start in range(0, len(invoice_ids), 1000):
        query = select(Claim).where(col(Claim.invoice_id).in_(invoice_ids[start : start + 1000]))
        found.update((claim.invoice_id, claim) for claim in session.exec(query).all())
    return found


def _payment_row(invoice: Figures, claim: Claim | None, b: Booking) -> dict[str, Any]:
    passed_on = claim is not None and claim.delivery in OPEN
    return {
        "practice_id": invoice.practice_id,
        "invoice_id": invoice.id,
        "claim_id": claim.id if claim else None,
        "source": "practice",
        "amount": b.amount,
        "paid_on": b.paid_on,
        "reference": b.reference or f"P{invoice.practice_id}-{uuid.uuid4().hex[:16]}",
        "delivery": PaymentDelivery.QUEUED if passed_on else PaymentDelivery.NONE,
        "remote_id": None,
        "failure_reason": "",
        "recorded_by": b.recorded_by,
        "origin": b.origin,
        "evidence": b.evidence,
        "confirmed_by": b.confirmed_by or b.recorded_by,
        "in_export": b.in_export,
        "created_at": utcnow(),
    }


def _apply(invoice: Figures, amount: Decimal) -> None:
    """The invoice as the payment leaves it (written for all bookings at once)."""
    invoice.paid_direct += amount
    if invoice.status not in (InvoiceStatus.IN_COLLECTION, InvoiceStatus.COMPLETE):
        invoice.status = invoice_status(
            amount=invoice.amount, paid=invoice.paid_before + invoice.paid_direct, claim_open=False
        )


def _check(invoice: Figures, claim: Claim | None, amount: Decimal, refuse_withdrawn: bool) -> None:
    if amount <= ZERO:
        raise InvalidInput("Der Betrag muss größer als 0 sein.")
    if refuse_withdrawn and claim is not None and claim.delivery in WITHDRAWING:
        raise PreconditionFailed(
            f"Die Forderung zu Rechnung {invoice.number} wurde zurückgezogen; "
            "die Zahlung wird nicht an 1159 Finance gemeldet. "
            "Bitte ablehnen oder einer anderen Rechnung zuordnen."
        )
    if invoice.open_amount <= ZERO:
        raise PreconditionFailed(f"Rechnung {invoice.number} ist bereits vollständig bezahlt.")
    if invoice.status == InvoiceStatus.COMPLETE:
        # The agency collected everything: its case is closed and would refuse the report.
        raise PreconditionFailed(
            f"Rechnung {invoice.number} ist bereits vollständig bezahlt: "
            "1159 Finance hat den vollen Betrag erhalten."
        )
    if amount > invoice.open_amount:
        raise InvalidInput(
            f"{format_eur(amount)} ist mehr als offen ist ({format_eur(invoice.open_amount)}). "
            "Bitte den Betrag prüfen."
        )
    outstanding = claim.outstanding if claim is not None and claim.delivery in OPEN else None
    if outstanding is not None and amount > outstanding:
        # The agency refuses more than its case's outstanding amount for good; say so now.
        raise InvalidInput(
            f"{format_eur(amount)} ist mehr, als bei 1159 Finance noch offen ist "
            f"({format_eur(outstanding)}). Bitte den Betrag prüfen."
        )
