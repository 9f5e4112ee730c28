"""Which open invoices a credit on the bank pays: by number in the remittance text, amount, payer.

Pure and fast: the open invoices are indexed once (by compact number, by the number's digits,
by amount and the debtor's last name), and each transaction costs a few dictionary look-ups, so
a year's statement against a large practice is matched in seconds (bench/bank_bench.py).
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache

from core.domain.bank import BankTransaction
from core.domain.money import format_eur, from_cents

__all__ = [
    "Match",
    "OpenInvoice",
    "InvoiceIndex",
    "compact_number",
    "debtor_name",
    "match_transaction",
    "name_tokens",
]

SURE, LIKELY, UNSURE = "sicher", "wahrscheinlich", "unsicher"
_WORD = re.compile(r"[^\W_]+")
_LETTERS = re.compile(r"[^\W\d_]+")
_LEADING_LETTERS = re.compile(r"^[^\W\d_]+")
_FOLD = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})
_WINDOW = 5  # a number written with up to four separators or line breaks inside it
_MIN_DIGITS = 4  # a shorter digit run alone (a year, a house number) is no invoice number


@dataclass(frozen=True, slots=True)
class OpenInvoice:
    id: int
    number: str
    open_cents: int
    in_collection: bool
    # each debtor (patient, recipient, company) as made by `debtor_name`
    names: tuple[tuple[str, ...], ...]


@dataclass(frozen=True, slots=True)
class Match:
    invoice_id: int
    number: str
    amount: Decimal  # the part of the transaction that pays this invoice
    confidence: str  # sicher | wahrscheinlich | unsicher
    reason: str  # German, for the person who confirms
    in_collection: bool


def compact_number(text: str) -> str:
    """A number without spaces, dashes, dots or slashes, upper case: how the index compares."""
    return "".join(_WORD.findall(text)).upper()


@lru_cache(maxsize=65536)  # names repeat: a patient's on each of their invoices
def name_tokens(text: str) -> tuple[str, ...]:
    """Folded words of a name: lower case, umlauts spelled out, accents dropped, no digits."""
    if text.isascii():
        return tuple(_LETTERS.findall(text.lower()))
    folded = unicodedata.normalize("NFKD", text.casefold().translate(_FOLD))
    plain = "".join(ch for ch in folded if not unicodedata.combining(ch))
    return tuple(_LETTERS.findall(plain))


@dataclass
class InvoiceIndex:
    by_number: dict[str, OpenInvoice] = field(default_factory=dict)
    by_digits: dict[str, OpenInvoice | None] = field(default_factory=dict)  # None: ambiguous
    by_amount_name: dict[tuple[int, str], list[OpenInvoice]] = field(
        default_factory=lambda: defaultdict(list)
    )

    def add(self, invoice: OpenInvoice) -> None:
        key = compact_number(invoice.number)
        self.by_number[key] = invoice
        digits = _LEADING_LETTERS.sub("", key)
        if len(digits) >= _MIN_DIGITS and digits != key:
            self.by_digits[digits] = None if digits in self.by_digits else invoice
        for name in invoice.names:
            self.by_amount_name[(invoice.open_cents, name[1])].append(invoice)


_NOT_A_NAME = frozenset(("gmbh", "ag", "kg", "ug", "ev", "mbh", "e", "v"))


@lru_cache(maxsize=65536)
def debtor_name(first: str, last: str) -> tuple[str, ...]:
    """(first name's first word or "", *the last name's or company's identifying words), or ()."""
    if not last:
        return ()
    family = tuple(w for w in name_tokens(last) if len(w) > 1 and w not in _NOT_A_NAME)
    if not family:
        return ()
    given = name_tokens(first)
    return (given[0] if given else "", *family)


def _numbers_in(text: str, index: InvoiceIndex) -> list[tuple[OpenInvoice, bool]]:
    """Open invoices whose number appears in the text, and whether only its digits did."""
    words = [w.upper() for w in _WORD.findall(text)]
    found: dict[int, tuple[OpenInvoice, bool]] = {}
    for start in range(len(words)):
        candidate = ""
        for word in words[start : start + _WINDOW]:
            candidate += word
            if len(candidate) > 40:
                break
            hit = index.by_number.get(candidate)
            if hit is not None and (len(candidate) >= 3 or not candidate.isdigit()):
                found.setdefault(hit.id, (hit, False))
                continue
            digits = _LEADING_LETTERS.sub("", candidate)
            by_digits = index.by_digits.get(digits) if len(digits) >= _MIN_DIGITS else None
            if by_digits is not None:
                found.setdefault(by_digits.id, (by_digits, True))
    return list(found.values())


def _payer_is(payer: tuple[str, ...], invoice: OpenInvoice) -> bool:
    """The payer's name holds a debtor's last name, and the first name or its initial if known."""
    words = set(payer)
    for name in invoice.names:
        if not all(w in words for w in name[1:]):
            continue
        first = name[0]
        if not first or first in words or any(w == first[0] for w in payer):
            return True
    return False


def _cents(amount: Decimal) -> int:
    return int(amount * 100)


def _eur(cents: int) -> str:
    return format_eur(from_cents(cents))


def match_transaction(tx: BankTransaction, index: InvoiceIndex) -> list[Match]:
    """The open invoices this credit pays, each with a confidence and the reason in German."""
    payer = name_tokens(tx.payer)
    found = _numbers_in(tx.remittance, index)
    cents = _cents(tx.amount)
    if len(found) == 1:
        return [_single(found[0][0], found[0][1], cents, payer)]
    if len(found) > 1:
        return _several([inv for inv, _ in found], cents)
    return _by_amount_and_name(cents, payer, index)


def _single(invoice: OpenInvoice, digits_only: bool, cents: int, payer: tuple[str, ...]) -> Match:
    seen = "Nummer ohne Präfix" if digits_only else "Rechnungsnummer"
    named = _payer_is(payer, invoice)
    who = ", Zahler ist der Rechnungsempfänger" if named else ""
    if cents == invoice.open_cents:
        reason = f"{seen} im Verwendungszweck, Betrag {_eur(cents)} gleich dem offenen Betrag{who}"
        confidence = SURE
    elif cents < invoice.open_cents:
        part = f"Teilbetrag {_eur(cents)} von {_eur(invoice.open_cents)} offen"
        reason = f"{seen} im Verwendungszweck, {part}{who}"
        confidence = LIKELY
    else:
        more = f"{_eur(cents)} mehr als offen ({_eur(invoice.open_cents)})"
        reason = f"{seen} im Verwendungszweck, aber {more}{who}"
        confidence = LIKELY if named else UNSURE
    paid = min(cents, invoice.open_cents)
    return Match(invoice.id, invoice.number, from_cents(paid), confidence, reason, invoice.in_collection)


def _several(invoices: list[OpenInvoice], cents: int) -> list[Match]:
    total = sum(inv.open_cents for inv in invoices)
    numbers = ", ".join(inv.number for inv in invoices)
    if total == cents:
        reason = f"{len(invoices)} Rechnungen in einer Überweisung ({numbers}), zusammen {_eur(total)} offen"
        return [
            Match(inv.id, inv.number, from_cents(inv.open_cents), SURE, reason, inv.in_collection)
            for inv in invoices
        ]
    reason = f"mehrere Rechnungsnummern ({numbers}), {_eur(cents)} überwiesen, zusammen {_eur(total)} offen"
    left, out = cents, []
    for inv in invoices:  # in the order written: each takes what is left, up to its open amount
        part = min(left, inv.open_cents)
        left -= part
        if part:
            out.append(Match(inv.id, inv.number, from_cents(part), UNSURE, reason, inv.in_collection))
    return out


def _by_amount_and_name(cents: int, payer: tuple[str, ...], index: InvoiceIndex) -> list[Match]:
    candidates: dict[int, OpenInvoice] = {}
    for word in payer:
        for inv in index.by_amount_name.get((cents, word), ()):
            if _payer_is(payer, inv):
                candidates[inv.id] = inv
    if len(candidates) != 1:
        return []  # none, or several alike: a person picks the invoice
    (inv,) = candidates.values()
    reason = f"keine Rechnungsnummer im Verwendungszweck; Betrag {_eur(cents)} und Name des Zahlers passen"
    return [Match(inv.id, inv.number, from_cents(cents), LIKELY, reason, inv.in_collection)]
