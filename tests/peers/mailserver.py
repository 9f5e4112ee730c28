"""Real mail peers: Debian's Dovecot (IMAP, IMAPS, LMTP) and an in-process aiosmtpd relay into it.

Fixtures:
- `dovecot` (session): a running Dovecot with the users of `MAIL_USERS` (password `secret`).
- `mailbox_clean` (function): empties every user's folders first, then yields `dovecot`.
- `smtp_server` / `smtp_server_starttls` / `smtp_server_tls` (function): aiosmtpd that records
  each envelope and relays it over LMTP into Dovecot, so sent mail can be read back over IMAP.
- `mail_settings` (function): the product's settings (field names of `core.config.Settings`)
  pointing at `dovecot` and `smtp_server`, as a dict of strings.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import grp
import os
import pwd
import shutil
import signal
import smtplib
import ssl
import subprocess
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from email.parser import BytesHeaderParser
from email.utils import parseaddr
from pathlib import Path
from typing import Any, Literal, NamedTuple

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session
from imap_tools import BaseMailBox, MailBox, MailBoxUnencrypted, MailMessage

from tests.peers._ports import free_port, peer_dir, wait_port, wait_port_closed

__all__ = [
    "MAIL_PASSWORD",
    "MAIL_USERS",
    "PRACTICE_EMAIL",
    "Dovecot",
    "Received",
    "SmtpServer",
    "mail_settings_for",
]

PRACTICE_EMAIL = "praxis@example.test"
MAIL_USERS = (PRACTICE_EMAIL, "chef@example.test", "anna@example.test", "other@example.test")
MAIL_PASSWORD = "secret"
AUTHSERV_ID = "mx.praxis.test"
# Folders Dovecot creates itself; `mailbox_clean` empties them and deletes any other folder.
STANDARD_FOLDERS = ("INBOX", "Archive", "Trash")
PR_SET_PDEATHSIG = 1
APT_HINT = "apt-get install -y dovecot-imapd dovecot-lmtpd"

DOVECOT_CONF = """\
protocols = imap lmtp
listen = 127.0.0.1
base_dir = {d}/run
state_dir = {d}/state
instance_name = test-dovecot-{imap_port}
log_path = {d}/dovecot.log
ssl = yes
ssl_cert = <{d}/cert.pem
ssl_key = <{d}/key.pem
disable_plaintext_auth = no
auth_mechanisms = plain login
default_internal_user = {user}
default_internal_group = {group}
default_login_user = {user}
# Under root the mail uid is `nobody`; Dovecot refuses uids below first_valid_uid otherwise.
first_valid_uid = 0
mail_location = maildir:{d}/mail/%u/Maildir
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {d}/users
}}
userdb {{
  driver = static
  args = uid={user} gid={group} home={d}/mail/%u
}}
namespace inbox {{
  inbox = yes
  separator = /
  mailbox Archive {{
    auto = create
    special_use = \\Archive
  }}
  mailbox Trash {{
    auto = create
    special_use = \\Trash
  }}
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {imap_port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {imaps_port}
    ssl = yes
  }}
}}
service lmtp {{
  inet_listener lmtp {{
    address = 127.0.0.1
    port = {lmtp_port}
  }}
}}
protocol lmtp {{
  postmaster_address = postmaster@example.test
}}
"""

# Only root may chroot: a rootless Dovecot keeps its anvil and login processes unjailed.
ROOTLESS_CONF = """\
service anvil {
  chroot =
}
service imap-login {
  chroot =
}
"""


def require_binary(name: str, hint: str) -> str:
    """The binary's path. A missing one fails under CI (green must mean every peer test ran), else skips."""
    # Debian puts dovecot in /usr/sbin, which is not on an ordinary user's PATH.
    path = shutil.which(name) or shutil.which(name, path="/usr/sbin:/usr/local/sbin:/sbin")
    if path:
        return path
    message = f"{name} is not installed; run: {hint} (or scripts/test, which installs it)"
    if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
        pytest.fail(message)
    pytest.skip(message)


