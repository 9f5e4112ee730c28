"""`inkasso doctor`: the settings and every configured peer checked, each finding in German with
what to do. Only reads: nothing is migrated, created or sent (the agency gets one harmless
GET /cases?per_page=1, Telegram a getMe)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from core.config import Settings

__all__ = [
    "Finding",
    "Level",
    "MARKS",
    "chat_settings",
    "exit_code",
    "hint",
    "mail_settings",
    "mail_trust",
    "ok",
    "problem",
]


class Level(StrEnum):
    OK = "ok"
    HINT = "hint"  # works, but could be safer; does not fail the check
    PROBLEM = "problem"


MARKS = {Level.OK: "✓", Level.HINT: "!", Level.PROBLEM: "✗"}


@dataclass(frozen=True)
class Finding:
    area: str  # German, e.g. "Postfach"
    level: Level
    message: str  # German: what was found and, when something is wrong, how to fix it

    @property
    def line(self) -> str:
        return f"{MARKS[self.level]} {self.area}: {self.message}"


def ok(area: str, message: str) -> Finding:
    return Finding(area, Level.OK, message)


def problem(area: str, message: str) -> Finding:
    return Finding(area, Level.PROBLEM, message)


def hint(area: str, message: str) -> Finding:
    return Finding(area, Level.HINT, message)


def exit_code(findings: list[Finding]) -> int:
    """0 only when everything configured works."""
    return 1 if any(f.level is Level.PROBLEM for f in findings) else 0


def mail_settings(settings: Settings) -> list[Finding]:
    """Half a mail configuration is a problem; what is not configured at all is only said."""
    found: list[Finding] = []
    imap: dict[str, object] = {
        "IMAP_HOST": settings.imap_host,
        "IMAP_USER": settings.imap_user,
        "IMAP_PASSWORD": settings.imap_password,
    }
    found += _complete("Postfach (IMAP)", imap, "E-Mails werden nicht gelesen")
    smtp: dict[str, object] = {"SMTP_HOST": settings.smtp_host}
    if settings.smtp_user or settings.smtp_password:  # a relay without login needs neither
        smtp |= {"SMTP_USER": settings.smtp_user, "SMTP_PASSWORD": settings.smtp_password}
    found += _complete("Mailversand (SMTP)", smtp, "E-Mails werden nicht gesendet")
    if settings.imap_host and settings.imap_user:
        found += mail_trust(settings)
    return found


def _complete(area: str, values: dict[str, object], without: str) -> list[Finding]:
    missing = [name for name, value in values.items() if not value]
    if len(missing) == len(values):
        return [ok(area, f"nicht eingerichtet ({without}).")]
    if missing:
        given = ", ".join(name for name in values if name not in missing)
        return [
            problem(
                area,
                f"nur halb eingerichtet: {given} ist gesetzt, es fehlt {', '.join(missing)}. "
                f"Bitte {', '.join(missing)} in .env eintragen oder {given} leeren.",
            )
        ]
    return []


def mail_trust(settings: Settings) -> list[Finding]:
    """Whether mail can act at all, and on what evidence (mail.trust, docs/security.md)."""
    area = "Absenderprüfung"
    found: list[Finding] = []
    if not (settings.mail_authserv_id or "").strip():
        found.append(
            problem(
                area,
                "MAIL_AUTHSERV_ID fehlt: keine Mail wirkt. Mails von 1159 Finance werden aufbewahrt und "
                "im Dashboard (Onboarding) zur Prüfung gezeigt, Befehls-Mails weder ausgeführt noch "
                "beantwortet. Bitte die authserv-id des eigenen Mailservers eintragen (das erste Wort "
                "seiner Authentication-Results-Kopfzeilen, z. B. mx.praxis.de).",
            )
        )
    else:
        found.append(
            ok(
                area,
                f"Mails wirken nur mit bestandenem DKIM- oder DMARC-Ergebnis von {settings.mail_authserv_id} "
                "für die Absenderdomain; alles andere wartet im Dashboard auf eine Prüfung.",
            )
        )
    if settings.mail_require_auth_results is False:
        found.append(
            hint(
                area,
                "MAIL_REQUIRE_AUTH_RESULTS=false wird nicht mehr beachtet: ohne Nachweis wirkt keine Mail. "
                "Bitte die Zeile aus .env entfernen.",
            )
        )
    return found


def chat_settings(settings: Settings) -> list[Finding]:
    if settings.telegram_bot_token is not None and settings.practice_chat_id is None:
        return [
            hint(
                "Telegram",
                "PRACTICE_CHAT_ID fehlt: Meldungen für den Praxis-Chat gehen nirgends hin. Bitte die "
                "Chat-ID der Praxisgruppe eintragen.",
            )
        ]
    return []
