"""`inkasso doctor`: every setting and every configured peer checked; German findings, exit 0 or 1."""

from __future__ import annotations

import asyncio
import logging

import typer

from cli.common import friendly, load_settings
from core.bootstrap import configure_logging
from core.config import Settings
from core.domain.errors import InkassoError
from core.ops import doctor, doctor_peers
from core.ops.doctor import Finding, Level, ok, problem

__all__ = ["doctor_cmd", "findings", "mail_server", "mailbox"]

MAILBOX, SMTP = "Postfach (IMAP)", "Mailversand (SMTP)"


def mailbox(settings: Settings) -> Finding:
    from mail.imap import ImapConnection

    try:
        conn = ImapConnection.open(settings, timeout=10)
    except InkassoError as exc:
        return problem(MAILBOX, exc.user_message)
    try:
        if not conn.box.folder.exists(settings.imap_folder):
            return problem(
                MAILBOX, f"den Ordner {settings.imap_folder} gibt es nicht. Bitte IMAP_FOLDER prüfen."
            )
    finally:
        conn.close()
    return ok(MAILBOX, f"Anmeldung als {settings.imap_user} klappt, Ordner {settings.imap_folder} gefunden.")


async def mail_server(settings: Settings) -> Finding:
    from core.smtp.transport import check_login

    try:
        await check_login(settings)
    except InkassoError as exc:
        return problem(SMTP, exc.user_message)
    return ok(SMTP, f"{settings.smtp_host}:{settings.smtp_port} nimmt die Verbindung an.")


async def findings(settings: Settings) -> list[Finding]:
    found = [ok("Einstellungen", "gültig.")]
    found += doctor.mail_settings(settings) + doctor.chat_settings(settings)
    database = await asyncio.to_thread(doctor_peers.database, settings)
    found.append(database)
    if database.level is Level.OK:
        found += await asyncio.to_thread(doctor_peers.recorded_problems, settings)
    found.append(await doctor_peers.agency(settings))
    found.append(await doctor_peers.telegram(settings))
    if settings.imap_host and settings.imap_user:
        found.append(await asyncio.to_thread(mailbox, settings))
    if settings.smtp_host and (settings.smtp_password or not settings.smtp_user):
        found.append(await mail_server(settings))
    return found


@friendly
def doctor_cmd() -> None:
    """Einstellungen und alle eingerichteten Gegenstellen prüfen (Datenbank, 1159 Finance, Postfach, …)."""
    configure_logging(logging.ERROR)
    settings = load_settings()
    found = asyncio.run(findings(settings))
    for finding in found:
        typer.echo(finding.line)
    code = doctor.exit_code(found)
    typer.echo("Alles in Ordnung." if code == 0 else "Es gibt Probleme (✗); siehe oben.")
    raise typer.Exit(code)
