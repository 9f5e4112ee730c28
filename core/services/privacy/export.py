"""Art. 15 GDPR: everything held about a patient and every disclosure to 1159 Finance, as JSON.

The patient may see their own data, the treatment text included; the export itself is recorded
in the audit log (which invoices it covered, never what it contained)."""

from __future__ import annotations

from typing import Any

from sqlmodel import SQLModel

from core.config import Settings
from core.db.engine import UnitOfWork
from core.db.models import Consent, Practice
from core.domain.dates import utcnow
from core.domain.json_ready import json_ready
from core.services.collection.consents import consent_rows
from core.services.people import audit
from core.services.people.access import Actor, Permission, require
from core.services.privacy.disclosures import AGENCY, disclosures
from core.services.privacy.retention import kept_until, patient_years
from core.services.privacy.subject import Subject, load_subject

__all__ = ["export_patient"]

_INTERNAL = {"practice_id", "patient_key", "row_hash"}  # keys and hashes, no information


def export_patient(uow: UnitOfWork, *, practice_id: int, actor: Actor, number: str) -> dict[str, Any]:
    """The patient of invoice `number`: their data, invoices, claims, payments, log and disclosures."""
    require(actor, Permission.PRIVACY)
    with uow:
        session = uow.session
        subject = load_subject(session, practice_id=practice_id, number=number)
        practice = session.get(Practice, practice_id)
        result = {
            "created_at": utcnow(),
            "controller": None
            if practice is None
            else _row(practice, keep={"name", "street", "zip", "city", "email", "phone"}),
            "patient": _row(subject.patient),
            "invoices": [_invoice(subject, i.id or 0) for i in subject.invoices],
            "audit_events": [_row(e) for e in subject.events],
            "disclosures": disclosures(session, subject),
            "consents": _consents(subject, consent_rows(session, subject.patient.id or 0)),
        }
        result["information"] = _information(subject, uow.settings, bool(result["disclosures"]))
        audit.record(
            session,
            practice_id=practice_id,
            actor=actor,
            action="privacy.export",
            subject=f"invoice:{subject.invoices[0].number}" if subject.invoices else "",
            invoices=", ".join(i.number for i in subject.invoices),
        )
        uow.commit()
    return json_ready(result)  # type: ignore[no-any-return]


def _information(subject: Subject, settings: Settings, disclosed: bool) -> dict[str, Any]:
    """What Art. 15 Abs. 1 lit. a–h GDPR asks for besides the data itself."""
    newest = max((i.invoice_date for i in subject.invoices), default=None)
    return {
        "purposes": "Abrechnung der Behandlung und Durchsetzung offener Honorarforderungen",
        "recipients": [AGENCY] if disclosed else [],
        "source": "Praxissoftware der Praxis (Rechnungsexport)",
        "kept_until": None if newest is None else kept_until(newest, patient_years(settings)),
        "retention": "§ 630f Abs. 3 BGB; § 147 AO; § 257 HGB (docs/retention.md)",
        "rights": (
            "Berichtigung (Art. 16), Löschung (Art. 17), Einschränkung (Art. 18), Widerspruch "
            "(Art. 21 DSGVO) und Beschwerde bei einer Datenschutz-Aufsichtsbehörde (Art. 77 DSGVO)"
        ),
    }


def _invoice(subject: Subject, invoice_id: int) -> dict[str, Any]:
    invoice = next(i for i in subject.invoices if i.id == invoice_id)
    claim = subject.claims.get(invoice_id)
    recipient = subject.recipients.get(invoice_id)
    return {
        **_row(invoice),
        "open_amount": invoice.open_amount,
        "recipient": None if recipient is None else _row(recipient),
        "claim": None if claim is None else _row(claim),
        "payments": [_row(p) for p in subject.payments if p.invoice_id == invoice_id],
        "fees": [_row(f) for f in subject.fees if claim is not None and f.claim_id == claim.id],
    }


def _consents(subject: Subject, rows: list[Consent]) -> list[dict[str, Any]]:
    """The consent history: each consent with the invoice it is limited to (None: all), and its revocation."""
    numbers = {i.id: i.number for i in subject.invoices}
    return [{**_row(c), "for_invoice": numbers.get(c.invoice_id) if c.invoice_id else None} for c in rows]


def _row(row: SQLModel, keep: set[str] | None = None) -> dict[str, Any]:
    data = row.model_dump()
    return {k: v for k, v in data.items() if k not in _INTERNAL and (keep is None or k in keep)}