def make_self_signed_cert(directory: Path) -> tuple[Path, Path]:
    """A throwaway certificate for localhost and 127.0.0.1; returns (cert, key)."""
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
         "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
         "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    return cert, key


@dataclass
class Dovecot:
    """A Dovecot instance in its own directory; stop/start keep the same ports and mail."""

    host: str
    imap_port: int
    imaps_port: int
    lmtp_port: int
    cafile: str
    keyfile: str
    conf: Path
    dir: Path
    users: tuple[str, ...] = MAIL_USERS
    password: str = MAIL_PASSWORD
    binary: str = "dovecot"
    _proc: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def start(self, timeout: float = 10.0) -> None:
        """Start the master in the foreground; return once IMAP and LMTP accept connections."""
        if self.running:
            return
        stderr = (self.dir / "stderr.log").open("ab")
        self._proc = subprocess.Popen(
            [self.binary, "-F", "-c", str(self.conf)],
            stdout=stderr,
            stderr=stderr,
            stdin=subprocess.DEVNULL,
            # Its own process group, so stop() can also end imap processes the master leaves behind.
            start_new_session=True,
            preexec_fn=_die_with_parent,
        )
        stderr.close()
        try:
            for port in (self.imap_port, self.imaps_port, self.lmtp_port):
                wait_port(self.host, port, timeout)
        except TimeoutError as exc:
            self.stop()
            raise RuntimeError(f"dovecot did not start:\n{self.log_tail()}") from exc

    def stop(self, timeout: float = 10.0) -> None:
        """SIGTERM every Dovecot process, as `systemctl stop` would; open IMAP sessions drop.

        Signalling the master alone is not enough: logged-in imap processes outlive it, keep their
        clients connected and hold the stats socket, which stalls the next start's logins.
        """
        proc, self._proc = self._proc, None
        if proc is None:
            return
        _signal_group(proc.pid, signal.SIGTERM)
        try:
            # Usually gone within milliseconds, but a master caught mid-startup can linger for 6 s.
            proc.wait(0.5)
        except subprocess.TimeoutExpired:
            _signal_group(proc.pid, signal.SIGKILL)
            proc.wait(timeout)
        _signal_group(proc.pid, signal.SIGKILL)
        wait_port_closed(self.host, self.imap_port, timeout)

    def restart(self) -> None:
        """Stop and start the same instance (same ports, same mail), as an admin would."""
        self.stop()
        self.start()

    def log_tail(self, lines: int = 30) -> str:
        parts = []
        for name in ("stderr.log", "dovecot.log"):
            path = self.dir / name
            if path.exists():
                parts.extend(path.read_text(errors="replace").splitlines()[-lines:])
        return "\n".join(parts)

    def deliver(self, raw: bytes, rcpt: str | Iterable[str], mail_from: str = "sender@example.test") -> None:
        """Deliver raw bytes as-is over LMTP (no Authentication-Results header is added).

        One recipient per transaction: with several, smtplib.LMTP does not read the per-recipient
        replies after DATA and `quit()` then raises although the mail was stored.
        """
        rcpts = [rcpt] if isinstance(rcpt, str) else list(rcpt)
        with smtplib.LMTP(self.host, self.lmtp_port) as lmtp:
            for one in rcpts:
                lmtp.sendmail(mail_from, [one], raw)

    def ssl_context(self) -> ssl.SSLContext:
        """A client context that trusts this instance's self-signed certificate."""
        return ssl.create_default_context(cafile=self.cafile)

    def mailbox(self, user: str = PRACTICE_EMAIL, *, tls: bool = False) -> BaseMailBox:
        """A logged-in imap-tools mailbox; use it as a context manager."""
        box: BaseMailBox
        if tls:
            box = MailBox(self.host, self.imaps_port, ssl_context=self.ssl_context())
        else:
            box = MailBoxUnencrypted(self.host, self.imap_port)
        return box.login(user, self.password)

    def messages(self, user: str = PRACTICE_EMAIL, folder: str = "INBOX") -> list[MailMessage]:
        """Every message in `folder`, fetched without setting the \\Seen flag."""
        with self.mailbox(user) as box:
            box.folder.set(folder)
            return list(box.fetch(mark_seen=False))

    def empty(self, user: str = PRACTICE_EMAIL) -> None:
        """Delete every message of `user` and every folder that Dovecot did not create itself."""
        with self.mailbox(user) as box:
            listed = box.folder.list()
            folders = sorted((f.name for f in listed), key=lambda n: n.count("/"), reverse=True)
            selectable = {f.name for f in listed if "\\Noselect" not in f.flags}
            for name in folders:
                if name not in selectable:
                    continue
                box.folder.set(name)
                uids = box.uids()
                if uids:
                    box.delete(uids)
            box.folder.set("INBOX")
            # \Noselect parents exist only through their children and vanish with them.
            for name in folders:
                if name in selectable and name not in STANDARD_FOLDERS:
                    box.folder.delete(name)


