"""Build the mails the practice itself sends: the access request and notices.

Pure: each function returns an `EmailMessage` with Message-ID and Date set; sending is
`core.smtp.transport`'s job. The mail door builds its command replies on `base_message`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

__all__ = ["PracticeContact", "access_request", "base_message", "notification"]


@dataclass(frozen=True)
class PracticeContact:
    """What the access request says about the practice (plain fields, no database model)."""

    name: str
    street: str
    zip_code: str
    city: str
    email: str
    client_id: str | None = None
    phone: str | None = None


def _domain(address: str) -> str:
    domain = address.rpartition("@")[2].strip().strip(">").lower()
    return domain or "praxis-inkasso.invalid"


def base_message(*, to: str, from_: str, subject: str, text: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = from_
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = format_datetime(_now())
    message["Message-ID"] = make_msgid(domain=_domain(from_))
    message.set_content(text)
    return message


def _now() -> datetime:
    return datetime.now(UTC)


def access_request(practice: PracticeContact, to: str, from_: str) -> EmailMessage:
    """Ask 1159 Finance support to unlock the collection interface for the practice."""
    lines = [
        "Sehr geehrte Damen und Herren,",
        "",
        "bitte schalten Sie für unsere Praxis die Inkasso-Schnittstelle frei.",
        "",
        f"Praxis: {practice.name}",
        f"Anschrift: {practice.street}, {practice.zip_code} {practice.city}",
        f"E-Mail: {practice.email}",
    ]
    if practice.phone:
        lines.append(f"Telefon: {practice.phone}")
    if practice.client_id:
        lines.append(f"Kundennummer: {practice.client_id}")
    lines += [
        "",
        "Den Vertrag senden Sie bitte an die oben genannte E-Mail-Adresse.",
        "",
        "Mit freundlichen Grüßen",
        practice.name,
    ]
    subject = f"Freischaltung der Inkasso-Schnittstelle: {practice.name}"
    message = base_message(to=to, from_=from_, subject=subject, text="\n".join(lines) + "\n")
    message["Reply-To"] = practice.email
    return message


def notification(to: str, from_: str, subject: str, text: str) -> EmailMessage:
    """A notice from the product to the practice (e.g. a claim was settled)."""
    message = base_message(to=to, from_=from_, subject=subject, text=text)
    message["Auto-Submitted"] = "auto-generated"
    return message
