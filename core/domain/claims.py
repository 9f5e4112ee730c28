"""Claims: the hand-over preconditions, the legal basis (§ 203 StGB) and the invoice status.

`legal_basis` is the one rule for when patient data may leave the practice; the SQL twin the
overdue listing filters with is `core/services/invoicing/invoice_sql.has_legal_basis`, held
against it by tests/integration/platform/test_rule_sql_twins.py. The case fee lives in `case_fees.py`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Protocol

from core.domain.consents import ConsentSpan, consent_in_force, revoked_on
from core.domain.errors import PreconditionFailed
from core.domain.money import ZERO

__all__ = [
    "Basis",
    "BasisFacts",
    "InvoiceFacts",
    "InvoiceStatus",
    "LEGAL_BASIS_TEXT",
    "LegalBasis",
    "NEUTRAL_SUBJECT",
    "REMINDER_DEADLINE_DAYS",
    "check_handover",
    "invoice_status",
    "legal_basis",
    "open_amount",
]

NEUTRAL_SUBJECT = "Honorarforderung"
# The payment deadline a reminder sets (setting REMINDER_DEADLINE_DAYS): the patient is in
# arrears *despite* the reminder only once it has passed.
REMINDER_DEADLINE_DAYS = 14


class LegalBasis(StrEnum):
    """Why patient data may leave the practice (§ 203 StGB)."""

    CONSENT = "consent"
    ANNOUNCED_REMINDER = "announced_reminder"


LEGAL_BASIS_TEXT = {
    LegalBasis.CONSENT: "Schweigepflichtentbindung vom {date}",
    LegalBasis.ANNOUNCED_REMINDER: "Mahnung vom {date} mit Ankündigung der Inkasso-Übergabe",
}


@dataclass(frozen=True)
class InvoiceFacts:
    """What the preconditions need to know about one invoice, independent of storage."""

    number: str
    due_date: date
    open_amount: Decimal
    consents: Sequence[ConsentSpan]  # all the patient's, each saying whether it covers this invoice
    reminder_date: date | None
    handover_announced: bool
    has_claim: bool
    withdrawn_at_agency: bool = False  # its reference is taken there for good


class BasisFacts(Protocol):
    """What the legal basis depends on; an invoice row, its facts or a listing item all have it."""

    @property
    def due_date(self) -> date: ...
    @property
    def consents(self) -> Sequence[ConsentSpan]: ...
    @property
    def reminder_date(self) -> date | None: ...
    @property
    def handover_announced(self) -> bool: ...


@dataclass(frozen=True)
class Basis:
    kind: LegalBasis
    on: date

    def describe(self) -> str:
        return LEGAL_BASIS_TEXT[self.kind].format(date=self.on.strftime("%d.%m.%Y"))


def legal_basis(facts: BasisFacts, *, on: date, deadline_days: int = REMINDER_DEADLINE_DAYS) -> Basis | None:
    """The basis on `on`: a consent in force then; else, unless the patient revoked a consent by
    then, a reminder after the due date that announced the hand-over and whose payment deadline
    (`deadline_days`) passed before `on`.

    A revocation also bars the reminder: the reminder counts because the patient, told of the
    hand-over, did not object; a revocation is that objection, said out loud (docs/security.md).
    """
    consent = consent_in_force(facts.consents, on)
    if consent is not None:
        return Basis(LegalBasis.CONSENT, consent)
    if revoked_on(facts.consents, on) is not None:
        return None
    reminder = facts.reminder_date
    if (
        reminder is not None
        and reminder > facts.due_date
        and facts.handover_announced
        and reminder + timedelta(days=deadline_days) < on
    ):
        return Basis(LegalBasis.ANNOUNCED_REMINDER, reminder)
    return None


def check_handover(facts: InvoiceFacts, *, today: date, deadline_days: int = REMINDER_DEADLINE_DAYS) -> Basis:
    """Raise PreconditionFailed naming the first unmet precondition; return the legal basis."""
    nr = facts.number
    if facts.withdrawn_at_agency:
        raise PreconditionFailed(
            f"Die Forderung zu Rechnung {nr} wurde bei 1159 Finance zurückgezogen; dieselbe "
            "Rechnungsnummer nimmt 1159 Finance nicht noch einmal an. Für eine neue Übergabe "
            "braucht die Rechnung eine neue Nummer."
        )
    if facts.has_claim:
        raise PreconditionFailed(f"Rechnung {nr} wurde bereits an 1159 Finance übergeben.")
    if facts.open_amount <= ZERO:
        raise PreconditionFailed(f"Rechnung {nr} ist vollständig bezahlt; es gibt nichts einzufordern.")
    if facts.due_date >= today:
        raise PreconditionFailed(
            f"Rechnung {nr} ist noch nicht überfällig (fällig am {facts.due_date.strftime('%d.%m.%Y')})."
        )
    basis = legal_basis(facts, on=today, deadline_days=deadline_days)
    if basis is None:
        _revoked(facts, today=today)
        _why_not_yet(facts, today=today, deadline_days=deadline_days)
        raise PreconditionFailed(
            f"Für Rechnung {nr} fehlt die Rechtsgrundlage für die Weitergabe (§ 203 StGB): "
            "Bitte eine Schweigepflichtentbindung erfassen oder eine Mahnung senden, "
            "die die Übergabe an ein Inkassobüro ankündigt."
        )
    return basis


class InvoiceStatus(StrEnum):
    OPEN = "offen"
    PARTLY_PAID = "teilbezahlt"
    PAID = "bezahlt"
    IN_COLLECTION = "im Inkasso"
    COMPLETE = "vollständig"
    UNCOLLECTIBLE = "uneinbringlich"


def _why_not_yet(facts: InvoiceFacts, *, today: date, deadline_days: int) -> None:
    """Raise PreconditionFailed for a basis on paper that does not count yet (dated ahead, deadline)."""
    nr, reminder = facts.number, facts.reminder_date
    ahead = min((c.given_on for c in facts.consents if c.covers and c.given_on > today), default=None)
    if ahead is not None:
        raise PreconditionFailed(
            f"Die Schweigepflichtentbindung zu Rechnung {nr} ist auf den {_de(ahead)} "
            "datiert, also in der Zukunft. Bitte das Datum der Unterschrift erfassen."
        )
    if reminder is not None and reminder > facts.due_date and facts.handover_announced:
        if reminder > today:
            raise PreconditionFailed(
                f"Die Mahnung zu Rechnung {nr} ist auf den {_de(reminder)} datiert, also in der "
                "Zukunft. Bitte das Datum erfassen, an dem die Mahnung verschickt wurde."
            )
        deadline = reminder + timedelta(days=deadline_days)
        raise PreconditionFailed(
            f"Die Zahlungsfrist der Mahnung vom {_de(reminder)} zu Rechnung {nr} läuft bis zum "
            f"{_de(deadline)}; übergeben werden kann ab dem {_de(deadline + timedelta(days=1))}."
        )


def _revoked(facts: InvoiceFacts, *, today: date) -> None:
    """Raise PreconditionFailed when the patient revoked their consent: nothing may go out."""
    revoked = revoked_on(facts.consents, today)
    if revoked is not None:
        raise PreconditionFailed(
            f"Die Schweigepflichtentbindung zu Rechnung {facts.number} wurde am {_de(revoked)} "
            "widerrufen: Die Daten dürfen nicht an 1159 Finance gehen (§ 203 StGB), auch nicht nach "
            "einer Mahnung. Übergeben werden kann erst mit einer neuen, danach unterschriebenen "
            "Einwilligung."
        )


def _de(day: date) -> str:
    return day.strftime("%d.%m.%Y")


def open_amount(*, amount: Decimal, paid: Decimal) -> Decimal:
    """What is still open on an invoice: never below zero (an export that once said more was paid
    than billed leaves 0,00 open)."""
    return max(amount - paid, Decimal("0.00"))


def invoice_status(*, amount: Decimal, paid: Decimal, claim_open: bool) -> InvoiceStatus:
    """The payment status of an invoice outside the agency's hands (the agency's states are set by sync)."""
    if claim_open:
        return InvoiceStatus.IN_COLLECTION
    if paid >= amount:
        return InvoiceStatus.PAID
    if paid > ZERO:
        return InvoiceStatus.PARTLY_PAID
    return InvoiceStatus.OPEN
