"""Debian's Dovecot as a test peer: config, users, certificate, start/stop/restart, LMTP delivery."""

from __future__ import annotations

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
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from imap_tools import BaseMailBox, MailBox, MailBoxUnencrypted, MailMessage

from tests.peers.ports import free_port, wait_port, wait_port_closed

__all__ = [
    "MAIL_PASSWORD",
    "MAIL_USERS",
    "PRACTICE_EMAIL",
    "Dovecot",
    "make_dovecot",
    "require_binary",
]

PRACTICE_EMAIL = "praxis@example.test"
MAIL_USERS = (PRACTICE_EMAIL, "chef@example.test", "anna@example.test", "other@example.test")
MAIL_PASSWORD = "secret"
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
            # PDEATHSIG fires when the *thread* that started the child ends: only the main thread
            # lives as long as pytest (a start from asyncio.to_thread would die with its worker).
            preexec_fn=_die_with_parent if threading.current_thread() is threading.main_thread() else None,
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
