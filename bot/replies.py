"""Replies as plain data (text and buttons), and the German texts every chat door shows.

No transport types here: Telegram turns buttons into an inline keyboard, the console into
numbered choices, the mail door into the text command of `Button.command`.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal

from bot import catalogue
from core.domain.chat_privacy import ChatPrivacy, chat_field, chat_person
from core.domain.dates import format_date, format_datetime
from core.domain.money import ZERO, format_eur
from core.domain.onboarding import OnboardingAction
from core.services.collection.claim_preview import ClaimPreview
from core.services.collection.payments import PaymentOutcome
from core.services.collection.status import ClaimStatus
from core.services.invoicing.invoices import OverduePage
from core.services.people.confirmations import LIFETIME, minutes
from core.services.setup.onboarding import OnboardingStatus

__all__ = ["Button", "Reply", "Sender", "MAX_CALLBACK_BYTES"]

MAX_CALLBACK_BYTES = 64  # Telegram's limit for callback_data
CHUNK = 4000  # Telegram allows 4096 characters per message
Channel = Literal["telegram", "mail", "console"]


@dataclass(frozen=True)
class Sender:
    """Who wrote: the door and its reference (Telegram user id, mail address, console login);
    `chat` is the Telegram chat written in (None: the private chat with the bot)."""

    channel: Channel
    ref: str | int
    chat: int | None = None


@dataclass(frozen=True)
class Button:
    """A choice under a reply; `data` comes back through `CommandLayer.handle_button`."""

    label: str
    data: str

    @property
    def command(self) -> str:
        """The same choice as a text command, for doors without buttons (mail)."""
        kind, _, value = self.data.partition(":")
        found = catalogue.for_button(kind)
        return found.line(value) if found is not None else ""


@dataclass(frozen=True)
class Reply:
    """One message to send. `settles_prompt`: the buttons this answered are spent (remove them)."""

    text: str
    buttons: list[list[Button]] = field(default_factory=list)
    settles_prompt: bool = False


def _lines(*parts: str | None) -> str:
    return "\n".join(p for p in parts if p is not None)


def overdue_text(page: OverduePage, privacy: ChatPrivacy = ChatPrivacy.MINIMAL) -> str:
    if page.total == 0:
        return "Keine überfälligen Rechnungen – alles im grünen Bereich."
    head = (
        f"Überfällige Rechnungen (älteste zuerst), Seite {page.page} von {page.pages}, "
        f"{page.total} insgesamt:"
    )
    rows = []
    start = (page.page - 1) * page.per_page
    for n, item in enumerate(page.items, start=start + 1):
        basis = "" if item.has_legal_basis else " · ⚠ Mahnung/Einwilligung fehlt"
        if item.consent_revoked_on is not None:
            basis = f" · ⚠ Einwilligung widerrufen am {format_date(item.consent_revoked_on)}"
        basis = basis or ("" if item.refusal is None else f" · ⚠ {item.refusal}")
        rows.append(
            f"{n}. {item.number} · {chat_person(item.patient, item.patient_zip, privacy)} · "
            f"{format_eur(item.open_amount)} · "
            f"fällig seit {format_date(item.due_date)} ({item.days_overdue} Tage){basis}"
        )
    return "\n".join([head, *rows])


def preview_text(p: ClaimPreview, privacy: ChatPrivacy = ChatPrivacy.MINIMAL) -> str:
    """Every field that will be sent, by name; personal values as `privacy` allows."""
    sent = [f"  {label}: {chat_field(label, value, privacy)}" for label, value in p.sent]
    reminder = f"Mahnung vom: {format_date(p.reminder_date)}" if p.reminder_date else None
    return _lines(
        f"Übersicht – Forderung {p.number}",
        f"Patient/in: {chat_person(p.patient, p.patient_zip, privacy)}",
        f"Offener Betrag: {format_eur(p.open_amount)}",
        f"Fällig seit: {format_date(p.due_date)} ({p.days_overdue} Tage)",
        reminder,
        f"Rechtsgrundlage: {p.legal_basis}",
        f"Fallgebühr: {p.case_fee_text}",
        f"Verzugszinsen (berechnet 1159 Finance): {p.interest_text}" if p.interest_text else None,
        *(f"⚠ {w}" for w in p.warnings),
        "An 1159 Finance gehen:",
        *sent,
        "Nicht übermittelt: " + ", ".join(p.withheld),
        "",
        "Erst „Forderung anlegen“ übergibt die Forderung. "
        f"Die Schaltfläche gilt {minutes(LIFETIME)} Minuten.",
    )


def status_text(st: ClaimStatus, privacy: ChatPrivacy = ChatPrivacy.MINIMAL) -> str:
    case = f" (Fall {st.case_id})" if st.case_id else ""
    fees = [f"  {f.label} ({format_date(f.charged_on)}): {format_eur(f.amount)}" for f in st.fees]
    return _lines(
        f"Forderung {st.number} – {chat_person(st.patient, st.patient_zip, privacy)}",
        f"Status: {st.status_label}{case}",
        f"Grund: {st.failure_reason}" if st.failure_reason else None,
        f"Hauptforderung: {format_eur(st.principal)}",
        f"Zinsen: {format_eur(st.interest)}" if st.interest > ZERO else None,
        "Gebühren beim Schuldner: " + (format_eur(st.fees_total) if st.fees else "keine"),
        *fees,
        f"Beim Inkassobüro eingegangen: {format_eur(st.paid_to_agency)}",
        f"Direkt an die Praxis gezahlt: {format_eur(st.paid_to_practice)}",
        f"Noch offen (inkl. Kosten): {format_eur(st.outstanding)}" if st.outstanding is not None else None,
        "Zahlungsstatus: vollständig ✅" if st.complete else None,
        revoked_text(st),
        f"Stand: {format_datetime(st.as_of)}",
        f"Hinweis: {st.note}" if st.note else None,
    )


def revoked_text(st: ClaimStatus) -> str | None:
    """An open case whose patient revoked their consent: said, with what a manager may do."""
    if st.consent_revoked_on is None:
        return None
    return (
        f"⚠ Einwilligung widerrufen am {format_date(st.consent_revoked_on)}: die Forderung ist bereits bei "
        f"1159 Finance. Zurückziehen (Praxisleitung): /zurueckziehen {st.number}"
    )


def _revoked_mark(c: ClaimStatus) -> str:
    revoked = c.consent_revoked_on
    return f" · ⚠ Einwilligung widerrufen am {format_date(revoked)}" if revoked else ""


def cases_text(
    cases: list[ClaimStatus], *, shown: int = 20, privacy: ChatPrivacy = ChatPrivacy.MINIMAL
) -> str:
    if not cases:
        return "Keine offenen Inkasso-Fälle."

    def total(values: list[Decimal | None]) -> Decimal:
        return sum((v for v in values if v is not None), Decimal("0.00"))

    rows = [
        f"• {c.number} · {chat_person(c.patient, c.patient_zip, privacy)} · {c.status_label} · "
        f"offen {format_eur(c.outstanding or c.principal)}{_revoked_mark(c)}"
        for c in cases[:shown]
    ]
    if len(cases) > shown:
        rows.append(f"… und {len(cases) - shown} weitere (alle im Dashboard).")
    return _lines(
        f"Offene Inkasso-Fälle: {len(cases)}",
        *rows,
        "",
        f"Summe Hauptforderungen: {format_eur(total([c.principal for c in cases]))}",
        f"Gebühren beim Schuldner: {format_eur(total([c.fees_total for c in cases]))}",
        f"Beim Inkassobüro eingegangen: {format_eur(total([c.paid_to_agency for c in cases]))}",
        f"Noch offen: {format_eur(total([c.outstanding or c.principal for c in cases]))}",
    )


def onboarding_text(st: OnboardingStatus) -> str:
    since = f"Vertragsbeginn: {format_date(st.contract_start)}" if st.contract_start else None
    last = st.events[-1] if st.events else None
    changed = f"Zuletzt geändert: {format_datetime(last.at)} ({last.via})" if last is not None else None
    return _lines(
        f"Inkasso-Schnittstelle: {st.state}",
        since,
        changed,
        f"Nächster Schritt: {st.next_step}",
        onboarding_hint(st.allowed),
    )


def onboarding_hint(allowed: Collection[OnboardingAction]) -> str | None:
    """The chat commands for the onboarding steps possible now ("Im Chat: /inkasso unterschrieben")."""
    inkasso = catalogue.command("inkasso")
    words = catalogue.ONBOARDING_WORDS.items()
    steps = [inkasso.line(word) for word, action in words if action in allowed]
    return "Im Chat: " + ", ".join(steps) if steps else None


def payment_text(outcome: PaymentOutcome) -> str:
    if outcome.passed_on:
        return outcome.message
    return outcome.message + " Die Rechnung ist nicht bei 1159 Finance, daher wird nichts weitergegeben."


def chunks(text: str, size: int = CHUNK) -> list[str]:
    """Split at line ends where possible; Telegram refuses messages over 4096 characters."""
    out: list[str] = []
    while len(text) > size:
        cut = text.rfind("\n", 0, size)
        cut = cut if cut > 0 else size
        out.append(text[:cut])
        text = text[cut:].lstrip("\n")
    return [*out, text] if text else out