def _die_with_parent() -> None:
    """Linux: SIGTERM the master when pytest dies (even by SIGKILL), so no Dovecot outlives a run."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def _signal_group(pgid: int, sig: signal.Signals) -> None:
    try:
        os.killpg(pgid, sig)
    except ProcessLookupError:
        pass


def _mail_owner() -> tuple[str, str]:
    """Root runs mail as nobody (Dovecot drops privileges); anyone else runs it as themselves."""
    user = "nobody" if os.geteuid() == 0 else pwd.getpwuid(os.geteuid()).pw_name
    return user, grp.getgrgid(pwd.getpwnam(user).pw_gid).gr_name


def make_dovecot(directory: Path) -> Dovecot:
    """Write config, users and certificate into `directory`; the instance is not started yet."""
    user, group = _mail_owner()
    imap_port, imaps_port, lmtp_port = free_port(), free_port(), free_port()
    for sub in ("run", "state", "mail"):
        (directory / sub).mkdir()
    cert, key = make_self_signed_cert(directory)
    (directory / "users").write_text("".join(f"{u}:{{PLAIN}}{MAIL_PASSWORD}\n" for u in MAIL_USERS))
    conf = directory / "dovecot.conf"
    conf.write_text(
        DOVECOT_CONF.format(
            d=directory,
            user=user,
            group=group,
            imap_port=imap_port,
            imaps_port=imaps_port,
            lmtp_port=lmtp_port,
        )
        + ("" if os.geteuid() == 0 else ROOTLESS_CONF)
    )
    if os.geteuid() == 0:
        for path in (directory, *directory.rglob("*")):
            shutil.chown(path, user, group)
    return Dovecot(
        "127.0.0.1", imap_port, imaps_port, lmtp_port, str(cert), str(key), conf=conf, dir=directory
    )


@pytest.fixture(scope="session")
def dovecot() -> Iterator[Dovecot]:
    """A running Dovecot for the whole session (about 0.2 s to start)."""
    binary = require_binary("dovecot", APT_HINT)
    require_binary("openssl", "apt-get install -y openssl")
    directory = peer_dir("dovecot")
    try:
        server = make_dovecot(directory)
        server.binary = binary
        server.start()
        try:
            yield server
        finally:
            server.stop()
    finally:
        shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture
def mailbox_clean(dovecot: Dovecot) -> Dovecot:
    """`dovecot`, restarted if a test stopped it, with every user's mailbox emptied."""
    dovecot.start()
    for user in dovecot.users:
        dovecot.empty(user)
    return dovecot


class Received(NamedTuple):
    """One envelope as the SMTP server received it (before any header was added)."""

    mail_from: str
    rcpt_tos: list[str]
    data: bytes


AuthVerdict = Literal["pass", "fail"] | None
SmtpSecurity = Literal["plain", "starttls", "ssl"]


def _domain(address: str) -> str:
    return parseaddr(address)[1].rpartition("@")[2].lower()


