"""A patient revokes their consent: no further hand-over, and what is already out is shown.

The revocation works from its day on (Art. 7 Abs. 3 GDPR): what was handed over before stays
lawful. A claim still waiting in the practice's outbox has not left and is stopped here; a claim
already sent stays with 1159 Finance, and the practice chat is told once per case, because
withdrawing it is the practice owner's decision (docs/security.md, „Widerruf“).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import update
from sqlmodel import Session, col, select

from core.db.engine import UnitOfWork
from core.db.models import Claim, Consent, Invoice, Notification
from core.domain.claim_lifecycle import ClaimDelivery
from core.domain.dates import format_date, today, utcnow
from core.domain.errors import InvalidInput, PreconditionFailed
from core.services.collection import withdrawals
from core.services.collection.consents import consent_rows, recorded_by
from core.services.invoicing.invoices import find
from core.services.people import audit
from core.services.people.access import Actor, Permission, require

__all__ = ["NOTE_KIND", "Revocation", "notice_text", "revoke"]

NOTE_KIND = "consent_revoked"


@dataclass(frozen=True)
class Revocation:
    number: str
    revoked_on: date
    consents: int
    stopped: list[str]  # claims that had not left the practice: not sent now
    open_cases: list[str]  # claims already with 1159 Finance (the chat was told)

    @property
    def message(self) -> str:
        lines = [
            f"Widerruf vom {format_date(self.revoked_on)} erfasst ({self.consents} Einwilligung(en) der "
            f"Person zu Rechnung {self.number}). Ihre Rechnungen werden nicht mehr an 1159 Finance übergeben."
        ]
        if self.stopped:
            lines.append(
                "Bei 1159 Finance nicht bestätigt und daher gestoppt (kommt nicht mehr an bzw. wird dort "
                "zurückgezogen): " + ", ".join(self.stopped) + "."
            )
        for number in self.open_cases:
            lines.append(
                f"Bereits bei 1159 Finance: {number} – dort bleibt sie, bis die Praxisleitung sie mit "
                "„Forderung zurückziehen“ zurückholt."
            )
        return "\n".join(lines)


def notice_text(number: str, revoked_on: date) -> str:
    """The practice chat's notice for an open case (the invoice number only: chat privacy)."""
    return (
        f"Einwilligung widerrufen: {number}; die Forderung ist bereits bei 1159 Finance. Der Widerruf "
        f"gilt ab dem {format_date(revoked_on)}, die Übergabe davor bleibt rechtmäßig. Bitte entscheiden, "
        "ob die Forderung zurückgezogen wird („Forderung zurückziehen“, Praxisleitung) oder bei "
        "1159 Finance bleibt; weitere Übergaben für diese Person sind gesperrt."
    )


def revoke(
    uow: UnitOfWork, *, practice_id: int, actor: Actor, number: str, revoked_on: date | None = None
) -> Revocation:
    """Record the revocation of every consent of the patient of invoice `number` on `revoked_on`
    (default today). Refused, nothing changed, when dated ahead or before a consent, or when
    there is nothing to revoke."""
    require(actor, Permission.CONSENT)
    day = revoked_on or today()
    if day > today():
        raise InvalidInput(
            f"Das Datum des Widerrufs {format_date(day)} liegt in der Zukunft. Bitte den Tag angeben, "
            "an dem der Widerruf einging."
        )
    with uow:
        session = uow.session
        invoice = find(session, practice_id=practice_id, number=number)
        active = _active(session, invoice, day)
        ids = [c.id for c in active]
        done = session.connection().execute(
            update(Consent)
            .where(col(Consent.id).in_(ids), col(Consent.revoked_on).is_(None))
            .values(revoked_on=day, revoked_by=recorded_by(actor), revoked_at=utcnow())
        )
        if done.rowcount != len(ids):  # another person revoked it a moment ago: once is enough
            nr = invoice.number
            raise PreconditionFailed(f"Die Einwilligung zu Rechnung {nr} wurde gerade widerrufen.")
        stopped, open_cases = _claims(session, invoice.patient_id)
        for claim_number in open_cases:
            text = notice_text(claim_number, day)
            session.add(Notification(practice_id=practice_id, kind=NOTE_KIND, text=text))
        audit.record(
            session, practice_id=practice_id, actor=actor, action="consent.revoked",
            subject=f"invoice:{invoice.number}", revoked_on=day.isoformat(), consents=len(ids),
            stopped=", ".join(stopped), open_cases=", ".join(open_cases),
        )  # fmt: skip
        uow.commit()
    return Revocation(invoice.number, day, len(ids), stopped, open_cases)


def _active(session: Session, invoice: Invoice, day: date) -> list[Consent]:
    rows = consent_rows(session, invoice.patient_id)
    active = [c for c in rows if c.revoked_on is None]
    nr = invoice.number
    if not active:
        if rows:
            last = max(c.revoked_on for c in rows if c.revoked_on is not None)
            raise PreconditionFailed(
                f"Die Einwilligung der Person zu Rechnung {nr} ist schon am {format_date(last)} widerrufen."
            )
        raise PreconditionFailed(
            f"Für die Person zu Rechnung {nr} ist keine Einwilligung erfasst; es gibt nichts zu widerrufen."
        )
    newest = max(c.given_on for c in active)
    if newest > day:
        raise InvalidInput(
            f"Der Widerruf am {format_date(day)} liegt vor der Einwilligung vom {format_date(newest)}. "
            "Bitte das Datum angeben, an dem der Widerruf einging."
        )
    return active


def _claims(session: Session, patient_id: int) -> tuple[list[str], list[str]]:
    """Stop the patient's claims that never left the outbox; the numbers of those already sent."""
    rows = session.exec(
        select(Claim, Invoice.number)
        .join(Invoice, col(Invoice.id) == col(Claim.invoice_id))
        .where(
            Invoice.patient_id == patient_id,
            col(Claim.closed_at).is_(None),
            col(Claim.delivery).in_((ClaimDelivery.QUEUED, ClaimDelivery.SUBMITTED)),
        )
        .order_by(col(Invoice.number))
    ).all()
    stopped: list[str] = []
    open_cases: list[str] = []
    for claim, number in rows:
        if claim.delivery == ClaimDelivery.QUEUED and claim.case_id is None:
            # Not confirmed at the agency: sending it (again) now would pass data on after the
            # revocation. Never sent, it ends here; an attempt without an answer is only looked
            # up at the agency and, if it did arrive, withdrawn there (withdrawals.stop).
            withdrawals.stop(session, claim.practice_id, claim, number)
            stopped.append(number)
        else:
            open_cases.append(number)
    return stopped, open_cases
