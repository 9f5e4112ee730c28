"""How a mail in the practice mailbox is recognised: 1159 Finance mails, staff commands, the rest.

The formats are those of docs/agency-formats.md. `classify` is pure; it changes nothing. Anything
it does not recognise, or that evidence speaks against (`forged`), comes back as kind `ignored`
with a reason. A recognised mail that nothing vouches for (no MAIL_AUTHSERV_ID, or no header from
it) keeps its kind with `trusted=False`: it is kept for a person to check, never acted on.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date
from typing import TYPE_CHECKING, Literal

from bot import catalogue
from core.domain.money import clean_text
from mail.message import Attachment, ParsedMail
from mail.trust import TrustVerdict, sender_verdict

if TYPE_CHECKING:
    from core.config import Settings

__all__ = ["Classification", "Kind", "MailRules", "classify", "clean_command_text"]

Kind = Literal["agency_contract", "agency_activation", "agency_statement", "staff_command", "ignored"]

# The chat commands' words, written and folded ("bestätigen", "bestaetigen", …)
DEFAULT_COMMAND_KEYWORDS = catalogue.mail_keywords()


@dataclass(frozen=True)
class MailRules:
    """Everything `classify` needs to know; `from_settings` fills it from the product settings."""

    agency_domain: str
    authserv_id: str | None = None  # None: nothing is trusted, recognised mail waits for a person
    max_bytes: int = 40_000_000
    contract_subject: str = r"Inkasso-Vertrag\s+zur\s+Unterschrift"
    activation_subject: str = r"Inkasso-Schnittstelle\s+ist\s+aktiv"
    statement_subject: str = r"Monatsabrechnung\s+(?P<month>\d{1,2})\s*/\s*(?P<year>\d{4})"
    statement_attachment: str = r"Monatsabrechnung_(?P<year>\d{4})-(?P<month>\d{2})\.(?:csv|pdf)$"
    signing_link: str = r"https?://[^\s<>\"')]+/(?:vertrag|_sandbox/sign)/[A-Za-z0-9._~-]+"
    contract_start: str = r"Vertragsbeginn:\s*(?P<day>\d{2})\.(?P<month>\d{2})\.(?P<year>\d{4})"
    client_id: str = (
        r"(?:Kundennummer|Kunden-ID|Client-ID|Mandant(?:ennummer)?)\s*:\s*(?P<id>[A-Za-z0-9._-]+)"
    )
    command_keywords: tuple[str, ...] = DEFAULT_COMMAND_KEYWORDS

    @classmethod
    def from_settings(cls, settings: Settings) -> MailRules:
        return cls(
            agency_domain=settings.finance1159_mail_domain.lower(),
            authserv_id=settings.mail_authserv_id,
            max_bytes=settings.mail_max_bytes,
        )


@dataclass(frozen=True)
class Classification:
    kind: Kind
    trusted: bool  # False for a recognised kind: nothing vouches for the sender (kept, zu prüfen)
    reason: str  # a short keyword: contract, activation, statement, command, forged, too_large, …
    detail: str = ""  # for the log: why, in English
    sender: str | None = None
    signing_link: str | None = None
    client_id: str | None = None
    contract_start: date | None = None
    month: str | None = None  # "YYYY-MM"
    csv_attachment: Attachment | None = None
    pdf_attachment: Attachment | None = None
    command: str | None = None


_REPLY_PREFIX = re.compile(r"^\s*(?:re|aw|antw|fwd?|wg|tr)\s*(?:\[\d+\])?\s*:\s*", re.IGNORECASE)


def clean_command_text(text: str) -> tuple[str, bool]:
    """Normalise one line: NFKC, no invisible marks, single spaces, reply prefixes stripped.

    Returns (text, had_reply_prefix)."""
    text = " ".join(clean_text(text).split())
    had_prefix = False
    while match := _REPLY_PREFIX.match(text):
        text = text[match.end() :]
        had_prefix = True
    return text.strip(), had_prefix


def _first_body_line(body: str) -> str:
    for line in body.splitlines():
        cleaned, _ = clean_command_text(line)
        if cleaned and not cleaned.startswith(">"):
            return cleaned
    return ""


def _is_command(text: str, keywords: tuple[str, ...]) -> bool:
    word = text.split(" ", 1)[0].lstrip("/").casefold() if text else ""
    return word in {k.casefold() for k in keywords}


def find_command(mail: ParsedMail, rules: MailRules) -> str | None:
    """The command of a staff mail: the subject, or the body's first line for replies.

    A reply's subject is inherited ("Re: Forderung 1234") while its first line is what the person
    typed ("Bestätigen 1234 ABC123"), so for replies the body is looked at first."""
    subject, is_reply = clean_command_text(mail.subject)
    body = _first_body_line(mail.text)
    candidates = (body, subject) if is_reply else (subject, body)
    for candidate in candidates:
        if _is_command(candidate, rules.command_keywords):
            return candidate.lstrip("/")
    return None


def _looks_like_agency(mail: ParsedMail, rules: MailRules) -> bool:
    brand = re.sub(r"[^a-z0-9]", "", rules.agency_domain.rpartition(".")[0].lower())
    # "1159 Finance" <x@evil.test>, vertrag@1159-finance.com, a subject naming the agency …
    squashed = re.sub(
        r"[^a-z0-9]", "", f"{mail.from_name} {' '.join(mail.from_addresses)} {mail.subject}".lower()
    )
    return bool(brand and brand in squashed) or _agency_kind(mail, rules) != ""


def _agency_kind(mail: ParsedMail, rules: MailRules) -> Kind | Literal[""]:
    subject = mail.subject
    if re.search(rules.contract_subject, subject, re.IGNORECASE):
        return "agency_contract"
    if re.search(rules.activation_subject, subject, re.IGNORECASE):
        return "agency_activation"
    if re.search(rules.statement_subject, subject, re.IGNORECASE) or any(
        re.search(rules.statement_attachment, a.filename, re.IGNORECASE) for a in mail.attachments
    ):
        return "agency_statement"
    return ""


def classify(mail: ParsedMail, rules: MailRules, *, staff_addresses: frozenset[str]) -> Classification:
    """Recognise a parsed mail; never raises and changes nothing."""
    if mail.size > rules.max_bytes:
        return Classification("ignored", False, "too_large", f"{mail.size} bytes", mail.from_addr)
    staff = frozenset(a.lower() for a in staff_addresses)
    if mail.from_domain == rules.agency_domain or (
        _looks_like_agency(mail, rules) and mail.from_addr not in staff
    ):
        verdict = _verdict(mail, rules, expected_domain=rules.agency_domain, allowed=None)
        if not verdict.trusted and not verdict.missing:
            return Classification("ignored", False, "forged", verdict.reason, mail.from_addr)
        return _agency(mail, rules, verdict)
    if mail.from_addr in staff or (len(mail.from_addresses) > 1 and set(mail.from_addresses) & staff):
        verdict = _verdict(mail, rules, expected_domain=None, allowed=staff)
        if not verdict.trusted and not verdict.missing:
            return Classification("ignored", False, "forged", verdict.reason, mail.from_addr)
        return _staff(mail, rules, verdict)
    if find_command(mail, rules):
        return Classification(
            "ignored", False, "unknown_sender", "command from an unregistered sender", mail.from_addr
        )
    return Classification("ignored", False, "other", "neither agency nor staff", mail.from_addr)


def _verdict(
    mail: ParsedMail, rules: MailRules, *, expected_domain: str | None, allowed: frozenset[str] | None
) -> TrustVerdict:
    return sender_verdict(
        mail,
        expected_domain=expected_domain,
        allowed_addresses=allowed,
        authserv_id=rules.authserv_id,
    )


def _agency(mail: ParsedMail, rules: MailRules, verdict: TrustVerdict) -> Classification:
    kind = _agency_kind(mail, rules)
    if not kind:
        return Classification("ignored", verdict.trusted, "agency_other", verdict.reason, mail.from_addr)
    client = re.search(rules.client_id, mail.text)
    reason = kind.removeprefix("agency_")
    found = Classification(
        kind, verdict.trusted, reason, verdict.reason, mail.from_addr, client_id=client and client["id"]
    )
    if kind == "agency_contract":
        link = re.search(rules.signing_link, mail.text)
        return replace(found, signing_link=link[0] if link else None)
    if kind == "agency_activation":
        return replace(found, contract_start=_start(mail, rules))
    csv, pdf = _statement_files(mail)
    return replace(found, month=_month(mail, rules), csv_attachment=csv, pdf_attachment=pdf)


def _staff(mail: ParsedMail, rules: MailRules, verdict: TrustVerdict) -> Classification:
    trusted, sender = verdict.trusted, mail.from_addr
    if mail.auto_submitted not in (None, "no"):
        return Classification("ignored", trusted, "auto_submitted", mail.auto_submitted or "", sender)
    command = find_command(mail, rules)
    if command is None:
        return Classification("ignored", trusted, "no_command", verdict.reason, sender)
    return Classification("staff_command", trusted, "command", verdict.reason, sender, command=command)


def _start(mail: ParsedMail, rules: MailRules) -> date | None:
    match = re.search(rules.contract_start, mail.text)
    if not match:
        return None
    try:
        return date(int(match["year"]), int(match["month"]), int(match["day"]))
    except ValueError:
        return None


def _month(mail: ParsedMail, rules: MailRules) -> str | None:
    candidates = [re.search(rules.statement_subject, mail.subject, re.IGNORECASE)]
    candidates += [re.search(rules.statement_attachment, a.filename, re.IGNORECASE) for a in mail.attachments]
    for match in candidates:
        if match and 1 <= int(match["month"]) <= 12:
            return f"{match['year']}-{int(match['month']):02d}"
    return None


def _statement_files(mail: ParsedMail) -> tuple[Attachment | None, Attachment | None]:
    def pick(ext: str, ctype: str) -> Attachment | None:
        by_name = [a for a in mail.attachments if a.filename.lower().endswith(ext)]
        by_type = [a for a in mail.attachments if a.content_type == ctype]
        found = by_name or by_type
        return found[0] if found else None

    return pick(".csv", "text/csv"), pick(".pdf", "application/pdf")
