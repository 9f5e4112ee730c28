"""What each chat command does: calls into the core services and builds the replies."""

from __future__ import annotations

import logging
from datetime import date

from bot import catalogue
from bot.parsing import fold, page_number
from bot.payment_actions import PaymentActions
from bot.replies import (
    MAX_CALLBACK_BYTES,
    Button,
    Reply,
    cases_text,
    onboarding_text,
    overdue_text,
    payment_text,
    preview_text,
    status_text,
)
from core.bootstrap import App
from core.domain.chat_privacy import ChatPrivacy, chat_person
from core.domain.claim_lifecycle import WITHDRAWING
from core.domain.errors import InkassoError, InvalidInput, NotAllowed, PreconditionFailed
from core.domain.invoice_numbers import normalise_number
from core.domain.onboarding import OnboardingAction
from core.services.collection import claim_preview, claims, payments, status, withdrawals
from core.services.invoicing import invoices
from core.services.people import access, confirmations
from core.services.people.access import Actor, Permission
from core.services.setup import access_request, onboarding

__all__ = ["Actions", "PER_PAGE", "settles"]

log = logging.getLogger(__name__)

PER_PAGE = 5
CREATE, WITHDRAW = "claim.create", "claim.withdraw"
_BAD_CODE = (
    "Dieser Code ist ungültig. Er steht unter der Übersicht, "
    f"z. B. {catalogue.command('bestaetigen').example}."
)


def settles(exc: InkassoError) -> bool:
    """A refused press whose buttons are spent anyway (used, expired, already handed over)."""
    return isinstance(exc, PreconditionFailed)


def _fits(data: str) -> bool:
    return len(data.encode()) <= MAX_CALLBACK_BYTES


