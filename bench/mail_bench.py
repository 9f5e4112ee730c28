"""Mail intake against a real Dovecot: 2,000 messages, 5 % of them for us; prints messages per
second and peak memory for the first pass and for a pass with nothing new.

    .venv/bin/python bench/mail_bench.py [--messages 2000] [--relevant 0.05]

Starts its own Dovecot (the test peer code in tests/peers) and an aiosmtpd server for the
replies to command mails. The relevant mail is monthly statements (CSV + PDF), staff command
mails (answered by mail) and forged agency mails; the rest is private mail, some with attachments.
Targets: first pass at least 100 messages/s; a pass with nothing new downloads no message body.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import random
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from email.message import EmailMessage
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the tests' peer code

from core.bootstrap import App, build  # noqa: E402
from core.config import Settings  # noqa: E402
from core.db.models import Practice  # noqa: E402
from core.domain.onboarding import OnboardingState  # noqa: E402
from core.services.people import users  # noqa: E402
from core.services.people.access import OPERATOR  # noqa: E402
from mail import imap  # noqa: E402
from mail.intake import PassReport, intake_once  # noqa: E402
from tests.peers.dovecot import PRACTICE_EMAIL, make_dovecot  # noqa: E402
from tests.peers.ports import peer_dir  # noqa: E402
from tests.peers.smtp import SmtpServer, mail_settings_for  # noqa: E402

TARGET_FIRST_PASS = 100.0  # messages per second
STAFF = "anna@example.test"
AR = (
    "Authentication-Results: mx.praxis.test; dkim={v} header.d=1159finance.com;"
    " dmarc={v} header.from=1159finance.com\r\n"
)


def _mail(frm: str, subject: str, body: str, n: int) -> EmailMessage:
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = frm, PRACTICE_EMAIL, subject
    msg["Date"] = "Mon, 02 Nov 2026 09:00:00 +0000"
    msg["Message-ID"] = f"<bench-{n}@bench.test>"
    msg.set_content(body)
    return msg


def statement(n: int) -> bytes:
    month = 1 + n % 12
    msg = _mail(
        "1159 Finance <abrechnung@1159finance.com>",
        f"1159 Finance: Monatsabrechnung {month:02d}/2026",
        "anbei",
        n,
    )
    csv = "\ufeffFall-Nr;Rechnungsnummer;Buchungsdatum;Buchungsart;Betrag\r\n"
    csv += "".join(f"{i};R-{i};03.{month:02d}.2026;Zahlung Schuldner;{i},00\r\n" for i in range(1, 30))
    name = f"Monatsabrechnung_2026-{month:02d}"
    msg.add_attachment(
        b"%PDF-1.4\n" + b"0" * 30_000, maintype="application", subtype="pdf", filename=f"{name}.pdf"
    )
    msg.add_attachment(csv.encode(), maintype="text", subtype="csv", filename=f"{name}.csv")
    return AR.format(v="pass").encode() + msg.as_bytes()


def command(n: int) -> bytes:
    return (
        b"Authentication-Results: mx.praxis.test; dmarc=pass header.from=example.test\r\n"
        + _mail(STAFF, "Hilfe", "Bitte die Befehle", n).as_bytes()
    )


def forged(n: int) -> bytes:
    msg = _mail(
        "1159 Finance <vertrag@1159finance.com>", "1159 Finance: Ihr Inkasso-Vertrag zur Unterschrift", "x", n
    )
    return AR.format(v="fail").encode() + msg.as_bytes()


def private(n: int, rng: random.Random) -> bytes:
    msg = _mail(f"person{n}@example.org", f"Termin {n}", "Hallo,\n" + "bla " * rng.randint(20, 2000), n)
    if n % 10 == 0:
        msg.add_attachment(rng.randbytes(60_000), maintype="image", subtype="jpeg", filename=f"foto{n}.jpg")
    return msg.as_bytes()


def corpus(total: int, share: float) -> Iterator[tuple[str, bytes]]:
    rng = random.Random(1159)
    relevant = set(rng.sample(range(total), int(total * share)))
    kinds: list[Callable[[int], bytes]] = [statement, statement, statement, command, forged]
    for n in range(total):
        if n in relevant:
            make = kinds[n % len(kinds)]
            yield make.__name__, make(n)
        else:
            yield "private", private(n, rng)


def _status_mb(field: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


def peak_rss_mb() -> float:
    return _status_mb("VmHWM")


def rss_mb() -> float:
    return _status_mb("VmRSS")


def reset_peak() -> None:
    Path("/proc/self/clear_refs").write_text("5")  # Linux: VmHWM starts again from the current RSS


class Counting:
    """Counts the FETCH commands that download message bodies (BODY.PEEK[]) and headers."""

    def __init__(self) -> None:
        self.bodies = 0
        self.header_fetches = 0
        real_raw, real_headers = imap.ImapConnection.fetch_raw, imap.ImapConnection.fetch_headers

        def fetch_raw(conn: imap.ImapConnection, uid: int) -> Any:
            self.bodies += 1
            return real_raw(conn, uid)

        def fetch_headers(conn: imap.ImapConnection, uids: list[int]) -> Any:
            self.header_fetches += 1
            return real_headers(conn, uids)

        setattr(imap.ImapConnection, "fetch_raw", fetch_raw)  # noqa: B010 - counting wrapper
        setattr(imap.ImapConnection, "fetch_headers", fetch_headers)  # noqa: B010


def timed_pass(app: App, counter: Counting) -> tuple[PassReport, float, str, int]:
    reset_peak()
    base = rss_mb()
    before = counter.bodies
    start = time.perf_counter()
    report = asyncio.run(intake_once(app))
    peak = peak_rss_mb()
    memory = f"peak RSS {peak:.0f} MB (+{peak - base:.0f} MB during the pass)"
    return report, time.perf_counter() - start, memory, counter.bodies - before


def main() -> int:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    for noisy in ("pypdf", "mail"):  # the bench PDFs are stubs; forged mails are expected here
        logging.getLogger(noisy).setLevel(logging.ERROR)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--relevant", type=float, default=0.05)
    args = parser.parse_args()
    binary = shutil.which("dovecot") or shutil.which("dovecot", path="/usr/sbin:/usr/local/sbin")
    if not binary:
        print("dovecot is not installed: apt-get install -y dovecot-imapd dovecot-lmtpd")
        return 2
    folder = Path(tempfile.mkdtemp(prefix="praxis-mail-bench-"))
    dovecot = make_dovecot(peer_dir("mail-bench-dovecot"))  # owned by the mail user, not in `folder`
    dovecot.binary = binary
    dovecot.start()
    smtp = SmtpServer(None)
    smtp.start()
    try:
        return run(args, folder, dovecot, smtp)
    finally:
        smtp.stop()
        dovecot.stop()
        shutil.rmtree(folder, ignore_errors=True)
        shutil.rmtree(dovecot.dir, ignore_errors=True)


def fill_maildir(dovecot: Any, args: argparse.Namespace, counts: dict[str, int]) -> None:
    """Write the messages straight into the practice's Maildir (thousands of APPENDs take a minute)."""
    maildir = dovecot.dir / "mail" / PRACTICE_EMAIL / "Maildir"
    owner = dovecot.dir.stat()
    for sub in ("cur", "new", "tmp"):
        (maildir / sub).mkdir(parents=True, exist_ok=True)
    for n, (kind, raw) in enumerate(corpus(args.messages, args.relevant)):
        counts[kind] = counts.get(kind, 0) + 1
        path = maildir / "new" / f"{1_790_000_000 + n}.bench{n}.localhost"
        path.write_bytes(raw.replace(b"\r\n", b"\n"))  # Maildir files use bare LF
    for path in (maildir.parent, *maildir.parent.rglob("*")):
        os.chown(path, owner.st_uid, owner.st_gid)


