"""The agency's mails to the practice (agency-formats.md), sent over SMTP with aiosmtplib."""

from __future__ import annotations

import secrets
import ssl
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

import aiosmtplib

from core.config import MailSecurity
from core.finance1159.sandbox import statement
from core.finance1159.sandbox.runtime import Runtime

__all__ = [
    "MailNotSent",
    "SUBJECT_ACTIVATION",
    "SUBJECT_CONTRACT",
    "SUBJECT_STATEMENT",
    "activation_mail",
    "contract_mail",
    "send",
    "statement_mail",
]


class MailNotSent(Exception):
    """The sandbox has no SMTP server to send through."""


SUBJECT_CONTRACT = "1159 Finance: Ihr Inkasso-Vertrag zur Unterschrift"
SUBJECT_ACTIVATION = "1159 Finance: Ihre Inkasso-Schnittstelle ist aktiv"
SUBJECT_STATEMENT = "1159 Finance: Monatsabrechnung {mm}/{yyyy}"


def _message(runtime: Runtime, sender: str, subject: str, body: str) -> EmailMessage:
    config = runtime.config
    msg = EmailMessage()
    msg["From"] = f"1159 Finance GmbH <{sender}@{config.mail_domain}>"
    msg["To"] = config.practice_email
    msg["Subject"] = subject
    msg["Date"] = formatdate(runtime.clock.now().timestamp(), localtime=False)
    msg["Message-ID"] = make_msgid(domain=config.mail_domain)
    msg.set_content(body)
    return msg


def contract_mail(runtime: Runtime) -> EmailMessage:
    token = secrets.token_urlsafe(16)
    with runtime.store.transaction() as conn:
        conn.execute("INSERT INTO signings (token, created_at) VALUES (?, ?)", (token, runtime.clock.stamp()))
    link = f"{runtime.config.public_url.rstrip('/')}/_sandbox/sign/{token}"
    client_id = runtime.config.client_id
    text = (
        "Guten Tag,\n\nvielen Dank für Ihr Interesse an der Inkasso-Schnittstelle von 1159 Finance.\n"
        f"Bitte unterzeichnen Sie Ihren Vertrag hier:\n{link}\n\nIhre Client-ID: {client_id}\n\n"
        "Nach Ihrer Unterschrift prüfen wir die Unterlagen und melden uns.\n\nIhr Team von 1159 Finance"
    )
    msg = _message(runtime, "vertrag", SUBJECT_CONTRACT, text)
    msg.add_alternative(
        f'<p>Guten Tag,</p><p>bitte unterzeichnen Sie Ihren Inkasso-Vertrag: <a href="{link}">{link}</a></p>'
        f"<p>Ihre Client-ID: {client_id}</p><p>Ihr Team von 1159 Finance</p>",
        subtype="html",
    )
    return msg


def activation_mail(runtime: Runtime) -> EmailMessage:
    start = runtime.clock.today()
    runtime.store.set_meta("contract_start", start.isoformat())
    text = (
        "Guten Tag,\n\nIhr Inkasso-Vertrag ist gegengezeichnet, Ihre Schnittstelle ist ab sofort aktiv.\n"
        f"Client-ID: {runtime.config.client_id}\nVertragsbeginn: {start.strftime('%d.%m.%Y')}\n\n"
        "Ihr Team von 1159 Finance"
    )
    return _message(runtime, "vertrag", SUBJECT_ACTIVATION, text)


def statement_mail(runtime: Runtime, month: str) -> EmailMessage:
    rows = statement.bookings(runtime, month)
    yyyy, mm = month.split("-")
    text = (
        f"Guten Tag,\n\nanbei Ihre Monatsabrechnung {mm}/{yyyy} mit {len(rows)} Buchungen "
        "(PDF für Ihre Unterlagen, CSV für Ihre Buchhaltung).\n"
        f"Client-ID: {runtime.config.client_id}\n\nIhr Team von 1159 Finance"
    )
    msg = _message(runtime, "abrechnung", SUBJECT_STATEMENT.format(mm=mm, yyyy=yyyy), text)
    name = f"Monatsabrechnung_{yyyy}-{mm}"
    msg.add_attachment(
        statement.to_pdf(rows, month, runtime.config.client_id),
        maintype="application",
        subtype="pdf",
        filename=f"{name}.pdf",
    )
    msg.add_attachment(statement.to_csv(rows), maintype="text", subtype="csv", filename=f"{name}.csv")
    return msg


async def send(runtime: Runtime, msg: EmailMessage) -> None:
    config = runtime.config
    if not config.smtp_host:
        raise MailNotSent("no SMTP server configured for the sandbox (--smtp-host or SMTP_HOST)")
    context = ssl.create_default_context(cafile=config.smtp_cafile) if config.smtp_cafile else None
    await aiosmtplib.send(
        msg,
        hostname=config.smtp_host,
        port=config.smtp_port,
        username=config.smtp_user,
        password=config.smtp_password,
        use_tls=config.smtp_security == MailSecurity.SSL,
        # False, not None: plain must stay plain even if the server offers STARTTLS.
        start_tls=config.smtp_security == MailSecurity.STARTTLS,
        tls_context=context,
        timeout=30,
    )
