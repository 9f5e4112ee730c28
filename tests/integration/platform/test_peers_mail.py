"""The mail peers work: SMTP relays into Dovecot, LMTP delivers, Dovecot restarts in place."""

from __future__ import annotations

import smtplib
import threading
from email.message import EmailMessage

import aiosmtplib
import imap_tools
import pytest

from core.config import MailSecurity, Settings
from tests.peers.mailserver import PRACTICE_EMAIL, Dovecot, SmtpServer, mail_settings_for


def _message(subject: str, sender: str = "chef@example.test", to: str = PRACTICE_EMAIL) -> EmailMessage:
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = sender, to, subject
    msg.set_content("Hallo Praxis")
    msg.add_attachment(b"%PDF-1.4 fake", maintype="application", subtype="pdf", filename="vertrag.pdf")
    return msg


async def test_mail_sent_over_smtp_arrives_over_imap_with_authentication_results(
    mail_settings: dict[str, str], smtp_server: SmtpServer, dovecot: Dovecot
) -> None:
    await aiosmtplib.send(_message("Vertrag"), hostname=smtp_server.host, port=smtp_server.port)

    assert [(m.mail_from, m.rcpt_tos) for m in smtp_server.messages] == [
        ("chef@example.test", [PRACTICE_EMAIL])
    ]
    assert b"Authentication-Results" not in smtp_server.messages[0].data
    with dovecot.mailbox() as box:
        (mail,) = list(box.fetch())
    assert mail.subject == "Vertrag"
    assert mail.headers["authentication-results"] == (
        "mx.praxis.test; dkim=pass header.d=example.test; spf=pass smtp.mailfrom=example.test;"
        " dmarc=pass header.from=example.test",
    )
    assert [a.filename for a in mail.attachments] == ["vertrag.pdf"]


async def test_forged_sender_is_relayed_with_failing_verdicts(
    mailbox_clean: Dovecot, smtp_server: SmtpServer
) -> None:
    smtp_server.auth_verdict = "fail"
    await aiosmtplib.send(
        _message("Aktivierung", sender="noreply@1159finance.com"),
        sender="bounce@evil.test",
        recipients=[PRACTICE_EMAIL],
        hostname=smtp_server.host,
        port=smtp_server.port,
    )
    with mailbox_clean.mailbox() as box:
        (mail,) = list(box.fetch())
    (header,) = mail.headers["authentication-results"]
    assert "dkim=fail header.d=1159finance.com" in header
    assert "spf=fail smtp.mailfrom=evil.test" in header


async def test_relay_without_verdict_adds_no_header_and_records_unknown_recipients(
    mailbox_clean: Dovecot, smtp_server: SmtpServer
) -> None:
    smtp_server.auth_verdict = None
    await aiosmtplib.send(
        _message("Ohne"), recipients=[PRACTICE_EMAIL, "support@1159finance.com"],
        hostname=smtp_server.host, port=smtp_server.port,
    )  # fmt: skip
    assert smtp_server.undeliverable == ["support@1159finance.com"]
    with mailbox_clean.mailbox() as box:
        (mail,) = list(box.fetch())
    assert "authentication-results" not in mail.headers


def test_lmtp_delivery_puts_raw_bytes_into_each_mailbox(mailbox_clean: Dovecot) -> None:
    raw = _message("Direkt", to="anna@example.test").as_bytes()
    mailbox_clean.deliver(raw, ["anna@example.test", "chef@example.test"])
    for user in ("anna@example.test", "chef@example.test"):
        with mailbox_clean.mailbox(user, tls=True) as box:
            (mail,) = list(box.fetch(mark_seen=False))
            assert mail.subject == "Direkt"
            assert "authentication-results" not in mail.headers
    with pytest.raises(smtplib.SMTPRecipientsRefused):
        mailbox_clean.deliver(raw, "nobody@example.test")


