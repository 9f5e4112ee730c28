"""Acting on 1159 Finance's mails: contract → 'Vertrag erhalten' (link to the chat), activation →
'aktiv', monthly statement → kept, parsed and reconciled by `core.services.accounting.statements`.

Each action is idempotent by the mail's key (onboarding evidence, statement message key), so a
mail seen again after a crash changes nothing twice. Returns the outcome for the mail record.
"""

from __future__ import annotations

import logging
import re

from core.bootstrap import App
from core.domain.onboarding import OnboardingAction, OnboardingState
from core.services.accounting import statements
from core.services.accounting.statement_csv import pdf_text
from core.services.messaging import mail_records, mail_reviews, notifications
from core.services.people.access import Actor, Role
from core.services.setup import onboarding
from mail.message import ParsedMail
from mail.rules import Classification, MailRules

__all__ = ["act_on_agency_mail"]

log = logging.getLogger(__name__)
S, A = OnboardingState, OnboardingAction

# The steps a verified agency mail may take the onboarding through, from where it stands.
# Rejected or cancelled onboardings are never revived by a mail: a person decides that. A contract
# proves the request reached the agency (the practice may have mailed support itself); an
# activation never skips the contract: before it, the mail is kept *zu prüfen* for a manager.
_TO_CONTRACT = {S.NOT_REQUESTED: [A.REQUEST, A.CONTRACT_RECEIVED], S.REQUESTED: [A.CONTRACT_RECEIVED]}
_TO_ACTIVE = {S.CONTRACT_RECEIVED: [A.ACTIVATE], S.SIGNED: [A.ACTIVATE]}
_TOO_EARLY_TO_ACTIVATE = {S.NOT_REQUESTED, S.REQUESTED}


def act_on_agency_mail(app: App, c: Classification, mail: ParsedMail, key: str) -> str:
    actor = Actor(Role.SYSTEM, f"mail:{c.sender}")
    if c.kind == "agency_contract":
        return _contract(app, c, key, actor)
    if c.kind == "agency_activation":
        return _activation(app, c, key, actor)
    if c.kind == "agency_statement":
        return _statement(app, c, mail, key)
    raise ValueError(f"not an agency mail: {c.kind}")


def _already(app: App, key: str) -> OnboardingState | None:
    status = onboarding.status(app.uow(), practice_id=app.practice_id)
    if any(e.evidence == key for e in status.events):
        return status.state
    return None


def _walk(
    app: App, key: str, actor: Actor, steps: list[OnboardingAction], note: str, **extra: object
) -> OnboardingState:
    state = S.NOT_REQUESTED
    for index, action in enumerate(steps):
        last = index == len(steps) - 1
        state = onboarding.transition(
            app.uow(),
            practice_id=app.practice_id,
            actor=actor,
            action=action,
            via="mail",
            # the last step carries the mail's key itself; earlier ones a derived, equally unique one
            evidence=key if last else f"{key}#{action}",
            note=note if action == A.CONTRACT_RECEIVED or last else "",
            **(extra if action == A.ACTIVATE else {}),  # type: ignore[arg-type]
        )
    return state


def _contract(app: App, c: Classification, key: str, actor: Actor) -> str:
    if (state := _already(app, key)) is not None:
        return f"done: already applied (onboarding {state})"
    link = c.signing_link
    note = (
        f"Bitte den Vertrag hier unterschreiben: {link}"
        if link
        else "Den Link zum Unterschreiben enthält die Mail von 1159 Finance "
        f"(Postfach-Ordner {app.settings.imap_done_folder})."
    )
    current = onboarding.status(app.uow(), practice_id=app.practice_id).state
    steps = _TO_CONTRACT.get(current)
    if steps is None:
        notifications.add(
            app.uow(),
            practice_id=app.practice_id,
            kind="onboarding",
            text=f"Vertrags-Mail von 1159 Finance erhalten (Onboarding steht auf „{current}“). {note}",
        )
        log.warning("contract mail %s while onboarding is %s: link passed on, state unchanged", key, current)
        return f"done: contract link passed on, onboarding stays {current}"
    state = _walk(app, key, actor, steps, note)
    return f"done: onboarding {state}" + ("" if link else " (no signing link found)")


def _activation(app: App, c: Classification, key: str, actor: Actor) -> str:
    if (state := _already(app, key)) is not None:
        return f"done: already applied (onboarding {state})"
    current = onboarding.status(app.uow(), practice_id=app.practice_id).state
    if current in _TOO_EARLY_TO_ACTIVATE:
        notifications.add(
            app.uow(),
            practice_id=app.practice_id,
            kind="mail_review",
            text=f"1159 Finance meldet die Schnittstelle als aktiv, das Onboarding steht aber erst auf "
            f"„{current}“ (kein Vertrag erhalten). Nichts wurde geändert; die Mail liegt zur Prüfung "
            "bereit (Dashboard → Onboarding).",
        )
        log.warning("activation mail %s while onboarding is %s: kept for review", key, current)
        return f"{mail_reviews.OUT_OF_ORDER}: activation while onboarding is {current}"
    steps = _TO_ACTIVE.get(current)
    if steps is None:
        if current != S.ACTIVE:
            notifications.add(
                app.uow(),
                practice_id=app.practice_id,
                kind="onboarding",
                text=f"1159 Finance meldet die Schnittstelle als aktiv, das Onboarding steht aber auf "
                f"„{current}“. Bitte prüfen (inkasso onboarding activate).",
            )
        log.warning("activation mail %s while onboarding is %s: state unchanged", key, current)
        return f"done: onboarding stays {current}"
    note = "Bestätigung von 1159 Finance per E-Mail."
    state = _walk(app, key, actor, steps, note, contract_start=c.contract_start)
    return f"done: onboarding {state}"


def _statement(app: App, c: Classification, mail: ParsedMail, key: str) -> str:
    if c.month is None:
        notifications.add(
            app.uow(),
            practice_id=app.practice_id,
            kind="statement",
            text="Eine Monatsabrechnung von 1159 Finance ist eingegangen, aber ihr Monat ist nicht "
            "erkennbar. Die Mail liegt unverändert im Postfach.",
        )
        return "failed: statement month not recognisable"
    attachments = [(a.filename, a.content_type, a.payload) for a in mail.attachments]
    try:
        statement = statements.receive_statement(
            app.uow(),
            practice_id=app.practice_id,
            month=c.month,
            message_key=key,
            attachments=attachments,
            actor=f"mail:{c.sender}",
            client_id=c.client_id or _client_in_pdf(app, c),
        )
    except statements.ForeignStatement as refused:
        # Another practice's patients' data: kept nowhere here, not even in the mail record.
        mail_records.drop_raw(app.uow(), practice_id=app.practice_id, message_key=key)
        notifications.add(app.uow(), practice_id=app.practice_id, kind="statement", text=refused.user_message)
        log.warning("statement %s (%s) refused: %s", c.month, key, refused.log_message)
        return f"failed: statement {c.month} for another client, not kept"
    if statement.parse_error:
        log.warning("statement %s (%s) kept, CSV not read: %s", c.month, key, statement.parse_error[:200])
        return f"done: statement {c.month} kept, CSV not read"
    return f"done: statement {c.month} kept, {len(statement.rows)} rows"


def _client_in_pdf(app: App, c: Classification) -> str | None:
    """The client id the statement's PDF names, where the mail's text names none."""
    if c.pdf_attachment is None:
        return None
    text = pdf_text(c.pdf_attachment.payload) or ""
    found = re.search(MailRules.from_settings(app.settings).client_id, text)
    return found["id"] if found else None
