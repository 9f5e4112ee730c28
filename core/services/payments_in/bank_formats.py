"""Which statement format a file is: camt (XML), MT940 or a bank's CSV export."""

from __future__ import annotations

from core.domain.bank import BankFileRefused, BankStatement
from core.services.payments_in.bank_camt import parse_camt
from core.services.payments_in.bank_csv import DEFAULT_COLUMNS, BankCsvProfile, parse_bank_csv
from core.services.payments_in.bank_mt940 import looks_like_mt940, parse_mt940

__all__ = ["read_statement"]

_DEFAULT_HEADER = DEFAULT_COLUMNS["Buchungstag"]
_HINT = "Bitte einen Kontoauszug als camt.053 (XML), MT940 oder CSV-Export der Bank (mit --profile) angeben."


def read_statement(data: bytes, *, csv_profile: BankCsvProfile | None = None) -> BankStatement:
    """The file's transactions in whichever format it is; BankFileRefused when it is no statement.

    With a CSV profile the file is read as the bank's CSV export; without one, a CSV export is
    recognised by the common German column names.
    """
    if csv_profile is not None:
        return parse_bank_csv(data, csv_profile)
    head = data[:2048].lstrip(b"\xef\xbb\xbf \t\r\n")
    if not head:
        raise BankFileRefused(f"Die Datei ist leer. {_HINT}")
    if head.startswith(b"<"):
        return parse_camt(data)
    if b"\x00" in head:
        raise BankFileRefused(f"Die Datei ist keine Textdatei und kein Kontoauszug. {_HINT}")
    if looks_like_mt940(data.decode("cp1252", errors="replace")):
        return parse_mt940(data)
    if _DEFAULT_HEADER in data[:4096].decode("utf-8", errors="replace"):
        return parse_bank_csv(data)
    raise BankFileRefused(f"Die Datei ist kein Kontoauszug in einem bekannten Format. {_HINT}")
