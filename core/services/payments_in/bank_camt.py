"""ISO 20022 bank-to-customer statements (camt.053, camt.052 reports, camt.054 notifications).

Versions 001.02 to 001.08 share the elements read here (entries, their details, related
parties, remittance), so one parser serves all; any other namespace is refused in German.
The namespace is checked at the root and then dropped from every tag, so elements are found
by their local names.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET  # noqa: N817 - the usual name
from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from core.domain.bank import BankFileRefused, BankStatement, BankTransaction
from core.domain.dates import local_zone

__all__ = ["NAMESPACE", "parse_camt"]

NAMESPACE = re.compile(r"urn:iso:std:iso:20022:tech:xsd:(camt\.05[234])\.001\.0[2-8]")
_SUPPORTED = "camt.052, camt.053 oder camt.054 in den Fassungen 001.02 bis 001.08"
_BLOCKS = {"camt.053": "Stmt", "camt.052": "Rpt", "camt.054": "Ntfctn"}


def parse_camt(data: bytes) -> BankStatement:
    """Every entry of a camt file; BankFileRefused (German) when it is no camt statement."""
    if b"<!DOCTYPE" in data[:4096] or b"<!ENTITY" in data:
        raise BankFileRefused("Die XML-Datei enthält eine DTD; ein Kontoauszug (camt) hat keine.")
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        raise BankFileRefused(f"Die Datei ist kein lesbares XML ({exc}); kein camt-Kontoauszug.") from None
    namespace = root.tag[1:].split("}")[0] if root.tag.startswith("{") else ""
    found = NAMESPACE.fullmatch(namespace)
    if found is None:
        shown = namespace or "ohne Namensraum"
        raise BankFileRefused(
            f"Die XML-Datei ist kein unterstützter camt-Kontoauszug (Namensraum „{shown}“). "
            f"Bitte den Auszug als {_SUPPORTED} exportieren."
        )
    kind = found.group(1)
    prefix = "{" + namespace + "}"
    for node in root.iter():  # checked once above; below, elements are found by local name
        if isinstance(node.tag, str) and node.tag.startswith(prefix):
            node.tag = node.tag[len(prefix) :]
    out: list[BankTransaction] = []
    for block in root.iter(_BLOCKS[kind]):
        account = _text(block, "Acct/Id/IBAN") or _text(block, "Acct/Id/Othr/Id")
        for entry in block.findall("Ntry"):
            out.extend(_entry(entry, account))
    return BankStatement(format=kind, transactions=tuple(out))


Flat = dict[str, list[str]]


def _flat(node: ET.Element, skip: str = "") -> Flat:
    """Every text below `node` by its path (`RltdPties/Dbtr/Nm`), attributes as `Amt@Ccy`.

    One walk instead of a dozen path searches per entry: a year's statement has tens of
    thousands of entries.
    """
    out: Flat = {}

    def walk(element: ET.Element, prefix: str) -> None:
        for child in element:
            if child.tag == skip:
                continue
            path = prefix + str(child.tag)
            text = " ".join((child.text or "").split())
            if text:
                out.setdefault(path, []).append(text)
            for name, value in child.attrib.items():
                out.setdefault(f"{path}@{name}", []).append(value)
            if len(child):
                walk(child, path + "/")

    walk(node, "")
    return out


def _first(flat: Flat, *paths: str) -> str:
    for path in paths:
        if path in flat:
            return flat[path][0]
    return ""


def _text(node: ET.Element, path: str) -> str:
    found = node.find(path)
    return " ".join((found.text or "").split()) if found is not None else ""


def _day(flat: Flat, path: str) -> date | None:
    raw = _first(flat, path + "/Dt", path + "/DtTm")
    if not raw:
        return None
    try:
        if len(raw) > 10:  # DtTm: a moment with an offset is the Berlin day (books: Belegdatum)
            moment = datetime.fromisoformat(raw)
            return moment.astimezone(local_zone()).date() if moment.tzinfo else moment.date()
        return date.fromisoformat(raw)
    except ValueError:
        raise BankFileRefused(
            f"Das Datum „{raw}“ im camt-Auszug ist ungültig (erwartet JJJJ-MM-TT)."
        ) from None


def _amount(flat: Flat, path: str) -> tuple[Decimal, str] | None:
    raw = _first(flat, path)
    if not raw:
        return None
    try:
        value = Decimal(raw)
    except InvalidOperation:
        raise BankFileRefused(f"Der Betrag „{raw}“ im camt-Auszug ist keine Zahl.") from None
    if not value.is_finite() or value < 0 or value.as_tuple().exponent < -2:  # type: ignore[operator]
        raise BankFileRefused(f"Der Betrag „{raw}“ im camt-Auszug ist ungültig.")
    return value.quantize(Decimal("0.01")), _first(flat, path + "@Ccy").upper()


def _entry(entry: ET.Element, account: str) -> list[BankTransaction]:
    """One entry, split into its transaction details (a batch booking carries several)."""
    flat = _flat(entry, skip="NtryDtls")
    total = _amount(flat, "Amt")
    booked = _day(flat, "BookgDt") or _day(flat, "ValDt")
    if total is None or booked is None:
        raise BankFileRefused("Eine Buchung im camt-Auszug hat keinen Betrag oder kein Buchungsdatum.")
    # CdtDbtInd is the entry's own direction, also for a reversal (RvslInd) of an earlier one.
    base = BankTransaction(
        booked_on=booked,
        value_on=_day(flat, "ValDt"),
        amount=total[0],
        currency=total[1],
        credit=_first(flat, "CdtDbtInd") == "CRDT",
        bank_reference=_first(flat, "AcctSvcrRef"),
        account=account,
    )
    details = entry.findall("NtryDtls/TxDtls")
    if len(details) <= 1:
        return [_detailed(base, _flat(details[0]), 0)] if details else [base]
    return [_detailed(base, _flat(d), i) for i, d in enumerate(details, start=1)]


def _detailed(base: BankTransaction, detail: Flat, part: int) -> BankTransaction:
    """The entry with one transaction's own amount, party, remittance and references."""
    amount, currency = (
        _amount(detail, "AmtDtls/TxAmt/Amt") or _amount(detail, "Amt") or (base.amount, base.currency)
    )
    side = "Dbtr" if base.credit else "Cdtr"
    party = _first(detail, f"RltdPties/{side}/Nm", f"RltdPties/{side}/Pty/Nm")
    lines = detail.get("RmtInf/Ustrd", []) + detail.get("RmtInf/Strd/CdtrRefInf/Ref", [])
    entry_ref = base.bank_reference
    reference = _first(detail, "Refs/AcctSvcrRef") or (
        f"{entry_ref}/{part}" if entry_ref and part else entry_ref
    )
    return replace(
        base,
        amount=amount,
        currency=currency,
        payer=party,
        iban=_first(detail, f"RltdPties/{side}Acct/Id/IBAN").replace(" ", ""),
        remittance=" ".join(lines),
        bank_reference=reference,
        end_to_end_id=_first(detail, "Refs/EndToEndId"),
    )
