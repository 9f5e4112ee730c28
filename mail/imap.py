"""The practice mailbox over IMAP (imap-tools): the only module that knows imaplib and imap-tools.

Blocking calls, meant to run in a worker thread. Every library error becomes ours:
`MailboxUnavailable` (a PeerUnavailable: connection lost, timeout, server said BYE or NO) or
`MailboxRefused` (a Refused: the login was refused). Nothing here sets \\Seen by accident: bodies
are fetched with BODY.PEEK, and only `mark_handled` changes a message.
"""

from __future__ import annotations

import functools
import imaplib
import logging
import re
import select
import socket
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, NamedTuple, ParamSpec, TypeVar

from imap_tools import BaseMailBox, MailBox, MailBoxStartTls, MailBoxUnencrypted
from imap_tools.errors import ImapToolsError, MailboxLoginError
from imap_tools.utils import encode_folder

from core.domain.errors import PeerUnavailable, Refused

if TYPE_CHECKING:
    from core.config import Settings

__all__ = ["HANDLED_KEYWORD", "Header", "ImapConnection", "MailboxRefused", "MailboxUnavailable"]

log = logging.getLogger(__name__)
P = ParamSpec("P")
R = TypeVar("R")

HANDLED_KEYWORD = "PraxisInkasso"  # an IMAP keyword (custom flag) on every handled mail
_UID = re.compile(rb"UID (\d+)")
_SIZE = re.compile(rb"RFC822\.SIZE (\d+)")
_DATE = re.compile(rb'INTERNALDATE "([^"]+)"')


class MailboxUnavailable(PeerUnavailable):
    """The IMAP server could not be reached, dropped the connection or refused a command."""


class MailboxRefused(Refused):
    """The IMAP server refused the login; retrying with the same settings will not help."""


@dataclass(frozen=True)
class Header:
    uid: int
    size: int
    header: bytes
    arrived: datetime | None = None  # the server's INTERNALDATE


def _guard(fn: Callable[P, R]) -> Callable[P, R]:
    """Turn imaplib, imap-tools, socket and TLS errors into MailboxUnavailable."""

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return fn(*args, **kwargs)
        except MailboxLoginError as exc:
            raise MailboxRefused(
                "Die Anmeldung am Postfach ist fehlgeschlagen; bitte IMAP_USER und IMAP_PASSWORD prüfen.",
                "IMAP login refused",
            ) from exc
        except ssl.SSLCertVerificationError as exc:
            raise MailboxRefused(
                "Das Zertifikat des Postfach-Servers ist ungültig; bitte IMAP_HOST und IMAP_CAFILE prüfen.",
                f"IMAP certificate verification failed: {exc.verify_message}",
            ) from exc
        except (imaplib.IMAP4.error, ImapToolsError, OSError, EOFError, ValueError) as exc:
            # ValueError: imaplib on a closed socket; OSError covers socket.timeout and ssl.SSLError
            raise MailboxUnavailable(
                "Das Postfach ist gerade nicht erreichbar.",
                f"IMAP {fn.__name__} failed: {type(exc).__name__}: {str(exc)[:200]}",
            ) from exc

    return wrapper


def _ok(result: tuple[Any, Any], what: str) -> list[Any]:
    typ, data = result
    if typ != "OK":
        raise imaplib.IMAP4.error(f"{what}: {typ} {data!r:.200}")
    return list(data or [])


