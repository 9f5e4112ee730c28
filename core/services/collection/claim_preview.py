"""The overview staff confirm before a hand-over: what is sent, what is withheld, basis and fee."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from core.db.engine import UnitOfWork
from core.domain.dates import days_overdue, today
from core.domain.debtor import interest_text
from core.services.collection.claim_parties import overview_warnings, parties
from core.services.collection.claim_payload import WITHHELD, claim_payload, debtor_of, describe_payload
from core.services.collection.handover_check import check, practice_of
from core.services.invoicing.invoices import find
from core.services.people.access import Actor, Permission, require

__all__ = ["ClaimPreview", "preview"]


@dataclass(frozen=True)
class ClaimPreview:
    """The overview staff confirm before a hand-over."""

    number: str
    patient: str
    open_amount: Decimal
    due_date: date
    days_overdue: int
    reminder_date: date | None
    legal_basis: str
    sent: list[tuple[str, str]]
    withheld: tuple[str, ...]
    case_fee: Decimal
    case_fee_text: str
    interest_text: str = ""  # default interest as § 288 BGB allows it for this debtor
    warnings: tuple[str, ...] = ()  # e.g. time-barred soon
    patient_zip: str = ""  # chats show initials and postal code (core.domain.chat_privacy)


def preview(
    uow: UnitOfWork,
    *,
    practice_id: int,
    actor: Actor,
    number: str,
    on: date | None = None,
) -> ClaimPreview:
    """What a hand-over of invoice `number` would send, and why it may; refused as the hand-over would be."""
    require(actor, Permission.CREATE_CLAIM)
    on = on or today()
    with uow:
        session = uow.session
        practice = practice_of(session, practice_id)
        invoice = find(session, practice_id=practice_id, number=number)
        checked = check(
            session, practice, invoice, on=on, free_months=uow.settings.free_months,
            deadline_days=uow.settings.reminder_deadline_days,
        )  # fmt: skip
        invoice, basis = checked.invoice, checked.basis
        patient, recipient = parties(session, invoice)
        notice = uow.settings.invoices_carry_consumer_notice
        return ClaimPreview(
            number=invoice.number,
            patient=f"{patient.first_name} {patient.last_name}",
            open_amount=invoice.open_amount,
            due_date=invoice.due_date,
            days_overdue=days_overdue(due_date=invoice.due_date, on=on),
            reminder_date=invoice.reminder_date,
            legal_basis=basis.describe(),
            sent=describe_payload(
                claim_payload(invoice, patient, recipient=recipient, consumer_notice=notice),
                by_recipient=recipient is not None,
            ),
            withheld=WITHHELD,
            case_fee=checked.fee,
            case_fee_text=checked.fee_text,
            interest_text=interest_text(debtor_of(patient, recipient)),
            warnings=overview_warnings(invoice, on=on),
            patient_zip=patient.zip,
        )
