"""Consents to collection by 1159 Finance: record, complete (scope, where the form lies), list.

The legal basis reads them through `core.domain.consents`; revocation is in `consent_revocation`.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel import Session, col, select

from core.db.engine import UnitOfWork
from core.db.models import Consent, Invoice
from core.domain.consents import DEFAULT_SCOPE, ConsentSpan, consent_in_force, revoked_on
from core.domain.dates import format_date, today
from core.domain.errors import InvalidInput, NotFound, PreconditionFailed
from core.domain.money import clean_text
from core.services.invoicing.invoices import find
from core.services.people import audit
from core.services.people.access import Actor, Permission, require

__all__ = ["ConsentHistory", "ConsentView", "complete", "consent_rows", "history", "recorded_by", "record"]

MAX_TEXT = 200


@dataclass(frozen=True)
class ConsentView:
    id: int
    given_on: date
    for_invoice: str  # the invoice number it is limited to; "" = all the patient's invoices
    scope: str
    form_location: str
    source: str  # manual | import
    recorded_by: str
    recorded_at: datetime
    revoked_on: date | None
    revoked_by: str


@dataclass(frozen=True)
class ConsentHistory:
    number: str
    consents: list[ConsentView]
    in_force: date | None  # the consent that counts today for invoice `number`
    revoked_on: date | None  # the patient's revocation, when no newer consent counts


def recorded_by(actor: Actor) -> str:
    return f"{actor.name} ({actor.label})" if actor.name else actor.label


def _text(value: str, field: str) -> str:
    text = clean_text(value or "")
    if any(unicodedata.category(ch) == "Cc" for ch in text):
        raise InvalidInput(f"{field} enthält Steuerzeichen; bitte nur normalen Text angeben.")
    if len(text) > MAX_TEXT:
        raise InvalidInput(f"{field} ist zu lang ({len(text)} Zeichen); bitte höchstens {MAX_TEXT} Zeichen.")
    return text


def _not_ahead(day: date, what: str, hint: str) -> None:
    if day > today():
        raise InvalidInput(f"{what} {format_date(day)} liegt in der Zukunft. {hint}")


def consent_rows(session: Session, patient_id: int) -> list[Consent]:
    query = select(Consent).where(Consent.patient_id == patient_id)
    return list(session.exec(query.order_by(col(Consent.given_on), col(Consent.id))).all())


def record(
    uow: UnitOfWork,
    *,
    practice_id: int,
    actor: Actor,
    number: str,
    given_on: date,
    scope: str = "",
    form_location: str = "",
    only_this_invoice: bool = False,
) -> str:
    """Record a signed consent of the patient of invoice `number`: for all their invoices, or
    only for this one. Refused (nothing stored) when dated ahead or not after their revocation."""
    require(actor, Permission.CONSENT)
    _not_ahead(given_on, "Das Datum der Einwilligung", "Bitte den Tag der Unterschrift angeben.")
    scope = _text(scope, "Der Umfang") or DEFAULT_SCOPE
    form_location = _text(form_location, "Der Ablageort")
    with uow:
        session = uow.session
        invoice = find(session, practice_id=practice_id, number=number)
        rows = consent_rows(session, invoice.patient_id)
        last = revoked_on([ConsentSpan(c.given_on, c.revoked_on) for c in rows], today())
        if last is not None and given_on <= last:
            raise PreconditionFailed(
                f"Die Person hat ihre Einwilligung am {format_date(last)} widerrufen; eine Einwilligung "
                f"vom {format_date(given_on)} zählt deshalb nicht. Bitte nur eine nach dem Widerruf "
                "unterschriebene Einwilligung erfassen."
            )
        limited = invoice.id if only_this_invoice else None
        if any(c.given_on == given_on and c.invoice_id == limited and c.revoked_on is None for c in rows):
            raise PreconditionFailed(
                f"Diese Einwilligung vom {format_date(given_on)} ist schon erfasst. Umfang und Ablageort "
                "ergänzen: inkasso consent complete NR (die Nummer zeigt "
                f"inkasso consent show {invoice.number})."
            )
        consent = Consent(
            practice_id=practice_id, patient_id=invoice.patient_id, invoice_id=limited, given_on=given_on,
            scope=scope, form_location=form_location, source="manual", recorded_by=recorded_by(actor),
        )  # fmt: skip
        session.add(consent)
        audit.record(
            session, practice_id=practice_id, actor=actor, action="consent.recorded",
            subject=f"invoice:{invoice.number}", given_on=given_on.isoformat(),
            only_this_invoice=only_this_invoice,
        )  # fmt: skip
        uow.commit()
    covers = f"Rechnung {invoice.number}" if only_this_invoice else "alle Rechnungen der Person"
    where = f"; Formular: {form_location}" if form_location else "; Ablageort des Formulars noch offen"
    return f"Einwilligung vom {format_date(given_on)} für {covers} erfasst (Umfang: {scope}{where})."


def complete(
    uow: UnitOfWork,
    *,
    practice_id: int,
    actor: Actor,
    consent_id: int,
    scope: str | None = None,
    form_location: str | None = None,
) -> str:
    """Add or correct a consent's scope and where its signed form lies (an imported one too)."""
    require(actor, Permission.CONSENT)
    if scope is None and form_location is None:
        raise InvalidInput("Bitte den Umfang oder den Ablageort des Formulars angeben.")
    new_scope = None if scope is None else (_text(scope, "Der Umfang") or DEFAULT_SCOPE)
    new_place = None if form_location is None else _text(form_location, "Der Ablageort")
    with uow:
        consent = uow.session.get(Consent, consent_id)
        if consent is None or consent.practice_id != practice_id:
            raise NotFound(
                f"Eine Einwilligung Nr. {consent_id} gibt es nicht. Die Nummern zeigt "
                "inkasso consent show RECHNUNGSNUMMER."
            )
        consent.scope = consent.scope if new_scope is None else new_scope
        consent.form_location = consent.form_location if new_place is None else new_place
        uow.session.add(consent)
        audit.record(
            uow.session, practice_id=practice_id, actor=actor, action="consent.completed",
            subject=f"consent:{consent_id}", scope=consent.scope, form_location=bool(consent.form_location),
        )  # fmt: skip
        uow.commit()
        where = consent.form_location or "noch offen"
        return f"Einwilligung Nr. {consent_id} ergänzt: Umfang {consent.scope}; Formular: {where}."