def test_mailbox_clean_leaves_only_the_standard_folders_empty(dovecot: Dovecot) -> None:
    with dovecot.mailbox() as box:
        box.folder.create("Praxis-Inkasso/Erledigt")
        box.append(_message("Erledigt").as_bytes(), "Praxis-Inkasso/Erledigt")
    dovecot.deliver(_message("Alt").as_bytes(), PRACTICE_EMAIL)
    dovecot.empty()
    with dovecot.mailbox() as box:
        assert sorted(f.name for f in box.folder.list()) == ["Archive", "INBOX", "Trash"]
        assert box.uids() == []


def test_dovecot_restart_keeps_ports_and_mail_but_drops_connections(mailbox_clean: Dovecot) -> None:
    mailbox_clean.deliver(_message("Vorher").as_bytes(), PRACTICE_EMAIL)
    box = mailbox_clean.mailbox()
    mailbox_clean.restart()
    with pytest.raises(box.client.abort):  # the old session is gone, as after a real restart
        box.uids()
    box.client.shutdown()
    with mailbox_clean.mailbox() as fresh:
        assert [m.subject for m in fresh.fetch()] == ["Vorher"]


async def test_starttls_server_requires_auth_and_relays(
    mailbox_clean: Dovecot, smtp_server_starttls: SmtpServer
) -> None:
    smtp = smtp_server_starttls
    with pytest.raises(aiosmtplib.SMTPAuthenticationError):
        await aiosmtplib.send(
            _message("x"), hostname="localhost", port=smtp.port, start_tls=True,
            tls_context=mailbox_clean.ssl_context(), username=PRACTICE_EMAIL, password="wrong",
        )  # fmt: skip
    await aiosmtplib.send(
        _message("TLS"), hostname="localhost", port=smtp.port, start_tls=True,
        tls_context=mailbox_clean.ssl_context(), username=PRACTICE_EMAIL, password="secret",
    )  # fmt: skip
    assert smtp.logins == [PRACTICE_EMAIL]
    assert [m.subject for m in mailbox_clean.messages()] == ["TLS"]


async def test_implicit_tls_server_relays(mailbox_clean: Dovecot, smtp_server_tls: SmtpServer) -> None:
    await aiosmtplib.send(
        _message("SMTPS"), hostname="127.0.0.1", port=smtp_server_tls.port, use_tls=True,
        tls_context=mailbox_clean.ssl_context(), username="chef@example.test", password="secret",
    )  # fmt: skip
    assert [m.subject for m in mailbox_clean.messages()] == ["SMTPS"]


def test_mail_settings_build_the_products_settings(mail_settings: dict[str, str], dovecot: Dovecot) -> None:
    settings = Settings(**mail_settings)  # type: ignore[arg-type]
    assert settings.imap_security is MailSecurity.PLAIN
    assert settings.imap_port == dovecot.imap_port
    assert settings.mail_authserv_id == "mx.praxis.test"
    ssl_settings = Settings(**mail_settings_for(dovecot, imap_security="ssl"))  # type: ignore[arg-type]
    box = imap_tools.MailBox(
        ssl_settings.imap_host or "", ssl_settings.imap_port, ssl_context=dovecot.ssl_context()
    )
    with box.login(ssl_settings.imap_user or "", dovecot.password):
        pass


def test_wait_for_messages_sees_mail_sent_from_another_thread(smtp_server: SmtpServer) -> None:
    def send() -> None:
        with smtplib.SMTP(smtp_server.host, smtp_server.port) as client:
            client.send_message(_message("Aus dem Worker", to="anna@example.test"))

    worker = threading.Thread(target=send)
    worker.start()
    (received,) = smtp_server.wait_for_messages(1)
    worker.join()
    assert received.rcpt_tos == ["anna@example.test"]
    with pytest.raises(TimeoutError):
        smtp_server.wait_for_messages(2, timeout=0.05)


async def test_a_stopped_dovecot_makes_the_relay_answer_451(
    dovecot: Dovecot, smtp_server: SmtpServer
) -> None:
    dovecot.stop()
    try:
        with pytest.raises(aiosmtplib.SMTPDataError) as refused:
            await aiosmtplib.send(_message("Weg"), hostname=smtp_server.host, port=smtp_server.port)
        assert refused.value.code == 451
        assert len(await smtp_server.async_wait_for_messages(1)) == 1  # still recorded
    finally:
        dovecot.start()
