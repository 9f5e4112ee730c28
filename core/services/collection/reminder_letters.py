"""The reminder letter that creates the legal basis for a hand-over, and its dispatch date.

`letter` writes the PDF (announcement of the hand-over to 1159 Finance, the data that would be
passed, the payment deadline, the right to object); `mark_sent` records the day it went out as
the invoice's reminder with the announcement, which `core.domain.claims.legal_basis` then counts
once the deadline has passed.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta

from sqlmodel import Session

from core.db.engine import UnitOfWork
from core.db.models import Invoice, Practice
from core.domain.dates import default_date, format_date, today
from core.domain.errors import InvalidInput, PreconditionFailed
from core.domain.money import ZERO
from core.services.collection.claim_parties import parties
from core.services.collection.claim_payload import claim_payload, debtor_of, describe_payload
from core.services.collection.handover_check import practice_of
from core.services.collection.reminder_pdf import LetterText, render
from core.services.invoicing.invoice_sql import OPEN_STATES
from core.services.invoicing.invoices import find
from core.services.people import audit
from core.services.people.access import Actor, Permission, require

__all__ = ["ReminderLetter", "letter", "mark_sent"]


@dataclass(frozen=True)
class ReminderLetter:
    number: str
    file_name: str
    pdf: bytes
    deadline: date


def _open_overdue(invoice: Invoice, on: date) -> None:
    nr = invoice.number
    if invoice.status not in OPEN_STATES or invoice.open_amount <= ZERO:
        raise PreconditionFailed(
            f"Rechnung {nr} ist nicht mehr offen (Stand: {invoice.status}); keine Mahnung nötig."
        )
    if invoice.due_date >= on:
        raise PreconditionFailed(
            f"Rechnung {nr} ist noch nicht überfällig (fällig am {format_date(invoice.due_date)}); "
            "eine Mahnung ist erst danach möglich."
        )


def _text(
    session: Session, practice: Practice, invoice: Invoice, on: date, days: int, notice: bool
) -> LetterText:
    patient, recipient = parties(session, invoice)
    party = debtor_of(patient, recipient)
    claim = claim_payload(invoice, patient, recipient=recipient, consumer_notice=notice)
    # This letter is the reminder the hand-over would carry: its date, and the default it brings.
    reminded = default_date(due_date=invoice.due_date, reminder_date=on, consumer_notice=notice)
    claim = replace(claim, reminder_date=on, default_date=reminded)
    name = " ".join(p for p in (party.first_name, party.last_name) if p)
    addressee = [line for line in (party.company, name, party.street, f"{party.zip} {party.city}") if line]
    practice_lines = [practice.name, practice.street, f"{practice.zip} {practice.city}".strip()]
    return LetterText(
        practice=[line for line in (*practice_lines, practice.phone, practice.email) if line],
        addressee=addressee,
        number=invoice.number,
        invoice_date=invoice.invoice_date,
        due_date=invoice.due_date,
        open_amount=invoice.open_amount,
        letter_date=on,
        deadline=on + timedelta(days=days),
        iban=practice.iban,
        passed=describe_payload(claim, by_recipient=recipient is not None),
    )


def letter(
    uow: UnitOfWork, *, practice_id: int, actor: Actor, number: str, on: date | None = None
) -> ReminderLetter:
    """The reminder letter for an open, overdue invoice, dated `on` (default today), as a PDF."""
    require(actor, Permission.CREATE_CLAIM)
    on = on or today()
    days = uow.settings.reminder_deadline_days
    with uow:
        invoice = find(uow.session, practice_id=practice_id, number=number)
        _open_overdue(invoice, on)
        practice = practice_of(uow.session, practice_id)
        notice = uow.settings.invoices_carry_consumer_notice
        text = _text(uow.session, practice, invoice, on, days, notice)
    safe = "".join(c if c.isalnum() or c in "-_" else "_" for c in invoice.number)
    return ReminderLetter(invoice.number, f"Mahnung-{safe}.pdf", render(text), text.deadline)


def mark_sent(
    uow: UnitOfWork, *, practice_id: int, actor: Actor, number: str, sent_on: date | None = None
) -> str:
    """Record that the letter went out on `sent_on` (default today): the invoice's announced reminder."""
    require(actor, Permission.CREATE_CLAIM)
    now = today()
    sent_on = sent_on or now
    if sent_on > now:
        raise InvalidInput(
            f"Das Versanddatum {format_date(sent_on)} liegt in der Zukunft. Bitte den Tag angeben, "
            "an dem die Mahnung verschickt wurde."
        )
    with uow:
        invoice = find(uow.session, practice_id=practice_id, number=number)
        _open_overdue(invoice, sent_on)
        invoice.reminder_date, invoice.handover_announced = sent_on, True
        uow.session.add(invoice)
        audit.record(
            uow.session, practice_id=practice_id, actor=actor, action="reminder.sent",
            subject=f"invoice:{invoice.number}", sent_on=sent_on.isoformat(),
        )  # fmt: skip
        uow.commit()
    deadline = sent_on + timedelta(days=uow.settings.reminder_deadline_days)
    return (
        f"Mahnung zu Rechnung {invoice.number} als versendet am {format_date(sent_on)} erfasst. "
        f"Übergeben werden kann ab dem {format_date(deadline + timedelta(days=1))}, "
        "wenn bis dahin nicht gezahlt ist."
    )
