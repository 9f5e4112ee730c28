"""Charts of accounts: the accounts our bookings use, preset for SKR03 and SKR04.

Each role has a preset per chart (number and name as in the DATEV charts; sources in
docs/books.md) and the account class it must come from, so a number from the other chart
("1400" is receivables in SKR03 but input tax in SKR04) is refused instead of booked.
"""

from __future__ import annotations

from dataclasses import dataclass

from core.domain.errors import InvalidInput

__all__ = ["Account", "CHARTS", "ROLES", "Role", "check_account", "parse_chart", "presets"]

CHARTS = ("SKR03", "SKR04")


@dataclass(frozen=True)
class Account:
    number: str
    name: str


@dataclass(frozen=True)
class Role:
    key: str
    label: str  # German, for the settings page and the CLI
    presets: dict[str, Account]
    ranges: dict[str, tuple[int, int]]  # chart → (first, last) allowed account number


def _role(
    key: str, label: str, skr03: Account, skr04: Account, r03: tuple[int, int], r04: tuple[int, int]
) -> Role:
    return Role(key, label, {"SKR03": skr03, "SKR04": skr04}, {"SKR03": r03, "SKR04": r04})


_CLASS1 = (1000, 1999)  # both charts: money, receivables, clearing accounts
ROLES: dict[str, Role] = {
    r.key: r
    for r in (
        _role(
            "clearing", "Verrechnungskonto 1159 Finance",
            Account("1360", "Geldtransit"), Account("1460", "Geldtransit"), _CLASS1, _CLASS1,
        ),
        _role("bank", "Bank", Account("1200", "Bank"), Account("1800", "Bank"), _CLASS1, _CLASS1),
        _role(
            "revenue", "Erlöse steuerfreie Heilbehandlungen",
            Account("8100", "Steuerfreie Umsätze § 4 Nr. 8 ff. UStG"),
            Account("4100", "Steuerfreie Umsätze § 4 Nr. 8 ff. UStG"), (8000, 8999), (4000, 4999),
        ),
        _role(
            "interest", "Zinserträge (Verzugszinsen)",
            Account("2650", "Sonstige Zinsen und ähnliche Erträge"),
            Account("7100", "Sonstige Zinsen und ähnliche Erträge"), (2000, 2999), (7000, 7999),
        ),
        _role(
            "case_fee", "Aufwand Fallgebühr 1159 Finance",
            Account("4970", "Nebenkosten des Geldverkehrs"), Account("6855", "Nebenkosten des Geldverkehrs"),
            (4000, 4999), (6000, 6999),
        ),
        _role(
            "pass_through", "Kosten der Schuldner (durchlaufend)",
            Account("1590", "Durchlaufende Posten"), Account("1370", "Durchlaufende Posten"),
            _CLASS1, _CLASS1,
        ),
        _role(
            "receivables", "Forderungen (nur Soll-Basis)",
            Account("1400", "Forderungen aus Lieferungen und Leistungen"),
            Account("1200", "Forderungen aus Lieferungen und Leistungen"), _CLASS1, _CLASS1,
        ),
    )
}  # fmt: skip


def parse_chart(text: str) -> str:
    chart = text.strip().upper().replace(" ", "")
    if chart not in CHARTS:
        raise InvalidInput(f"Kontenrahmen „{text}“ gibt es nicht. Möglich: SKR03 oder SKR04.")
    return chart


def presets(chart: str) -> dict[str, Account]:
    return {key: role.presets[chart] for key, role in ROLES.items()}


def check_account(chart: str, role_key: str, number: str) -> str:
    """The account number, if it is four digits in the role's range of `chart`; else German."""
    role = ROLES[role_key]
    first, last = role.ranges[chart]
    number = number.strip()
    if not (len(number) == 4 and number.isdigit()):
        raise InvalidInput(
            f"{role.label}: „{number}“ ist keine Kontonummer. "
            f"Bitte vier Ziffern angeben, z. B. {role.presets[chart].number}."
        )
    if not first <= int(number) <= last:
        raise InvalidInput(
            f"{role.label}: Konto {number} liegt außerhalb des {chart} (erlaubt {first}–{last}, "
            f"Vorschlag {role.presets[chart].number} {role.presets[chart].name})."
        )
    return number
