"""Acting on one recognised, verified mail exactly once, then flagging and moving it.

A mail is claimed in the database first (MailRecord: key, UID, raw bytes, outcome `processing`),
then acted on and finished; a crash in between is caught up safely: agency mails are acted on
again (idempotent), commands never (the sender is told instead). A recognised mail that nothing
vouches for is claimed too (its raw bytes kept) but never acted on: it is finished *zu prüfen*
(core.services.messaging.mail_reviews) and left in the mailbox as it was; a command is not answered.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from datetime import timedelta

from sqlalchemy.exc import DBAPIError

from bot.commands import CommandLayer
from core.bootstrap import App
from core.domain.dates import utcnow
from core.domain.errors import InkassoError
from core.services.messaging import mail_records, mail_reviews, notifications
from mail.agency import act_on_agency_mail
from mail.command_mail import answer_command, interrupted_reply
from mail.imap import ImapConnection
from mail.kept import keep_unverified
from mail.keys import content_hash, message_key
from mail.message import ParsedMail
from mail.pass_report import PassReport, older_than
from mail.rules import Classification

__all__ = ["MailHandler", "PassReport", "older_than"]

log = logging.getLogger("mail.intake")

STALE_CLAIM_SECONDS = 600
MOVE_GRACE = timedelta(seconds=60)  # after this, a handled but unmoved mail's worker is presumed dead
# Per app (one per worker): keys it acted on but has not moved yet (the connection broke between).
_UNMOVED: dict[int, set[str]] = {}


class MailHandler:
    """Acts on recognised mail for one worker: agency mails through the core, commands through
    the chat's command layer (answered by mail)."""

    def __init__(self, app: App, *, folder: str, done_folder: str) -> None:
        self.app = app
        self.folder = folder
        self.done_folder = done_folder
        self._layer: CommandLayer | None = None
        if id(app) not in _UNMOVED:
            _UNMOVED[id(app)] = set()
            weakref.finalize(app, _UNMOVED.pop, id(app), None)
        self._unmoved = _UNMOVED[id(app)]

    def layer(self) -> CommandLayer:
        if self._layer is None:
            self._layer = CommandLayer(self.app)
        return self._layer

    async def handle(
        self,
        conn: ImapConnection,
        uidvalidity: int,
        uid: int,
        mail: ParsedMail,
        raw: bytes,
        c: Classification,
        report: PassReport,
    ) -> bool:
        """Act on one recognised, verified mail once; False when it must be looked at again."""
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
            if mail_reviews.is_review(seen.outcome):
                report.kept += 1
                return True  # waits for a person; left in the mailbox as it is
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
        if not c.trusted:
            keep_unverified(app, mail, key, c)
            report.kept += 1
            return True
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
        if mail_reviews.is_review(outcome):
            report.kept += 1
            log.warning(
                "mail uid %s %s (%s) from %s: %s; left in the mailbox", uid, key, c.reason, c.sender, outcome
            )
            return True
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
            if key not in self._unmoved and not older_than(seen.at, MOVE_GRACE):
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
        assert c.command is not None
        reply = await answer_command(self.app, self.layer(), mail, c.command)
        if reply is None:
            return f"done: {c.command!r}, no reply"
        message_id = await self.app.mailer.send_reply(reply, kind="command_reply")
        return f"done: {c.command!r} answered ({message_id})"
