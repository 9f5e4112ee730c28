"""Command mails from registered staff, answered by mail through the chat's command layer:
the two-step claim (overview with a code, then the code sent back), payment and status.
Real aiosmtpd (which stamps Authentication-Results), Dovecot and the 1159 Finance sandbox."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path

import aiosmtplib
import pytest
from sqlmodel import col, update

from core.bootstrap import App
from core.db.models import MailRecord
from core.domain.dates import utcnow
from core.services.messaging import mail_records
from core.services.people.access import Role
from mail.intake import intake_once
from mail.message import ParsedMail, parse
from tests.factories import add_user
from tests.integration.chat.bot_helpers import counts, overdue_invoice, seed_practice, wire_app
from tests.integration.mail.mail_helpers import DONE, folder_view, plain_mail, records, with_auth
from tests.peers.mailserver import PRACTICE_EMAIL, Dovecot, SmtpServer, mail_settings_for
from tests.peers.sandbox import SandboxHandle

ANNA, STRANGER = "anna@example.test", "other@example.test"


@pytest.fixture
async def app(
    mailbox_clean: Dovecot, smtp_server: SmtpServer, sandbox: SandboxHandle, sqlite_url: str, tmp_path: Path
) -> AsyncIterator[App]:
    app = wire_app(sqlite_url, tmp_path, sandbox, None, **mail_settings_for(mailbox_clean, smtp_server))
    seed_practice(app)
    add_user(app, role=Role.STAFF, email=ANNA, name="Anna Empfang")
    overdue_invoice(app, "R-1")
    yield app
    await app.aclose()
    app.close()


async def send(
    smtp: SmtpServer, subject: str, body: str = "", *, frm: str = ANNA, reply_to: ParsedMail | None = None
) -> str:
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = frm, PRACTICE_EMAIL, subject
    msg["Message-ID"] = make_msgid(domain="example.test")
    if reply_to is not None:
        msg["In-Reply-To"] = reply_to.message_id or ""
    msg.set_content(body or "Gesendet von meinem Telefon")
    await aiosmtplib.send(msg, hostname=smtp.host, port=smtp.port)
    return str(msg["Message-ID"])


def replies(box: Dovecot, user: str = ANNA) -> list[ParsedMail]:
    return [parse(m.obj.as_bytes()) for m in box.messages(user)]


def code_in(mail: ParsedMail) -> str:
    match = re.search(r"Antworten Sie mit: Bestätigen (\S+)", mail.text)
    assert match, mail.text
    return match[1]


async def test_a_claim_by_mail_needs_the_code_sent_back(
    app: App, mailbox_clean: Dovecot, smtp_server: SmtpServer
) -> None:
    asked = await send(smtp_server, "Forderung R-1")
    await intake_once(app)

    [overview] = replies(mailbox_clean)
    assert "Übersicht – Forderung R-1" in overview.text and overview.subject == "Re: Forderung R-1"
    assert overview.auto_submitted == "auto-replied"
    assert counts(app).claims == 0
    code = code_in(overview)
    assert f"Antworten Sie mit: Abbrechen {code}" in overview.text

    await send(smtp_server, "Re: Forderung R-1", f"Bestätigen {code}\n\n> Übersicht …", reply_to=overview)
    await intake_once(app)

    assert counts(app).claims == 1
    confirmation = replies(mailbox_clean)[-1]
    assert "R-1" in confirmation.text and "Bestätigen" not in confirmation.subject
    kinds = [(r.kind, r.outcome.split(":")[0]) for r in records(app)]
    assert kinds == [("staff_command", "done"), ("staff_command", "done")]
    assert [r.kind for r in records(app, "out")] == ["command_reply", "command_reply"]
    assert all(r.outcome == "sent" for r in records(app, "out"))
    assert records(app)[0].message_key == asked
    assert folder_view(mailbox_clean) == [] and len(folder_view(mailbox_clean, DONE)) == 2


async def test_the_same_confirmation_delivered_twice_creates_one_claim(
    app: App, mailbox_clean: Dovecot, smtp_server: SmtpServer
) -> None:
    await send(smtp_server, "Forderung R-1")
    await intake_once(app)
    code = code_in(replies(mailbox_clean)[0])
    confirm = EmailMessage()
    confirm["From"], confirm["To"], confirm["Subject"] = ANNA, PRACTICE_EMAIL, f"Bestätigen {code}"
    confirm["Message-ID"] = make_msgid(domain="example.test")
    confirm.set_content("ok")
    for _ in range(2):
        await aiosmtplib.send(confirm, hostname=smtp_server.host, port=smtp_server.port)

    report = await intake_once(app)

    assert (report.handled, report.duplicates) == (1, 1)
    assert counts(app).claims == 1 and len(replies(mailbox_clean)) == 2


async def test_payment_and_status_by_mail_are_answered(
    app: App, mailbox_clean: Dovecot, smtp_server: SmtpServer
) -> None:
    await send(smtp_server, "Forderung R-1")
    await intake_once(app)
    await send(smtp_server, f"Bestätigen {code_in(replies(mailbox_clean)[0])}")
    await intake_once(app)

    await send(smtp_server, "Zahlung R-1 50,00")
    await send(smtp_server, "Status R-1")
    await intake_once(app)

    payment, status = replies(mailbox_clean)[-2:]
    assert payment.subject == "Re: Zahlung R-1 50,00" and "50,00" in payment.text
    assert status.subject == "Re: Status R-1" and "Forderung R-1" in status.text
    assert counts(app).payments == 1


async def test_commands_from_strangers_and_forged_staff_mail_change_nothing_and_get_no_answer(
    app: App, mailbox_clean: Dovecot, smtp_server: SmtpServer
) -> None:
    await send(smtp_server, "Forderung R-1", frm=STRANGER)
    smtp_server.auth_verdict = "fail"
    await send(smtp_server, "Forderung R-1")  # claims to be Anna; the receiving server disagrees
    before = folder_view(mailbox_clean)

    report = await intake_once(app)

    assert report.ignored == 2 and report.handled == 0
    assert folder_view(mailbox_clean) == before and all("\\Seen" not in f for _, f in before)
    assert replies(mailbox_clean) == [] and replies(mailbox_clean, STRANGER) == []
    assert records(app) == [] and records(app, "out") == [] and counts(app).claims == 0


async def test_a_command_interrupted_by_a_dead_worker_is_not_repeated_and_the_sender_is_told(
    app: App, mailbox_clean: Dovecot, smtp_server: SmtpServer
) -> None:
    key = await send(smtp_server, "Zahlung R-1 50,00")
    raw = smtp_server.messages[-1].data
    assert mail_records.claim(
        app.uow(), practice_id=app.practice_id, message_key=key, raw=raw, kind="staff_command"
    )
    with app.uow() as uow:
        uow.session.exec(
            update(MailRecord)
            .where(col(MailRecord.message_key) == key)
            .values(at=utcnow() - timedelta(minutes=20))
        )
        uow.commit()

    report = await intake_once(app)

    assert report.failed == 1 and counts(app).payments == 0
    [told] = replies(mailbox_clean)
    assert "möglicherweise nicht ausgeführt" in told.text
    assert records(app)[0].outcome.startswith("failed: interrupted")
    assert len(folder_view(mailbox_clean)) == 1  # left for a person to look at


async def test_a_command_mail_that_arrived_weeks_ago_is_not_carried_out(
    app: App, mailbox_clean: Dovecot, smtp_server: SmtpServer
) -> None:
    old = plain_mail(frm=ANNA, subject="Zahlung R-1 50,00")
    with mailbox_clean.mailbox() as box:  # as found when the intake first starts on an old mailbox
        box.append(with_auth(old, "example.test"), "INBOX", dt=datetime.now(UTC) - timedelta(days=30))

    report = await intake_once(app)

    assert (report.ignored, report.downloaded) == (1, 0)
    assert counts(app).payments == 0 and replies(mailbox_clean) == [] and records(app) == []
    [(_, flags)] = folder_view(mailbox_clean)
    assert "\\Seen" not in flags
