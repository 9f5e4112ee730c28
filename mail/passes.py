"""One intake pass over the practice mailbox: headers first, bodies only for mail that may
concern us, each verified mail acted on once, then flagged and moved; everything else untouched.

The cursor (MailCursor) holds the highest UID handled per folder and UIDVALIDITY, so a pass with
nothing new fetches nothing. A recognised, verified mail is claimed in the database first
(MailRecord: key, UID, raw bytes, outcome `processing`), then acted on and finished; a crash in
between is caught up safely: agency mails are acted on again (idempotent), commands never.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy.exc import DBAPIError

from core.bootstrap import App
from core.domain.dates import utcnow
from core.domain.errors import InkassoError
from core.services.messaging import mail_records, notifications
from core.services.people import access
from core.services.setup import onboarding
from mail.agency import act_on_agency_mail
from mail.imap import Header, ImapConnection
from mail.keys import content_hash, message_key
from mail.message import ParsedMail, parse
from mail.rules import Classification, MailRules, classify

if TYPE_CHECKING:
    from bot.commands import CommandLayer

__all__ = ["Intake", "PassReport"]

log = logging.getLogger("mail.intake")

HEADER_BATCH = 250
# Decided from the headers alone: no need to download the body.
_NOT_OURS = {"other", "unknown_sender", "forged", "auto_submitted"}
STALE_CLAIM_SECONDS = 600
COMMAND_MAX_AGE = timedelta(days=7)  # staff command mails that arrived earlier are not carried out
MOVE_GRACE = timedelta(seconds=60)  # after this, a handled but unmoved mail's worker is presumed dead
# Per app (one per worker): keys it acted on but has not moved yet (the connection broke between).
_UNMOVED: dict[int, set[str]] = {}


@dataclass
class PassReport:
    """What one pass did; `downloaded` counts message bodies fetched."""

    new: int = 0
    downloaded: int = 0
    handled: int = 0
    duplicates: int = 0
    ignored: int = 0
    failed: int = 0
    deferred: int = 0  # recognised, but could not be acted on yet (tried again next pass)
    outcomes: list[str] = field(default_factory=list)


def _older_than(arrived: datetime | None, age: timedelta) -> bool:
    return arrived is not None and utcnow() - arrived > age


class Intake:
    """The mail door's state for one worker: rules, the command layer, the folders."""

    def __init__(self, app: App) -> None:
        self.app = app
        self.settings = app.settings
        self.rules = MailRules.from_settings(app.settings)
        self.folder = app.settings.imap_folder
        self.done_folder = app.settings.imap_done_folder
        self._layer: CommandLayer | None = None
        if id(app) not in _UNMOVED:
            _UNMOVED[id(app)] = set()
            weakref.finalize(app, _UNMOVED.pop, id(app), None)
        self._unmoved = _UNMOVED[id(app)]

    def layer(self) -> CommandLayer:
        if self._layer is None:
            from bot.commands import CommandLayer  # the chat door's command layer, shared

            self._layer = CommandLayer(self.app)
        return self._layer

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
        if first.reason in ("command", "no_command") and _older_than(head.arrived, COMMAND_MAX_AGE):
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
        return await self._handle(conn, uidvalidity, head.uid, mail, raw, c, report)

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

    async def _handle(
        self,
        conn: ImapConnection,
        uidvalidity: int,
        uid: int,
        mail: ParsedMail,
        raw: bytes,
        c: Classification,
        report: PassReport,
    ) -> bool:
        app, key = self.app, message_key(mail, raw)
        seen = mail_records.find(app.uow(), practice_id=app.practice_id, message_key=key)
        if seen is not None and key == mail.message_id and c.kind != "staff_command":
            # Message-IDs are meant to be unique, but senders do reuse them: a different agency
            # mail under a known Message-ID gets a key of its own instead of being taken for a
            # duplicate. Never for commands: a command is rather dropped than run twice.
            kept = mail_records.raw_of(app.uow(), practice_id=app.practice_id, message_key=key)
            if kept is not None and content_hash(kept) != content_hash(raw):
                key = f"{key} {content_hash(raw)}"
                seen = mail_records.find(app.uow(), practice_id=app.practice_id, message_key=key)
        if seen is not None and not self._redo(seen, c):
            if seen.in_progress and self._stale(seen):
                await self._interrupted(mail, key, c)
                report.failed += 1
                return True
            if seen.in_progress:
                return False  # another worker is on it right now
            if seen.failed:
                report.failed += 1
                return True  # kept on record, left in the mailbox for a person
            return await self._handled_before(conn, uidvalidity, uid, key, seen, report)
        if seen is None and not mail_records.claim(
            app.uow(),
            practice_id=app.practice_id,
            message_key=key,
            raw=raw,
            kind=c.kind,
            sender=c.sender or "",
            subject=mail.subject,
            folder=self.folder,
            uidvalidity=uidvalidity,
            uid=uid,
        ):
            return False  # claimed by another worker a moment ago
        try:
            outcome = await self._act(mail, key, c)
        except InkassoError as exc:  # e.g. no practice set up yet: nothing done, try again next pass
            mail_records.release(app.uow(), practice_id=app.practice_id, message_key=key)
            report.deferred += 1
            log.warning(
                "mail uid %s %s (%s) not acted on yet: %s; will try again",
                uid,
                key,
                c.reason,
                exc.log_message,
            )
            return False
        mail_records.finish(app.uow(), practice_id=app.practice_id, message_key=key, outcome=outcome)
        report.outcomes.append(outcome)
        if outcome.startswith("failed"):
            report.failed += 1
            log.error(
                "mail uid %s %s (%s) from %s: %s; left in the mailbox", uid, key, c.reason, c.sender, outcome
            )
            return True
        report.handled += 1
        log.info("mail uid %s %s (%s) from %s: %s", uid, key, c.reason, c.sender, outcome)
        self._unmoved.add(key)
        await asyncio.to_thread(conn.mark_handled, uid, self.done_folder)
        self._unmoved.discard(key)
        return True

    async def _handled_before(
        self,
        conn: ImapConnection,
        uidvalidity: int,
        uid: int,
        key: str,
        seen: mail_records.MailSeen,
        report: PassReport,
    ) -> bool:
        """A mail already acted on: move it, but let exactly one worker move each copy.

        Two workers moving one message at once can leave two copies in the done folder (MOVE is
        copy + expunge), so: the copy that was acted on is moved by the worker that acted on it
        (or, if that worker died before moving, by anyone after MOVE_GRACE); every other copy (the
        same mail delivered twice) is claimed as a duplicate first."""
        app = self.app
        if (seen.folder, seen.uidvalidity, seen.uid) == (self.folder, uidvalidity, uid):
            if key not in self._unmoved and not _older_than(seen.at, MOVE_GRACE):
                return False  # the worker that acted on it is moving it right now
        else:
            duplicate = f"{key} duplicate:{self.folder}:{uidvalidity}:{uid}"
            if not mail_records.claim(
                app.uow(),
                practice_id=app.practice_id,
                message_key=duplicate,
                raw=b"",  # the same mail as `key`, whose raw bytes are kept
                kind="duplicate",
                folder=self.folder,
                uidvalidity=uidvalidity,
                uid=uid,
            ):
                return True  # another worker took this copy
            mail_records.finish(
                app.uow(),
                practice_id=app.practice_id,
                message_key=duplicate,
                outcome=f"done: duplicate of {key}",
            )
        report.duplicates += 1
        log.info("mail uid %s %s already handled (%s); moving it", uid, key, seen.outcome)
        await asyncio.to_thread(conn.mark_handled, uid, self.done_folder)
        self._unmoved.discard(key)
        return True

    @staticmethod
    def _stale(seen: mail_records.MailSeen) -> bool:
        return (utcnow() - seen.at).total_seconds() > STALE_CLAIM_SECONDS

    def _redo(self, seen: mail_records.MailSeen, c: Classification) -> bool:
        """A claim left over from a crash: agency mails are safe to act on again (idempotent)."""
        return seen.in_progress and self._stale(seen) and c.kind != "staff_command"

    async def _interrupted(self, mail: ParsedMail, key: str, c: Classification) -> None:
        from mail.command_mail import interrupted_reply

        """A command claimed by a worker that died: it may or may not have run, so never run it
        again; tell the sender, keep the mail where it is."""
        app = self.app
        outcome = "failed: interrupted while being carried out; not repeated"
        mail_records.finish(app.uow(), practice_id=app.practice_id, message_key=key, outcome=outcome)
        log.error("mail command %s from %s was interrupted earlier; not repeated, sender told", key, c.sender)
        if mail.from_addr:
            reply = interrupted_reply(app, mail, c.command or "")
            await app.mailer.send_reply(reply, kind="command_reply")

    async def _act(self, mail: ParsedMail, key: str, c: Classification) -> str:
        """Do what the mail asks. Our own errors and database trouble propagate (nothing was done,
        so the mail is tried again); anything else is a bug, recorded as the mail's outcome."""
        try:
            if c.kind == "staff_command":
                return await self._command(mail, c)
            return await asyncio.to_thread(act_on_agency_mail, self.app, c, mail, key)
        except (InkassoError, DBAPIError):
            raise
        except Exception as exc:  # a bug must not stop the worker; the mail stays on record
            log.exception("mail %s could not be handled", key)
            notifications.add(
                self.app.uow(),
                practice_id=self.app.practice_id,
                kind="failure",
                text=f"Eine Mail („{mail.subject[:80]}“) konnte nicht verarbeitet werden; "
                "sie liegt unverändert im Postfach. Details im Protokoll.",
            )
            return f"failed: {type(exc).__name__}: {str(exc)[:200]}"

    async def _command(self, mail: ParsedMail, c: Classification) -> str:
        from mail.command_mail import answer_command  # imports the chat's command layer

        assert c.command is not None
        reply = await answer_command(self.app, self.layer(), mail, c.command)
        if reply is None:
            return f"done: {c.command!r}, no reply"
        message_id = await self.app.mailer.send_reply(reply, kind="command_reply")
        return f"done: {c.command!r} answered ({message_id})"