class _ImplicitTlsSMTP(SMTP):
    """aiosmtpd only counts STARTTLS as TLS; here the socket is TLS from the first byte.

    Passing auth_require_tls=False instead would emit a UserWarning, an error under our pytest config.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._auth_require_tls = False


class _ImplicitTlsController(Controller):
    def factory(self) -> SMTP:
        return _ImplicitTlsSMTP(self.handler, **self.SMTP_kwargs)


class SmtpServer:
    """aiosmtpd handler and controller in one: records every envelope and relays it into Dovecot.

    Like a receiving MX, the relay stamps an Authentication-Results header on top of the message.
    Set `auth_verdict = "fail"` for forged-sender tests, or `None` to add no header at all.
    """

    def __init__(
        self,
        dovecot: Dovecot | None,
        *,
        security: SmtpSecurity = "plain",
        authserv_id: str = AUTHSERV_ID,
        auth_verdict: AuthVerdict = "pass",
    ) -> None:
        self.dovecot = dovecot
        self.security: SmtpSecurity = security
        self.authserv_id = authserv_id
        self.auth_verdict: AuthVerdict = auth_verdict
        self.host = "127.0.0.1"
        self.port = free_port()
        self.messages: list[Received] = []
        self.relayed: list[Received] = []  # exactly what went into Dovecot, header included
        self.undeliverable: list[str] = []  # recipients Dovecot does not know
        self.logins: list[str] = []
        self.cafile = dovecot.cafile if dovecot else None
        self.controller = self._controller()

    def _controller(self) -> Controller:
        kwargs: dict[str, Any] = {
            "authenticator": self._authenticate,
            "auth_required": self.security != "plain",
            # The plain server offers AUTH too, so a product configured with credentials still works.
            "auth_require_tls": self.security != "plain",
        }
        if self.security != "plain":
            if self.dovecot is None:
                raise ValueError("TLS variants reuse Dovecot's certificate")
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.load_cert_chain(self.dovecot.cafile, self.dovecot.keyfile)
            if self.security == "starttls":
                kwargs.update(tls_context=context, require_starttls=True)
            else:
                # The controller's readiness check connects over TLS and must match the SAN.
                kwargs.update(ssl_context=context, server_hostname="localhost")
        controller_class = _ImplicitTlsController if self.security == "ssl" else Controller
        return controller_class(self, hostname=self.host, port=self.port, **kwargs)

    def start(self) -> None:
        self.controller.start()

    def stop(self) -> None:
        self.controller.stop()

    def _authenticate(
        self, server: SMTP, session: Session, envelope: Envelope, mechanism: str, auth_data: Any
    ) -> AuthResult:
        users = self.dovecot.users if self.dovecot else MAIL_USERS
        ok = (
            isinstance(auth_data, LoginPassword)
            and auth_data.login.decode() in users
            and auth_data.password.decode() == MAIL_PASSWORD
        )
        if ok:
            self.logins.append(auth_data.login.decode())
        # handled=False lets aiosmtpd answer 535 itself; with the default the client hangs.
        return AuthResult(success=ok, handled=False)

    def authentication_results(self, mail_from: str, raw: bytes) -> bytes | None:
        """The header line a receiving server would add, or None when `auth_verdict` is None."""
        if self.auth_verdict is None:
            return None
        v = self.auth_verdict
        header_from = _domain(str(BytesHeaderParser().parsebytes(raw).get("From", ""))) or _domain(mail_from)
        value = (
            f"{self.authserv_id}; dkim={v} header.d={header_from};"
            f" spf={v} smtp.mailfrom={_domain(mail_from)}; dmarc={v} header.from={header_from}"
        )
        return f"Authentication-Results: {value}\r\n".encode()

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = bytes(envelope.original_content or b"")
        mail_from = envelope.mail_from or ""
        self.messages.append(Received(mail_from, list(envelope.rcpt_tos), raw))
        if self.dovecot is None:
            return "250 OK"
        header = self.authentication_results(mail_from, raw)
        relayed = (header + raw) if header else raw
        try:
            await asyncio.get_running_loop().run_in_executor(
                None, self._relay, mail_from, list(envelope.rcpt_tos), relayed
            )
        except (OSError, smtplib.SMTPException) as exc:
            # Surface a down mailbox server to the sender instead of silently dropping the mail.
            return f"451 4.3.0 relay to Dovecot failed ({type(exc).__name__})"
        return "250 OK"

    def wait_for_messages(self, count: int = 1, timeout: float = 5.0) -> list[Received]:
        """Block until `count` envelopes arrived (for mail sent by a worker thread or process)."""
        deadline = time.monotonic() + timeout
        while len(self.messages) < count:
            if time.monotonic() > deadline:
                raise TimeoutError(
                    f"{count} message(s) not received within {timeout} s: {len(self.messages)}"
                )
            time.sleep(0.01)
        return list(self.messages)

    async def async_wait_for_messages(self, count: int = 1, timeout: float = 5.0) -> list[Received]:
        """Like wait_for_messages, but lets the test's event loop (and the product in it) run."""
        deadline = time.monotonic() + timeout
        while len(self.messages) < count:
            if time.monotonic() > deadline:
                raise TimeoutError(
                    f"{count} message(s) not received within {timeout} s: {len(self.messages)}"
                )
            await asyncio.sleep(0.01)
        return list(self.messages)

    def _relay(self, mail_from: str, rcpts: list[str], raw: bytes) -> None:
        assert self.dovecot is not None
        self.relayed.append(Received(mail_from, rcpts, raw))
        for rcpt in rcpts:
            try:
                self.dovecot.deliver(raw, rcpt, mail_from=mail_from)
            except smtplib.SMTPRecipientsRefused:
                self.undeliverable.append(rcpt)