class Actions(PaymentActions):
    """One async method per command: (actor, arguments) → replies. Errors are raised, not caught."""

    def __init__(self, app: App, *, on: date | None = None) -> None:
        self.app = app
        self.on = on  # a fixed "today" for tests; None means the real date

    @property
    def pid(self) -> int:
        return self.app.practice_id

    @property
    def privacy(self) -> ChatPrivacy:
        """What patient data the chats may show (CHAT_PRIVACY)."""
        return self.app.settings.chat_privacy

    def _issue(self, actor: Actor, action: str, subject: str) -> str:
        return confirmations.issue(
            self.app.uow(), practice_id=self.pid, actor=actor, action=action, subject=subject
        )

    async def overdue(self, actor: Actor, args: tuple[str, ...]) -> list[Reply]:
        access.require(actor, Permission.VIEW)
        page_no = page_number(args[0]) if args else 1
        page = invoices.overdue(
            self.app.uow(), practice_id=self.pid, page=page_no, per_page=PER_PAGE, on=self.on
        )
        if page_no > page.pages:
            raise InvalidInput(
                f"Seite {page_no} gibt es nicht; es gibt {page.pages}. "
                f"Beispiel: {catalogue.command('ueberfaellig').line('1')}"
            )
        rows = [
            [Button(f"Forderung anlegen – {item.number}", f"new:{item.number}")]
            for item in page.items
            if item.refusal is None and _fits(f"new:{item.number}")  # else the text says why not
        ]
        nav = []
        if page.page > 1:
            nav.append(Button("◀ Zurück", f"page:{page.page - 1}"))
        if page.page < page.pages:
            nav.append(Button("Weiter ▶", f"page:{page.page + 1}"))
        return [Reply(overdue_text(page, self.privacy), rows + ([nav] if nav else []))]

    async def preview(self, actor: Actor, args: tuple[str, ...]) -> list[Reply]:
        p = claim_preview.preview(
            self.app.uow(),
            practice_id=self.pid,
            actor=actor,
            number=args[0],
            on=self.on,
        )
        token = confirmations.issue(
            self.app.uow(), practice_id=self.pid, actor=actor, action=CREATE, subject=p.number
        )
        buttons = [[Button("Forderung anlegen", f"ok:{token}"), Button("Abbrechen", f"no:{token}")]]
        return [Reply(preview_text(p, self.privacy), buttons)]

    async def payment(self, actor: Actor, args: tuple[str, ...]) -> list[Reply]:
        number, amount, *paid_on = args
        outcome = await payments.record_and_send(
            self.app.uow(),
            finance=self.app.finance(),
            practice_id=self.pid,
            actor=actor,
            number=number,
            amount=amount,
            paid_on=paid_on[0] if paid_on else None,
        )
        return [Reply(payment_text(outcome))]

    async def status(self, actor: Actor, args: tuple[str, ...]) -> list[Reply]:
        st = await status.fetch(
            self.app.uow(), finance=self.app.finance(), practice_id=self.pid, actor=actor, number=args[0]
        )
        return [Reply(status_text(st, self.privacy))]

    async def cases(self, actor: Actor, args: tuple[str, ...]) -> list[Reply]:
        cases = status.open_cases(self.app.uow(), practice_id=self.pid, actor=actor)
        return [Reply(cases_text(cases, privacy=self.privacy))]

    async def onboarding(self, actor: Actor, args: tuple[str, ...]) -> list[Reply]:
        access.require(actor, Permission.VIEW)
        prefix = ""
        if args:
            step = catalogue.ONBOARDING_WORDS.get(fold(args[0]))
            if step is OnboardingAction.REQUEST:
                prefix = await self._request_access(actor) + "\n\n"
            elif step is OnboardingAction.SIGNED:
                # The contract was signed through the agency's link; a manager reports it here.
                onboarding.transition(
                    self.app.uow(),
                    practice_id=self.pid,
                    actor=actor,
                    action=OnboardingAction.SIGNED,
                    via="chat",
                )
                prefix = "Vertrag als unterschrieben vermerkt.\n\n"
            else:
                inkasso = catalogue.command("inkasso")
                possible = ", ".join(inkasso.line(word) for word in catalogue.ONBOARDING_WORDS)
                raise InvalidInput(
                    f"„{args[0][:30]}“ kenne ich bei {inkasso.line()} nicht. Möglich: {possible}"
                )
        st = onboarding.status(self.app.uow(), practice_id=self.pid)
        return [Reply(prefix + onboarding_text(st))]

    async def _request_access(self, actor: Actor) -> str:
        """Mail the request to 1159 Finance support (when SMTP is set up) and record the step."""
        result = await access_request.request_access(
            self.app.uow(),
            practice_id=self.pid,
            actor=actor,
            via="chat",
            support_email=self.app.settings.support_email,
            mailer=self.app.mailer,
        )
        return result.message

    async def ask_withdraw(self, actor: Actor, args: tuple[str, ...]) -> list[Reply]:
        access.require(actor, Permission.WITHDRAW_CLAIM)
        st = status.load(self.app.uow(), practice_id=self.pid, number=args[0])
        if st.delivery in WITHDRAWING:
            raise PreconditionFailed(f"Die Forderung {st.number} ist bereits zurückgezogen.")
        token = confirmations.issue(
            self.app.uow(), practice_id=self.pid, actor=actor, action=WITHDRAW, subject=st.number
        )
        who = chat_person(st.patient, st.patient_zip, self.privacy)
        text = (
            f"Forderung {st.number} ({who}, {st.status_label}) wirklich zurückziehen?\n"
            "Das geht nur, solange 1159 Finance noch nichts eingenommen hat. "
            f"Die Schaltfläche gilt {confirmations.minutes(confirmations.LIFETIME)} Minuten."
        )
        buttons = [[Button("Zurückziehen", f"ok:{token}"), Button("Abbrechen", f"no:{token}")]]
        return [Reply(text, buttons)]

    def _consume(self, actor: Actor, args: tuple[str, ...], *, cancel: bool = False) -> confirmations.Pending:
        code = args[-1]
        if not (4 <= len(code) <= 20 and code.isascii() and code.isalnum()):
            raise NotAllowed(_BAD_CODE, "malformed confirmation code")
        subject = normalise_number(args[0]) if len(args) == 2 else None
        use = confirmations.cancel if cancel else confirmations.consume
        return use(self.app.uow(), practice_id=self.pid, actor=actor, token=code, subject=subject)

    async def confirm(self, actor: Actor, args: tuple[str, ...]) -> list[Reply]:
        pending = self._consume(actor, args)
        try:
            text = await self._carry_out(actor, pending)
        except InkassoError as exc:  # the token is spent: the buttons are settled either way
            log.info("%s: %s after confirmation refused: %s", actor.label, pending.action, exc.log_message)
            return [Reply(exc.user_message, settles_prompt=True)]
        return [Reply(text, settles_prompt=True)]

    async def _carry_out(self, actor: Actor, pending: confirmations.Pending) -> str:
        if pending.action == CREATE:
            outcome = await claims.create(
                self.app.uow(),
                finance=self.app.finance(),
                practice_id=self.pid,
                actor=actor,
                number=pending.subject,
            )
            return outcome.message
        if pending.action == WITHDRAW:
            return await withdrawals.withdraw(
                self.app.uow(),
                finance=self.app.finance(),
                practice_id=self.pid,
                actor=actor,
                number=pending.subject,
            )
        raise PreconditionFailed(
            "Diese Bestätigung gehört zu keinem Chat-Befehl.", f"action {pending.action}"
        )

    async def cancel(self, actor: Actor, args: tuple[str, ...]) -> list[Reply]:
        pending = self._consume(actor, args, cancel=True)
        what = "übergeben" if pending.action == CREATE else "geändert"
        return [Reply(f"Abgebrochen – für {pending.subject} wurde nichts {what}.", settles_prompt=True)]
