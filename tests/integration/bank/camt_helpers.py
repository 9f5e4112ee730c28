"""camt.053 statements written by the tests (from the ISO 20022 message description, not a bank's)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from xml.sax.saxutils import escape

__all__ = ["Entry", "camt053"]


@dataclass(frozen=True)
class Entry:
    reference: str  # the bank's own reference (AcctSvcrRef): what keeps the booking once
    amount: Decimal | str
    payer: str
    remittance: tuple[str, ...]  # the lines of the Verwendungszweck (Ustrd)
    booked_on: date = date(2026, 12, 3)
    credit: bool = True
    currency: str = "EUR"


def camt053(*entries: Entry, iban: str = "DE89370400440532013000") -> bytes:
    """A statement of the practice's account with these bookings."""
    body = "".join(_entry(e) for e in entries)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"><BkToCstmrStmt>'
        "<GrpHdr><MsgId>TEST</MsgId><CreDtTm>2026-12-04T18:00:00</CreDtTm></GrpHdr>"
        f"<Stmt><Id>TEST-1</Id><Acct><Id><IBAN>{iban}</IBAN></Id></Acct>{body}</Stmt>"
        "</BkToCstmrStmt></Document>"
    ).encode()


def _entry(e: Entry) -> str:
    party = "Dbtr" if e.credit else "Cdtr"
    lines = "".join(f"<Ustrd>{escape(line)}</Ustrd>" for line in e.remittance)
    return (
        f'<Ntry><Amt Ccy="{e.currency}">{e.amount}</Amt>'
        f"<CdtDbtInd>{'CRDT' if e.credit else 'DBIT'}</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts>"
        f"<BookgDt><Dt>{e.booked_on.isoformat()}</Dt></BookgDt>"
        f"<AcctSvcrRef>{escape(e.reference)}</AcctSvcrRef><NtryDtls><TxDtls>"
        f"<RltdPties><{party}><Pty><Nm>{escape(e.payer)}</Nm></Pty></{party}></RltdPties>"
        f"<RmtInf>{lines}</RmtInf></TxDtls></NtryDtls></Ntry>"
    )