def _smtp(dovecot: Dovecot, security: SmtpSecurity) -> Iterator[SmtpServer]:
    server = SmtpServer(dovecot, security=security)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def smtp_server(dovecot: Dovecot) -> Iterator[SmtpServer]:
    """Plain SMTP (no TLS, AUTH optional) relaying into `dovecot`; a fresh recorder per test."""
    yield from _smtp(dovecot, "plain")


@pytest.fixture
def smtp_server_starttls(dovecot: Dovecot) -> Iterator[SmtpServer]:
    """SMTP that requires STARTTLS and AUTH (any MAIL_USERS login with MAIL_PASSWORD)."""
    yield from _smtp(dovecot, "starttls")


@pytest.fixture
def smtp_server_tls(dovecot: Dovecot) -> Iterator[SmtpServer]:
    """SMTP over implicit TLS (port-465 style) that requires AUTH."""
    yield from _smtp(dovecot, "ssl")


def mail_settings_for(
    dovecot: Dovecot,
    smtp: SmtpServer | None = None,
    *,
    user: str = PRACTICE_EMAIL,
    imap_security: SmtpSecurity = "plain",
) -> dict[str, str]:
    """Settings (field names of core.config.Settings, string values) for these peers.

    Pass them as `Settings(**d)`, or as environment variables with `monkeypatch.setenv(k.upper(), v)`.
    """
    out = {
        "imap_host": dovecot.host,
        "imap_port": str(dovecot.imaps_port if imap_security == "ssl" else dovecot.imap_port),
        "imap_user": user,
        "imap_password": dovecot.password,
        "imap_security": imap_security,
        "practice_email": user,
        "mail_authserv_id": smtp.authserv_id if smtp else AUTHSERV_ID,
    }
    if imap_security != "plain":
        out["imap_cafile"] = dovecot.cafile
    if smtp is not None:
        out.update(smtp_host=smtp.host, smtp_port=str(smtp.port), smtp_security=smtp.security)
        if smtp.security != "plain":
            out.update(smtp_user=user, smtp_password=dovecot.password, smtp_cafile=dovecot.cafile)
    return out


@pytest.fixture
def mail_settings(mailbox_clean: Dovecot, smtp_server: SmtpServer) -> dict[str, str]:
    """Plain IMAP + plain SMTP settings for the practice mailbox, which starts empty."""
    return mail_settings_for(mailbox_clean, smtp_server)
