"""SWIFT MT940 statements, read by the `mt-940` library.

The library is lenient: a `:61:` line it cannot read whole may still yield a transaction with
a wrong amount. Each `:61:` line is therefore checked against the field's layout first, and a
broken one refuses the file, naming the line.
"""

from __future__ import annotations

import logging
import re
from datetime import date
from decimal import Decimal
from typing import Any

import mt940

from core.domain.bank import BankFileRefused, BankStatement, BankTransaction

__all__ = ["looks_like_mt940", "parse_mt940"]

# :61: value date YYMMDD, [entry date MMDD], (R)C/D mark, [funds code], amount with comma, type code
_FIELD_61 = re.compile(r":61:\d{6}(\d{4})?R?[CD][A-Z]?\d{1,12},\d{0,2}[A-Z][A-Z0-9]{3}")
_HEAD = re.compile(r"^:(20|25|28C?|60[FM]):", re.MULTILINE)


def looks_like_mt940(text: str) -> bool:
    return bool(_HEAD.search(text)) and (":61:" in text or ":62F:" in text)


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def _check_fields(text: str) -> None:
    for number, line in enumerate(text.splitlines(), start=1):
        if line.startswith(":61:") and not _FIELD_61.match(line):
            raise BankFileRefused(
                f"Die MT940-Datei hat in Zeile {number} ein fehlerhaftes Feld :61: („{line[:40]}“). "
                "Erwartet: Valuta JJMMTT, Buchungstag MMTT, C oder D, Betrag mit Komma, Buchungsschlüssel. "
                "Bitte den Auszug neu bei der Bank herunterladen."
            )


def parse_mt940(data: bytes) -> BankStatement:
    """Every `:61:` booking of an MT940 file; BankFileRefused (German) on a broken field."""
    text = _decode(data).replace("\r\n", "\n")
    if not looks_like_mt940(text):
        raise BankFileRefused("Die Datei ist kein MT940-Kontoauszug (es fehlen die Felder :20: und :25:).")
    _check_fields(text)
    transactions = mt940.models.Transactions(
        processors={"post_transaction_details": [mt940.processors.transaction_details_post_processor]},
        options=mt940.Options.all(),
    )
    logging.getLogger("mt940").setLevel(logging.WARNING)  # it logs every pattern it tries
    try:
        transactions.parse(text)
    except (RuntimeError, ValueError, KeyError) as exc:
        raise BankFileRefused(
            f"Die MT940-Datei ist fehlerhaft ({str(exc)[:120]}). "
            "Bitte den Auszug neu bei der Bank herunterladen."
        ) from None
    account = str(transactions.data.get("account_identification") or "").replace(" ", "")
    out = tuple(_transaction(t.data, account) for t in transactions)
    if len(out) != text.count("\n:61:") + text.startswith(":61:"):
        raise BankFileRefused("Die MT940-Datei ist unvollständig: nicht jede Buchung (:61:) war lesbar.")
    return BankStatement(format="MT940", transactions=out)


def _day(value: Any) -> date | None:
    return date(value.year, value.month, value.day) if value else None


def _transaction(data: dict[str, Any], account: str) -> BankTransaction:
    money = data["amount"]
    amount = abs(Decimal(money.amount)).quantize(Decimal("0.01"))
    booked = _day(data.get("entry_date")) or _day(data.get("date"))
    if booked is None:
        raise BankFileRefused("Eine Buchung der MT940-Datei hat kein Datum.")
    credit = str(data.get("status", "")).endswith("C") and not str(data["status"]).startswith("R")
    if str(data.get("status")) == "RD":  # reversal of a debit: money back on the account
        credit = True
    return BankTransaction(
        booked_on=booked,
        value_on=_day(data.get("date")),
        amount=amount,
        currency=str(money.currency or data.get("currency") or "").upper(),
        credit=credit,
        payer=" ".join(str(data.get("applicant_name") or "").split()),
        iban=str(data.get("applicant_iban") or "").replace(" ", ""),
        remittance=" ".join(str(data.get("purpose") or "").split()),
        bank_reference=str(data.get("bank_reference") or ""),
        end_to_end_id=str(data.get("end_to_end_reference") or ""),
        account=account,
    )