def run(args: argparse.Namespace, folder: Path, dovecot: Any, smtp: SmtpServer) -> int:
    start = time.perf_counter()
    counts: dict[str, int] = {}
    fill_maildir(dovecot, args, counts)
    with dovecot.mailbox() as box:  # let Dovecot index the new files before the clock starts
        box.folder.status("INBOX")
        box.folder.set("INBOX")
    print(f"mailbox: {args.messages:,} messages {counts}, filled in {time.perf_counter() - start:.1f} s")

    peers: dict[str, Any] = dict(mail_settings_for(dovecot, smtp))
    settings = Settings(database_url=f"sqlite:///{folder / 'bench.db'}", data_dir=folder, **peers)
    app = build(settings)
    with app.uow() as uow:
        uow.session.add(
            Practice(id=app.practice_id, name="Bench-Praxis", street="Weg 1", zip="01001", city="Ort",
                     email=PRACTICE_EMAIL, onboarding_state=OnboardingState.ACTIVE)
        )  # fmt: skip
        uow.commit()
    users.add(app.uow(), practice_id=app.practice_id, actor=OPERATOR, role="staff", email=STAFF)
    counter = Counting()

    first, t1, rss1, bodies1 = timed_pass(app, counter)
    rate1 = args.messages / t1
    print(
        f"first pass:   {rate1:8.0f} messages/s ({t1:.2f} s), {rss1}; "
        f"bodies downloaded {bodies1}, handled {first.handled}, ignored {first.ignored}, "
        f"failed {first.failed}"
    )
    headers_before = counter.header_fetches
    second, t2, rss2, bodies2 = timed_pass(app, counter)
    print(
        f"nothing new:  {args.messages / t2:8.0f} messages/s ({t2:.3f} s), {rss2}; "
        f"bodies downloaded {bodies2}, header fetches {counter.header_fetches - headers_before}"
    )
    print(f"replies sent: {len(smtp.messages)}")
    ok = rate1 >= TARGET_FIRST_PASS and bodies2 == 0 and second.new == 0
    print(
        f"targets: first pass >= {TARGET_FIRST_PASS:.0f}/s, nothing-new pass 0 bodies: "
        + ("met" if ok else "MISSED")
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
