"""One logged-in IMAP session on the practice mailbox: select, search, fetch, flag and move.

Blocking calls, meant to run in a worker thread. Nothing here sets \\Seen by accident: bodies
are fetched with BODY.PEEK, and only `mark_handled` changes a message.
"""

from __future__ import annotations

import imaplib
import logging
import ssl
from collections.abc import Callable
from typing import TYPE_CHECKING

from imap_tools import BaseMailBox, MailBox, MailBoxStartTls, MailBoxUnencrypted
from imap_tools.errors import ImapToolsError

from mail.imap import idle
from mail.imap.errors import MailboxRefused, guard, ok
from mail.imap.responses import Header, already_gone, literals, quote, uid_set

if TYPE_CHECKING:
    from core.config import Settings

__all__ = ["HANDLED_KEYWORD", "ImapConnection"]

log = logging.getLogger("mail.imap")

HANDLED_KEYWORD = "PraxisInkasso"  # an IMAP keyword (custom flag) on every handled mail


class ImapConnection:
    """One logged-in IMAP session on the practice mailbox."""

    def __init__(self, box: BaseMailBox) -> None:
        self.box = box
        self.capabilities: frozenset[str] = frozenset()
        self.folder: str | None = None

    @classmethod
    @guard
    def open(cls, settings: Settings, *, timeout: float = 30.0) -> ImapConnection:
        if not settings.imap_host or not settings.imap_user:
            raise MailboxRefused(
                "Es ist kein Postfach eingerichtet (IMAP_HOST, IMAP_USER).", "IMAP not set up"
            )
        host, port, security = settings.imap_host, settings.imap_port, str(settings.imap_security)
        box: BaseMailBox
        if security == "plain":
            box = MailBoxUnencrypted(host, port, timeout=timeout)
        else:
            context = ssl.create_default_context(cafile=settings.imap_cafile)
            if security == "starttls":
                box = MailBoxStartTls(host, port, timeout=timeout, ssl_context=context)
            else:
                box = MailBox(host, port, timeout=timeout, ssl_context=context)
        password = settings.imap_password.get_secret_value() if settings.imap_password else ""
        conn = cls(box)
        try:
            box.login(settings.imap_user, password, initial_folder=None)
        except BaseException:
            conn.close()
            raise
        # imaplib keeps the greeting's capabilities; the ones after login (MOVE, IDLE, UIDPLUS) count.
        words = b" ".join(ok(box.client.capability(), "CAPABILITY")).decode("ascii", "replace").upper()
        conn.capabilities = frozenset(words.split())
        return conn

    @property
    def idle_supported(self) -> bool:
        return "IDLE" in self.capabilities

    @guard
    def ensure_folder(self, name: str) -> None:
        """Create `name` unless it exists (another worker creating it at the same moment is fine)."""
        if self.box.folder.exists(name):
            return
        typ, data = self.box.client.create(quote(name))
        if typ != "OK" and not self.box.folder.exists(name):
            raise imaplib.IMAP4.error(f"CREATE {name}: {typ} {data!r:.200}")
        log.info("IMAP folder %s created", name)

    @guard
    def select(self, folder: str) -> int:
        """Select `folder` (read-write, for flag and move) and return its UIDVALIDITY."""
        ok(self.box.client.select(quote(folder)), f"SELECT {folder}")
        self.folder = folder
        self.box.client.untagged_responses.pop("EXISTS", None)  # the count SELECT reports is not news
        _, data = self.box.client.response("UIDVALIDITY")
        if not data or data[0] is None:
            raise imaplib.IMAP4.error("the server sent no UIDVALIDITY")
        return int(data[-1])

    @guard
    def uids_after(self, last_uid: int) -> list[int]:
        """UIDs above `last_uid`, ascending (`n:*` also matches the highest UID, so filter)."""
        data = ok(self.box.client.uid("SEARCH", f"UID {last_uid + 1}:*"), "UID SEARCH")
        found = {int(u) for u in b" ".join(d for d in data if d).split()}
        return sorted(u for u in found if u > last_uid)

    @guard
    def fetch_headers(self, uids: list[int]) -> list[Header]:
        """Headers and sizes of `uids` (BODY.PEEK: nothing is marked read); vanished ones are left out."""
        if not uids:
            return []
        data = ok(
            self.box.client.uid("FETCH", uid_set(uids), "(UID RFC822.SIZE INTERNALDATE BODY.PEEK[HEADER])"),
            "UID FETCH",
        )
        out = [Header(f.uid, f.size, f.literal, f.arrived) for f in literals(data)]
        return sorted(out, key=lambda h: h.uid)

    @guard
    def fetch_raw(self, uid: int) -> bytes | None:
        """The whole message (BODY.PEEK[]), or None if it is gone."""
        data = ok(self.box.client.uid("FETCH", str(uid), "(UID BODY.PEEK[])"), "UID FETCH")
        for found in literals(data):
            if found.uid == uid:
                return found.literal
        return None

    @guard
    def mark_handled(self, uid: int, done_folder: str) -> None:
        """Flag the message (\\Seen and our keyword) and move it to `done_folder`."""
        client = self.box.client
        typ, _ = client.uid("STORE", str(uid), "+FLAGS.SILENT", f"(\\Seen {HANDLED_KEYWORD})")
        if typ != "OK":  # a server without custom keywords still gets \Seen
            ok(client.uid("STORE", str(uid), "+FLAGS.SILENT", "(\\Seen)"), "UID STORE")
        if done_folder == self.folder:
            return  # flagged where it is: moving into the watched folder would bring it back as new
        if "MOVE" in self.capabilities:
            typ, data = client.uid("MOVE", str(uid), quote(done_folder))
            if typ != "OK" and not already_gone(data):
                raise imaplib.IMAP4.error(f"UID MOVE: {typ} {data!r:.200}")
            return
        typ, data = client.uid("COPY", str(uid), quote(done_folder))
        if typ != "OK":
            if already_gone(data):
                return
            raise imaplib.IMAP4.error(f"UID COPY: {typ} {data!r:.200}")
        ok(client.uid("STORE", str(uid), "+FLAGS.SILENT", "(\\Deleted)"), "UID STORE")
        if "UIDPLUS" in self.capabilities:
            # only this message: a plain EXPUNGE would also remove mail someone else marked deleted
            ok(client.uid("EXPUNGE", str(uid)), "UID EXPUNGE")

    @guard
    def wait(self, seconds: float, should_stop: Callable[[], bool]) -> bool:
        """Wait up to `seconds` for news (IDLE where offered); True when the server reported a change."""
        return idle.wait(self.box, self.idle_supported, seconds, should_stop)

    def close(self) -> None:
        """Log out; a connection that is already gone is fine."""
        try:
            self.box.client.logout()
        except (imaplib.IMAP4.error, ImapToolsError, OSError, EOFError, ValueError):
            try:
                self.box.client.shutdown()
            except (OSError, ValueError):
                pass