def history(uow: UnitOfWork, *, practice_id: int, actor: Actor, number: str) -> ConsentHistory:
    """Every consent of the patient of invoice `number`, oldest first, and what counts today."""
    require(actor, Permission.VIEW)
    with uow:
        session = uow.session
        invoice = find(session, practice_id=practice_id, number=number)
        rows = consent_rows(session, invoice.patient_id)
        numbers = _numbers(session, [c.invoice_id for c in rows if c.invoice_id is not None])
        spans = [ConsentSpan(c.given_on, c.revoked_on, c.invoice_id in (None, invoice.id)) for c in rows]
        views = [
            ConsentView(
                c.id or 0,
                c.given_on,
                numbers.get(c.invoice_id or 0, ""),
                c.scope,
                c.form_location,
                c.source,
                c.recorded_by,
                c.recorded_at,
                c.revoked_on,
                c.revoked_by,
            )  # fmt: skip
            for c in rows
        ]
    now = today()
    in_force = consent_in_force(spans, now)
    return ConsentHistory(invoice.number, views, in_force, None if in_force else revoked_on(spans, now))


def _numbers(session: Session, ids: list[int]) -> dict[int, str]:
    if not ids:
        return {}
    rows = session.exec(select(Invoice.id, Invoice.number).where(col(Invoice.id).in_(ids))).all()
    return {invoice_id or 0: number for invoice_id, number in rows}
