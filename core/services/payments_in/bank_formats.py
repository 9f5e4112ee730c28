"""Which statement format a file is: camt (XML), MT940 or a bank's CSV export."""

from __future__ import annotations

from core.domain.bank import BankFileRefused, BankStatement
from core.services.payments_in.bank_camt import parse_camt
from core.services.payments_in.bank_mt940 import looks_like_mt940, parse_mt940

__all__ = ["read_statement"]

_HINT = "Bitte einen Kontoauszug als camt.053 (XML), MT940 oder CSV-Export der Bank angeben."


def read_statement(data: bytes) -> BankStatement:
    """The file's transactions in whichever format it is; BankFileRefused when it is no statement."""
    head = data[:2048].lstrip(b"\xef\xbb\xbf \t\r\n")
    if not head:
        raise BankFileRefused(f"Die Datei ist leer. {_HINT}")
    if head.startswith(b"<"):
        return parse_camt(data)
    if b"\x00" in head:
        raise BankFileRefused(f"Die Datei ist keine Textdatei und kein Kontoauszug. {_HINT}")
    if looks_like_mt940(data.decode("cp1252", errors="replace")):
        return parse_mt940(data)
    raise BankFileRefused(f"Die Datei ist kein Kontoauszug in einem bekannten Format. {_HINT}")