class ImapConnection:
    """One logged-in IMAP session on the practice mailbox."""

    def __init__(self, box: BaseMailBox) -> None:
        self.box = box
        self.capabilities: frozenset[str] = frozenset()
        self.folder: str | None = None

    @classmethod
    @_guard
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
        words = b" ".join(_ok(box.client.capability(), "CAPABILITY")).decode("ascii", "replace").upper()
        conn.capabilities = frozenset(words.split())
        return conn

    @property
    def idle_supported(self) -> bool:
        return "IDLE" in self.capabilities

    @_guard
    def ensure_folder(self, name: str) -> None:
        """Create `name` unless it exists (another worker creating it at the same moment is fine)."""
        if self.box.folder.exists(name):
            return
        typ, data = self.box.client.create(_quote(name))
        if typ != "OK" and not self.box.folder.exists(name):
            raise imaplib.IMAP4.error(f"CREATE {name}: {typ} {data!r:.200}")
        log.info("IMAP folder %s created", name)

    @_guard
    def select(self, folder: str) -> int:
        """Select `folder` (read-write, for flag and move) and return its UIDVALIDITY."""
        _ok(self.box.client.select(_quote(folder)), f"SELECT {folder}")
        self.folder = folder
        self.box.client.untagged_responses.pop("EXISTS", None)  # the count SELECT reports is not news
        _, data = self.box.client.response("UIDVALIDITY")
        if not data or data[0] is None:
            raise imaplib.IMAP4.error("the server sent no UIDVALIDITY")
        return int(data[-1])

    @_guard
    def uids_after(self, last_uid: int) -> list[int]:
        """UIDs above `last_uid`, ascending (`n:*` also matches the highest UID, so filter)."""
        data = _ok(self.box.client.uid("SEARCH", f"UID {last_uid + 1}:*"), "UID SEARCH")
        found = {int(u) for u in b" ".join(d for d in data if d).split()}
        return sorted(u for u in found if u > last_uid)

    @_guard
    def fetch_headers(self, uids: list[int]) -> list[Header]:
        """Headers and sizes of `uids` (BODY.PEEK: nothing is marked read); vanished ones are left out."""
        if not uids:
            return []
        data = _ok(
            self.box.client.uid("FETCH", _uid_set(uids), "(UID RFC822.SIZE INTERNALDATE BODY.PEEK[HEADER])"),
            "UID FETCH",
        )
        out = [Header(f.uid, f.size, f.literal, f.arrived) for f in _literals(data)]
        return sorted(out, key=lambda h: h.uid)

    @_guard
    def fetch_raw(self, uid: int) -> bytes | None:
        """The whole message (BODY.PEEK[]), or None if it is gone."""
        data = _ok(self.box.client.uid("FETCH", str(uid), "(UID BODY.PEEK[])"), "UID FETCH")
        for found in _literals(data):
            if found.uid == uid:
                return found.literal
        return None

    @_guard
    def mark_handled(self, uid: int, done_folder: str) -> None:
        """Flag the message (\\Seen and our keyword) and move it to `done_folder`."""
        client = self.box.client
        typ, _ = client.uid("STORE", str(uid), "+FLAGS.SILENT", f"(\\Seen {HANDLED_KEYWORD})")
        if typ != "OK":  # a server without custom keywords still gets \Seen
            _ok(client.uid("STORE", str(uid), "+FLAGS.SILENT", "(\\Seen)"), "UID STORE")
        if done_folder == self.folder:
            return  # flagged where it is: moving into the watched folder would bring it back as new
        if "MOVE" in self.capabilities:
            typ, data = client.uid("MOVE", str(uid), _quote(done_folder))
            if typ != "OK" and not _already_gone(data):
                raise imaplib.IMAP4.error(f"UID MOVE: {typ} {data!r:.200}")
            return
        typ, data = client.uid("COPY", str(uid), _quote(done_folder))
        if typ != "OK":
            if _already_gone(data):
                return
            raise imaplib.IMAP4.error(f"UID COPY: {typ} {data!r:.200}")
        _ok(client.uid("STORE", str(uid), "+FLAGS.SILENT", "(\\Deleted)"), "UID STORE")
        if "UIDPLUS" in self.capabilities:
            # only this message: a plain EXPUNGE would also remove mail someone else marked deleted
            _ok(client.uid("EXPUNGE", str(uid)), "UID EXPUNGE")

    @_guard
    def wait(self, seconds: float, should_stop: Callable[[], bool]) -> bool:
        """Wait up to `seconds` for news: IMAP IDLE where offered, else a plain sleep and NOOP.

        Returns True when the server reported a change."""
        deadline = time.monotonic() + seconds
        if not self.idle_supported:
            while time.monotonic() < deadline and not should_stop():
                time.sleep(min(0.5, max(deadline - time.monotonic(), 0)))
            _ok(self.box.client.noop(), "NOOP")
            return False
        client = self.box.client
        if _new_mail_reported(client):
            return True  # mail arrived during the pass: look again before idling
        self.box.idle.start()
        try:
            if _new_mail_reported(client):  # reported while IDLE started
                return True
            while time.monotonic() < deadline and not should_stop():
                wait = min(0.5, max(deadline - time.monotonic(), 0.0))
                if not _readable(client.sock, wait):
                    continue
                line = client._get_line()  # blocking (socket timeout); raises abort on EOF
                if line.startswith(b"* BYE"):
                    raise imaplib.IMAP4.abort("the server said BYE during IDLE")
                if line.startswith((b"* OK", b"+")):
                    continue  # "+ idling" and keep-alives such as Dovecot's "* OK Still here"
                return True
            return False
        finally:
            self.box.idle.stop()

    def close(self) -> None:
        """Log out; a connection that is already gone is fine."""
        try:
            self.box.client.logout()
        except (imaplib.IMAP4.error, ImapToolsError, OSError, EOFError, ValueError):
            try:
                self.box.client.shutdown()
            except (OSError, ValueError):
                pass


