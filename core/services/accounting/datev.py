"""The month's collection bookings as a DATEV booking batch (DATEV-Format "EXTF", Buchungsstapel).

File: Windows-1252, `;`-separated, CRLF, text fields in double quotes, amounts with a decimal
comma and no thousands separator, always positive (the side is in Soll/Haben-Kennzeichen).

Line 1, the header ("Verwaltungssatz", 31 fields), as written here:
   1 Kennzeichen "EXTF"            2 Versionsnummer 700          3 Formatkategorie 21 (Buchungsstapel)
   4 Formatname "Buchungsstapel"   5 Formatversion 13            6 Erzeugt am JJJJMMTTHHMMSSFFF
   7 Importiert (empty)            8 Herkunft "PI"               9 Exportiert von "Praxis-Inkasso"
  10 Importiert von (empty)       11 Beraternummer (DATEV_CONSULTANT_NUMBER)
  12 Mandantennummer (DATEV_CLIENT_NUMBER)                      13 WJ-Beginn JJJJ0101
  14 Sachkontenlänge (length of the configured accounts)        15 Datum vom JJJJMMTT (1st of month)
  16 Datum bis JJJJMMTT (last of month)                         17 Bezeichnung "Inkasso MM/JJJJ"
  18 Diktatkürzel (empty)         19 Buchungstyp 1 (Finanzbuchführung)
  20 Rechnungslegungszweck 0      21 Festschreibung 0 (the tax advisor reviews before locking)
  22 WKZ "EUR"                    23 (empty)   24 Derivatskennzeichen (empty)   25, 26 (empty)
  27 Sachkontenrahmen (empty: the accounts are configured)      28 ID der Branchenlösung (empty)
  29, 30 (empty)                  31 Anwendungsinformation (empty)
Line 2: the column names; we write the first 14 columns of the booking layout (Umsatz … Buchungstext).
Lines 3…: one booking each.

Bookings (accounts from Settings, defaults SKR03-like):
- debtor paid the agency:      Soll DATEV_ACCOUNT_AGENCY       an Haben DATEV_ACCOUNT_RECEIVABLES
- fee the agency charged the debtor (Inkassokosten, Auslagen, Mahngebühr): Soll RECEIVABLES an
  Haben AGENCY (the debtor owes it, the agency keeps it: costs are settled first)
- default interest charged:    Soll RECEIVABLES an Haben DATEV_ACCOUNT_REVENUE (the practice's)
- case fee of the practice:    Soll DATEV_ACCOUNT_FEES         an Haben AGENCY
So the agency account shows what 1159 Finance owes the practice. Payments made to the practice
directly are in its cash book already and are not exported.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from core.config import Settings
from core.domain.dates import utcnow
from core.services.accounting.cells import neutralise
from core.services.accounting.ledger import Booking, Period

HEADER_FIELDS = 31
COLUMNS = (
    "Umsatz (ohne Soll/Haben-Kz)",
    "Soll/Haben-Kennzeichen",
    "WKZ Umsatz",
    "Kurs",
    "Basis-Umsatz",
    "WKZ Basis-Umsatz",
    "Konto",
    "Gegenkonto (ohne BU-Schlüssel)",
    "BU-Schlüssel",
    "Belegdatum",
    "Belegfeld 1",
    "Belegfeld 2",
    "Skonto",
    "Buchungstext",
)
_TEXT = {
    "debtor_payment": "Zahlung Schuldner an 1159 Finance",
    "collection_fee": "Inkassokosten Schuldner",
    "expenses": "Auslagen Schuldner",
    "reminder_fee": "Mahngebühr Schuldner",
    "interest": "Verzugszinsen Schuldner",
    "case_fee": "Fallgebühr 1159 Finance",
}


@dataclass(frozen=True)
class DatevLine:
    amount: Decimal
    debit: str  # Konto, booked on the Soll side
    credit: str  # Gegenkonto
    day_ttmm: str
    document: str  # Belegfeld 1: the invoice number
    case: str  # Belegfeld 2: the agency's case number
    text: str


def _accounts(settings: Settings, kind: str) -> tuple[str, str] | None:
    agency, receivables = settings.datev_account_agency, settings.datev_account_receivables
    return {
        "debtor_payment": (agency, receivables),
        "collection_fee": (receivables, agency),
        "expenses": (receivables, agency),
        "reminder_fee": (receivables, agency),
        "interest": (receivables, settings.datev_account_revenue),
        "case_fee": (settings.datev_account_fees, agency),
    }.get(kind)


def lines(settings: Settings, bookings: list[Booking]) -> list[DatevLine]:
    out = []
    for b in bookings:
        accounts = _accounts(settings, b.kind)
        if accounts is None or b.amount <= 0:
            continue  # payments the practice received itself are in its cash book
        text = f"{_TEXT[b.kind]} {b.reference}"[:60]
        out.append(
            DatevLine(
                b.amount, *accounts, b.day.strftime("%d%m"), b.reference[:36], str(b.case_id or "")[:36], text
            )
        )
    return out


def header(settings: Settings, span: Period, *, created: datetime | None = None) -> list[str | int]:
    created = created or utcnow()
    last = span.end.toordinal() - 1
    length = max(len(a) for a in _all_accounts(settings))
    fields: list[str | int] = [
        "EXTF", 700, 21, "Buchungsstapel", 13,
        int(created.strftime("%Y%m%d%H%M%S") + f"{created.microsecond // 1000:03d}"),
        "", "PI", "Praxis-Inkasso", "",
        int(settings.datev_consultant_number), int(settings.datev_client_number),
        int(f"{span.start.year}0101"), length,
        int(span.start.strftime("%Y%m%d")), int(span.start.fromordinal(last).strftime("%Y%m%d")),
        f"Inkasso {span.label}", "", 1, 0, 0, "EUR",
        "", "", "", "", "", "", "", "", "",
    ]  # fmt: skip
    assert len(fields) == HEADER_FIELDS
    return fields


def _all_accounts(settings: Settings) -> list[str]:
    return [
        settings.datev_account_agency,
        settings.datev_account_receivables,
        settings.datev_account_fees,
        settings.datev_account_revenue,
    ]


def _quote(value: str | int) -> str:
    if isinstance(value, int):
        return str(value)
    return '"' + neutralise(value).replace('"', '""') + '"' if value else ""


def to_extf(
    settings: Settings, span: Period, bookings: list[Booking], *, created: datetime | None = None
) -> bytes:
    """The EXTF file for the month's bookings (Windows-1252 bytes)."""
    out = [";".join(_quote(v) for v in header(settings, span, created=created)), ";".join(COLUMNS)]
    for x in lines(settings, bookings):
        amount = f"{x.amount:.2f}".replace(".", ",")
        out.append(
            ";".join(
                [amount, _quote("S"), _quote("EUR"), "", "", "", x.debit, x.credit, "", x.day_ttmm]
                + [_quote(x.document), _quote(x.case), "", _quote(x.text)]
            )
        )
    return ("\r\n".join(out) + "\r\n").encode("cp1252", errors="replace")


def filename(span: Period) -> str:
    return f"EXTF_Buchungsstapel_Inkasso_{span.month}.csv"
