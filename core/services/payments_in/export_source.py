"""The practice export as a payment source. Its "Bezahlt" column only ever says how much was paid
in all; an increase since the last import is compared with the direct payments recorded since
then (chat, mail, dashboard, CLI, bank): the part they explain changes nothing, the rest is a new
payment from the source "praxissoftware" (a suggestion while 1159 Finance holds the claim, booked
at once otherwise). A decrease is reported and never applied."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import func
from sqlmodel import Session, col, select

from core.db.models import Invoice, Payment
from core.domain.dates import today
from core.domain.errors import InkassoError
from core.domain.invoice_rows import InvoiceRow
from core.domain.money import ZERO, format_eur
from core.services.collection import payment_ledger
from core.services.payments_in import suggestions
from core.services.people.access import Actor

__all__ = ["seen_by_export", "settle"]


def settle(
    session: Session,
    actor: Actor,
    rows: list[tuple[int, InvoiceRow]],
    known: dict[str, tuple[int, Decimal]],
    reports: list[tuple[int, str]],
) -> None:
    """Look at each row's "Bezahlt" against what the export showed before (`known`: invoice id and
    paid before by number); book, suggest or report in the caller's transaction, adding (line, text)
    to `reports`. Called after the rows were written, so the invoices read here are up to date."""
    seen = seen_by_export(session, [known[r.number][0] for _, r in rows])
    for line, row in rows:
        invoice_id, paid_before = known[row.number]
        before = paid_before + seen.get(invoice_id, ZERO)
        if row.paid == before:
            continue  # the common case costs no further query
        if row.paid < before:
            reports.append((line, _decrease(row, before)))
            continue
        invoice = session.get(Invoice, invoice_id)
        assert invoice is not None
        text = _increase(session, actor, invoice, row.paid - before, row.paid)
        if text:
            reports.append((line, text))


def seen_by_export(session: Session, invoice_ids: list[int]) -> dict[int, Decimal]:
    """Per invoice, the direct payments the export's "Bezahlt" already contains."""
    found: dict[int, Decimal] = {}
    for start in range(0, len(invoice_ids), 500):
        query = (
            select(col(Payment.invoice_id), func.sum(Payment.amount))
            .where(
                col(Payment.invoice_id).in_(invoice_ids[start : start + 500]),
                col(Payment.source) == "practice",
                col(Payment.in_export).is_(True),
            )
            .group_by(col(Payment.invoice_id))
        )
        found.update((invoice_id, Decimal(total)) for invoice_id, total in session.exec(query).all())
    return found


def _increase(session: Session, actor: Actor, invoice: Invoice, increase: Decimal, shown: Decimal) -> str:
    rest = _match_recorded(session, invoice, increase)
    if rest == ZERO:
        return ""  # every cent already recorded: nothing is counted twice
    evidence = f"Export: Bezahlt {format_eur(shown - increase)} → {format_eur(shown)}"
    if suggestions.in_collection(session, invoice.id or 0):
        row = suggestions.add(
            session,
            practice_id=invoice.practice_id,
            invoice=invoice,
            amount=rest,
            paid_on=today(),
            source="praxissoftware",
            evidence=evidence,
            reason=f"Die Praxissoftware zeigt {format_eur(rest)} mehr bezahlt, als hier erfasst ist.",
            confidence="sicher",
            transaction_key=f"praxissoftware:{invoice.id}:{shown}",
        )
        if row is None:
            return ""  # suggested at an earlier import of this export
        session.flush()
        shown_row = suggestions.view(session, row.id or 0)
        if shown_row is not None:
            suggestions.notify(session, invoice.practice_id, shown_row)
        return (
            f"Rechnung {invoice.number}: {format_eur(rest)} laut Praxissoftware bezahlt – "
            "als Zahlungseingang vorgeschlagen; an 1159 Finance gemeldet wird erst nach Bestätigung."
        )
    try:
        payment_ledger.book(
            session,
            invoice,
            amount=rest,
            paid_on=today(),
            origin="praxissoftware",
            recorded_by=actor.label,
            evidence=evidence,
            in_export=True,
        )
    except InkassoError as refusal:
        refused = f"Rechnung {invoice.number}: Zahlung aus der Praxissoftware nicht übernommen."
        return f"{refused} {refusal.user_message}"
    return f"Rechnung {invoice.number}: Zahlung über {format_eur(rest)} aus der Praxissoftware übernommen."


def _match_recorded(session: Session, invoice: Invoice, increase: Decimal) -> Decimal:
    """Mark the payments recorded since the last import that the increase explains (oldest first);
    returns what is left unexplained."""
    query = (
        select(Payment)
        .where(
            Payment.invoice_id == invoice.id,
            col(Payment.source) == "practice",
            col(Payment.in_export).is_(False),
        )
        .order_by(col(Payment.paid_on), col(Payment.id))
    )
    rest = increase
    for payment in session.exec(query).all():
        if payment.amount <= rest:
            payment.in_export = True
            session.add(payment)
            rest -= payment.amount
    return rest


def _decrease(row: InvoiceRow, before: Decimal) -> str:
    return (
        f"Rechnung {row.number}: „Bezahlt“ sank von {format_eur(before)} auf {format_eur(row.paid)}; "
        "das wurde nicht übernommen. Bitte in der Praxissoftware prüfen (Erstattung oder Korrektur?)."
    )