def _quote(folder: str) -> str:
    """Quoted and in IMAP's modified UTF-7 (plain ASCII), as imap-tools does it."""
    return encode_folder(folder).decode("ascii")


def _uid_set(uids: list[int]) -> str:
    """`1:5,7,9:10` — compact, so a long list stays a short command line."""
    ranges: list[str] = []
    start = prev = uids[0]
    for uid in [*uids[1:], None]:
        if uid is not None and uid == prev + 1:
            prev = uid
            continue
        ranges.append(str(start) if start == prev else f"{start}:{prev}")
        if uid is not None:
            start = prev = uid
    return ",".join(ranges)


class _Fetched(NamedTuple):
    uid: int
    size: int
    literal: bytes
    arrived: datetime | None


def _literals(data: list[Any]) -> list[_Fetched]:
    """One entry per FETCH response; UID, size and date may come before or after the literal."""
    out: list[_Fetched] = []
    for index, item in enumerate(data):
        if not isinstance(item, tuple) or len(item) < 2:
            continue
        after = data[index + 1] if index + 1 < len(data) and isinstance(data[index + 1], bytes) else b""
        meta = item[0] + b" " + after
        uid = _UID.search(meta)
        if uid is None:
            continue
        size = _SIZE.search(meta)
        literal = item[1] if isinstance(item[1], bytes) else b""
        out.append(
            _Fetched(int(uid[1]), int(size[1]) if size else len(literal), literal, _internaldate(meta))
        )
    return out


def _internaldate(meta: bytes) -> datetime | None:
    match = _DATE.search(meta)
    if match is None:
        return None
    try:
        return datetime.strptime(match[1].decode("ascii").strip(), "%d-%b-%Y %H:%M:%S %z")
    except ValueError:
        return None


def _already_gone(data: Any) -> bool:
    """The server's NO for a message someone else (e.g. another worker) moved a moment ago."""
    text = b" ".join(d for d in (data or []) if isinstance(d, bytes)).upper()
    return b"EXPUNGEISSUED" in text or b"NO LONGER EXIST" in text


def _new_mail_reported(client: imaplib.IMAP4) -> bool:
    """An untagged EXISTS the client read along with another answer (kept by imaplib, taken here)."""
    return client.untagged_responses.pop("EXISTS", None) is not None


def _readable(sock: socket.socket, timeout: float) -> bool:
    if isinstance(sock, ssl.SSLSocket) and sock.pending():
        return True
    return bool(select.select([sock], [], [], timeout)[0])
