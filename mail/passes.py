"""One intake pass over the practice mailbox: headers first, bodies only for mail that may
concern us; each verified mail is handed to `mail.handling` (acted on once, flagged, moved);
everything else stays untouched.

The cursor (MailCursor) holds the highest UID handled per folder and UIDVALIDITY, so a pass with
nothing new fetches nothing.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

from core.bootstrap import App
from core.services.messaging import mail_records, notifications
from core.services.people import access
from core.services.setup import onboarding
from mail.handling import MailHandler, PassReport, older_than
from mail.imap import Header, ImapConnection
from mail.message import parse
from mail.rules import Classification, MailRules, classify

__all__ = ["Intake", "PassReport"]

log = logging.getLogger("mail.intake")

HEADER_BATCH = 250
# Decided from the headers alone: no need to download the body.
_NOT_OURS = {"other", "unknown_sender", "forged", "auto_submitted"}
COMMAND_MAX_AGE = timedelta(days=7)  # staff command mails that arrived earlier are not carried out


class Intake:
    """The mail door's state for one worker: rules, the folders, the handler of recognised mail."""

    def __init__(self, app: App) -> None:
        self.app = app
        self.settings = app.settings
        self.rules = MailRules.from_settings(app.settings)
        self.folder = app.settings.imap_folder
        self.done_folder = app.settings.imap_done_folder
        self.handler = MailHandler(app, folder=self.folder, done_folder=self.done_folder)

    async def run_pass(self, conn: ImapConnection) -> PassReport:
        """One pass over the folder; raises MailboxUnavailable when the connection breaks."""
        report = PassReport()
        app = self.app
        with app.uow() as uow:  # NotFound (German) until `inkasso seed`/setup made the practice
            onboarding.get_practice(uow, app.practice_id)
        uidvalidity = await asyncio.to_thread(conn.select, self.folder)
        last = mail_records.cursor(
            app.uow(), practice_id=app.practice_id, folder=self.folder, uidvalidity=uidvalidity
        )
        uids = await asyncio.to_thread(conn.uids_after, last)
        if not uids:
            return report
        report.new = len(uids)
        staff = access.staff_addresses(app.uow(), practice_id=app.practice_id)
        done_upto, frozen = last, False
        try:
            for start in range(0, len(uids), HEADER_BATCH):
                chunk = uids[start : start + HEADER_BATCH]
                headers = {h.uid: h for h in await asyncio.to_thread(conn.fetch_headers, chunk)}
                for uid in chunk:
                    head = headers.get(uid)
                    finished = (
                        True if head is None else await self._one(conn, uidvalidity, head, staff, report)
                    )
                    frozen = frozen or not finished
                    if not frozen:
                        done_upto = uid
        finally:
            if done_upto > last:
                mail_records.advance_cursor(
                    app.uow(),
                    practice_id=app.practice_id,
                    folder=self.folder,
                    uidvalidity=uidvalidity,
                    last_uid=done_upto,
                )
        return report

    async def _one(
        self, conn: ImapConnection, uidvalidity: int, head: Header, staff: frozenset[str], report: PassReport
    ) -> bool:
        """Handle one message; False when it must be looked at again next pass."""
        first = classify(parse(head.header), self.rules, staff_addresses=staff)
        if first.reason in _NOT_OURS:
            self._ignored(head.uid, first, report)
            return True
        if head.size > self.rules.max_bytes:
            self._too_large(head, first, report)
            return True
        if first.reason in ("command", "no_command") and older_than(head.arrived, COMMAND_MAX_AGE):
            # e.g. years of staff mail when the intake first starts: an old "Zahlung …" must not run now
            report.ignored += 1
            log.info(
                "mail uid %s from %s arrived %s: too old to carry out as a command",
                head.uid,
                first.sender,
                head.arrived,
            )
            return True
        raw = await asyncio.to_thread(conn.fetch_raw, head.uid)
        report.downloaded += 1
        if raw is None:
            return True  # gone meanwhile (moved or deleted by someone else)
        mail = await asyncio.to_thread(parse, raw)  # a 30 MB mail takes a second: not on the event loop
        c = classify(mail, self.rules, staff_addresses=staff)
        if c.kind == "ignored":
            self._ignored(head.uid, c, report)
            return True
        return await self.handler.handle(conn, uidvalidity, head.uid, mail, raw, c, report)

    def _too_large(self, head: Header, c: Classification, report: PassReport) -> None:
        report.ignored += 1
        log.warning(
            "mail uid %s from %s (%s) not downloaded: %s bytes is over MAIL_MAX_BYTES; left in the mailbox",
            head.uid,
            c.sender,
            c.reason,
            head.size,
        )
        if c.trusted and c.kind != "ignored":
            notifications.add(
                self.app.uow(),
                practice_id=self.app.practice_id,
                kind="failure",
                text=f"Eine Mail von {c.sender} ist zu groß ({head.size / 1e6:.0f} MB) und wurde nicht "
                "verarbeitet; sie liegt unverändert im Postfach (Grenze: MAIL_MAX_BYTES).",
            )

    def _ignored(self, uid: int, c: Classification, report: PassReport) -> None:
        report.ignored += 1
        if c.reason == "other":
            log.debug("mail uid %s: not for us", uid)  # private mail: no sender or subject in the log
            return
        level = logging.WARNING if c.reason == "forged" else logging.INFO
        log.log(level, "mail uid %s from %s ignored (%s): %s", uid, c.sender, c.reason, c.detail)
