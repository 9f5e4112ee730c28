"""The practice's book settings: read and save, for `inkasso books setup` and the settings page
(Einstellungen → Buchhaltung).

Chart (SKR03/SKR04), basis (cash by default), DATEV consultant and client number, fiscal-year
start and the account of every role in chart.ROLES. Without a stored row the SKR03 presets and
cash basis apply, with the DATEV numbers from the environment (DATEV_CONSULTANT_NUMBER, …).
Every value is checked; a wrong one is refused in German and nothing is saved.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sqlmodel import Session

from core.config import Settings
from core.db.engine import UnitOfWork
from core.db.models import BookSettings
from core.domain.dates import utcnow
from core.domain.errors import InvalidInput
from core.services.accounting.chart import ROLES, Account, check_account, parse_chart, presets
from core.services.accounting.journal import Book
from core.services.people import audit
from core.services.people.access import Actor, Permission, require

__all__ = [
    "BASES",
    "BookSetup",
    "check_client",
    "check_consultant",
    "current_book",
    "parse_basis",
    "parse_month_number",
    "read_settings",
    "save_settings",
]

BASES = {"cash": "Ist (Einnahmenüberschussrechnung, § 4 Abs. 3 EStG)", "accrual": "Soll (Bilanzierung)"}
_BASIS_WORDS = {"cash": "cash", "ist": "cash", "eür": "cash", "accrual": "accrual", "soll": "accrual"}


@dataclass(frozen=True)
class BookSetup:
    chart: str
    basis: str  # cash | accrual
    consultant_number: str
    client_number: str
    fiscal_year_start: int
    accounts: dict[str, Account]  # role key (chart.ROLES) → account
    stored: bool  # False: nothing saved yet, these are the presets

    def book(self) -> Book:
        return Book(
            self.chart, self.consultant_number, self.client_number, self.fiscal_year_start,
            dict(self.accounts), self.basis,
        )  # fmt: skip


def _setup(row: BookSettings | None, settings: Settings) -> BookSetup:
    if row is None:
        return BookSetup(
            "SKR03", "cash", settings.datev_consultant_number, settings.datev_client_number, 1,
            presets("SKR03"), stored=False,
        )  # fmt: skip
    accounts = presets(row.chart) | {k: Account(v["number"], v["name"]) for k, v in row.accounts.items()}
    return BookSetup(
        row.chart, row.basis, row.consultant_number, row.client_number, row.fiscal_year_start, accounts, True
    )


def current_book(session: Session, *, practice_id: int, settings: Settings) -> Book:
    """The book the journal and the DATEV file use (no permission check: callers did that)."""
    return _setup(session.get(BookSettings, practice_id), settings).book()


def read_settings(uow: UnitOfWork, *, practice_id: int, actor: Actor, settings: Settings) -> BookSetup:
    require(actor, Permission.VIEW_REPORTS)
    with uow.fresh() as tx:
        return _setup(tx.session.get(BookSettings, practice_id), settings)


def save_settings(
    uow: UnitOfWork,
    *,
    practice_id: int,
    actor: Actor,
    settings: Settings,
    chart: str,
    basis: str,
    consultant_number: str,
    client_number: str,
    fiscal_year_start: int | str | None = None,
    accounts: Mapping[str, str | Account] | None = None,
) -> BookSetup:
    """Check everything, then save. Accounts not given keep their value, or the new chart's preset
    when the chart changes."""
    require(actor, Permission.VIEW_REPORTS)
    chart = parse_chart(chart)
    with uow.fresh() as tx:
        row = tx.session.get(BookSettings, practice_id)
        before = _setup(row, settings)
        kept = before.accounts if before.chart == chart else presets(chart)
        start = before.fiscal_year_start if fiscal_year_start is None else fiscal_year_start
        new = BookSetup(
            chart, parse_basis(basis), check_consultant(consultant_number), check_client(client_number),
            parse_month_number(start), _accounts(chart, kept, accounts or {}), stored=True,
        )  # fmt: skip
        row = row or BookSettings(practice_id=practice_id)
        row.chart, row.basis, row.fiscal_year_start = new.chart, new.basis, new.fiscal_year_start
        row.consultant_number, row.client_number = new.consultant_number, new.client_number
        row.accounts = {k: {"number": a.number, "name": a.name} for k, a in new.accounts.items()}
        row.updated_at, row.updated_by = utcnow(), actor.label
        tx.session.add(row)
        audit.record(
            tx.session, practice_id=practice_id, actor=actor, action="books.setup", subject=chart,
            basis=new.basis, accounts=", ".join(f"{k}={a.number}" for k, a in new.accounts.items()),
        )  # fmt: skip
        tx.commit()
    return new


def parse_basis(text: str) -> str:
    basis = _BASIS_WORDS.get(text.strip().lower())
    if basis is None:
        raise InvalidInput(
            f"Buchungsbasis „{text}“ gibt es nicht. Möglich: cash (Ist, EÜR) oder accrual (Soll)."
        )
    return basis


def _digits(text: str, label: str, shortest: int, longest: int, example: str) -> str:
    value = text.strip()
    if not value.isdigit() or not shortest <= len(value) <= longest or int(value) == 0:
        raise InvalidInput(
            f"Die {label} muss {shortest} bis {longest} Ziffern haben (z. B. {example}); "
            f"„{text}“ passt nicht."
        )
    return value


def check_consultant(text: str) -> str:
    """DATEV Beraternummer: 4 to 7 digits, from 1001."""
    value = _digits(text, "Beraternummer", 4, 7, "29098")
    if int(value) < 1001:
        raise InvalidInput(f"Die Beraternummer beginnt bei 1001; „{text}“ vergibt DATEV nicht.")
    return value


def check_client(text: str) -> str:
    """DATEV Mandantennummer: 1 to 5 digits, from 1."""
    return _digits(text, "Mandantennummer", 1, 5, "55003")


def parse_month_number(value: int | str) -> int:
    text = str(value).strip()
    if not text.isdigit() or not 1 <= int(text) <= 12:
        raise InvalidInput(
            f"Beginn des Wirtschaftsjahrs „{value}“: bitte den Monat als MM angeben, z. B. 01 oder 07."
        )
    return int(text)


def _accounts(chart: str, kept: dict[str, Account], given: Mapping[str, str | Account]) -> dict[str, Account]:
    unknown = sorted(set(given) - set(ROLES))
    if unknown:
        raise InvalidInput(f"Konto „{unknown[0]}“ gibt es nicht. Möglich: {', '.join(ROLES)}.")
    out = dict(kept)
    for key, value in given.items():
        account = value if isinstance(value, Account) else Account(value, "")
        number = check_account(chart, key, account.number)
        preset = ROLES[key].presets[chart]
        name = account.name.strip() or (preset.name if number == preset.number else ROLES[key].label)
        out[key] = Account(number, name)
    seen: dict[str, str] = {}
    for key, account in out.items():
        if account.number in seen:
            raise InvalidInput(
                f"Konto {account.number} ist zweimal vergeben ({ROLES[seen[account.number]].label} und "
                f"{ROLES[key].label}); jede Buchungsrolle braucht ein eigenes Konto."
            )
        seen[account.number] = key
    return out
