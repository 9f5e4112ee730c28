"""ISO 20022 bank-to-customer statements (camt.053, camt.052 reports, camt.054 notifications).

Versions 001.02 to 001.08 share the elements read here (entries, their details, related
parties, remittance), so one parser serves all; any other namespace is refused in German.
Elements are found by local name below the namespace checked at the root.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET  # noqa: N817 - the usual name
from dataclasses import replace
from datetime import date
from decimal import Decimal, InvalidOperation

from core.domain.bank import BankFileRefused, BankStatement, BankTransaction

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
    ns = "{" + namespace + "}"
    out: list[BankTransaction] = []
    for block in root.iter(ns + _BLOCKS[kind]):
        account = _text(block, ns, "Acct/Id/IBAN") or _text(block, ns, "Acct/Id/Othr/Id")
        for entry in block.findall(ns + "Ntry"):
            out.extend(_entry(entry, ns, account))
    return BankStatement(format=kind, transactions=tuple(out))


def _path(ns: str, path: str) -> str:
    return "/".join(ns + part for part in path.split("/"))


def _text(node: ET.Element, ns: str, path: str) -> str:
    found = node.find(_path(ns, path))
    return " ".join((found.text or "").split()) if found is not None else ""


def _day(node: ET.Element, ns: str, path: str) -> date | None:
    raw = _text(node, ns, path + "/Dt") or _text(node, ns, path + "/DtTm")[:10]
    if not raw:
        return None
    try:
        return date.fromisoformat(raw[:10])
    except ValueError:
        raise BankFileRefused(
            f"Das Datum „{raw}“ im camt-Auszug ist ungültig (erwartet JJJJ-MM-TT)."
        ) from None


def _amount(node: ET.Element | None) -> tuple[Decimal, str] | None:
    if node is None or not (node.text or "").strip():
        return None
    try:
        value = Decimal(node.text.strip())  # type: ignore[union-attr]
    except InvalidOperation:
        raise BankFileRefused(f"Der Betrag „{node.text}“ im camt-Auszug ist keine Zahl.") from None
    if not value.is_finite() or value < 0 or value.as_tuple().exponent < -2:  # type: ignore[operator]
        raise BankFileRefused(f"Der Betrag „{node.text}“ im camt-Auszug ist ungültig.")
    return value.quantize(Decimal("0.01")), node.get("Ccy", "").upper()


def _entry(entry: ET.Element, ns: str, account: str) -> list[BankTransaction]:
    """One entry, split into its transaction details (a batch booking carries several)."""
    total = _amount(entry.find(ns + "Amt"))
    booked = _day(entry, ns, "BookgDt") or _day(entry, ns, "ValDt")
    if total is None or booked is None:
        raise BankFileRefused("Eine Buchung im camt-Auszug hat keinen Betrag oder kein Buchungsdatum.")
    # CdtDbtInd is the entry's own direction, also for a reversal (RvslInd) of an earlier one.
    base = BankTransaction(
        booked_on=booked,
        value_on=_day(entry, ns, "ValDt"),
        amount=total[0],
        currency=total[1],
        credit=_text(entry, ns, "CdtDbtInd") == "CRDT",
        bank_reference=_text(entry, ns, "AcctSvcrRef"),
        account=account,
    )
    details = entry.findall(_path(ns, "NtryDtls/TxDtls"))
    if len(details) <= 1:
        return [_detailed(base, details[0], ns, 0)] if details else [base]
    return [_detailed(base, d, ns, i) for i, d in enumerate(details, start=1)]


def _detailed(base: BankTransaction, detail: ET.Element, ns: str, part: int) -> BankTransaction:
    """The entry with one transaction's own amount, party, remittance and references."""
    amount, currency = (
        _amount(detail.find(_path(ns, "AmtDtls/TxAmt/Amt")))
        or _amount(detail.find(ns + "Amt"))
        or (base.amount, base.currency)
    )
    side = "Dbtr" if base.credit else "Cdtr"
    party = _text(detail, ns, f"RltdPties/{side}/Nm") or _text(detail, ns, f"RltdPties/{side}/Pty/Nm")
    lines = [" ".join((u.text or "").split()) for u in detail.findall(_path(ns, "RmtInf/Ustrd"))]
    lines += [_text(s, ns, "CdtrRefInf/Ref") for s in detail.findall(_path(ns, "RmtInf/Strd"))]
    entry_ref = base.bank_reference
    reference = _text(detail, ns, "Refs/AcctSvcrRef") or (
        f"{entry_ref}/{part}" if entry_ref and part else entry_ref
    )
    return replace(
        base,
        amount=amount,
        currency=currency,
        payer=party,
        iban=_text(detail, ns, f"RltdPties/{side}Acct/Id/IBAN").replace(" ", ""),
        remittance=" ".join(line for line in lines if line),
        bank_reference=reference,
        end_to_end_id=_text(detail, ns, "Refs/EndToEndId"),
    )
