"""A month's three-way reconciliation: the product's records, the agency's statement, the bank.

- records ↔ statement: every case booking (payments, fees, case fees) against the newest
  readable statement for the month (reconcile.py);
- statement ↔ bank: every payout the statement lists against the agency's credits the bank
  import recognised, and the other way round (payout_month.py);
- the records' clearing account 1159 Finance: opening balance, the month's bookings (payouts
  included), closing balance = what 1159 Finance still owes the practice.

One view for the CLI (`inkasso books reconcile`), the dashboard (Monatsabrechnungen) and the
tax advisor's PDF.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from core.db.engine import UnitOfWork
from core.domain.dates import format_date
from core.domain.money import ZERO, format_eur
from core.services.accounting import closing, statement_list
from core.services.accounting.book_settings import current_book
from core.services.accounting.chart import Account
from core.services.accounting.journal import effect_on
from core.services.accounting.ledger import Period, local_day, period
from core.services.accounting.payout_month import MonthPayouts, month_payouts
from core.services.accounting.reconcile import Reconciliation
from core.services.accounting.statements import reconciliation_for
from core.services.people.access import Actor, Permission, require

__all__ = ["ThreeWay", "three_way"]


@dataclass(frozen=True)
class ThreeWay:
    span: Period
    statement_received: datetime | None  # the statement reconciled with; None: none for the month
    records: Reconciliation | None
    payouts: MonthPayouts
    clearing: Account
    opening: Decimal
    closing: Decimal
    payouts_booked: Decimal  # what the month's journal booked out of the clearing account to the bank

    @property
    def differences(self) -> int:
        return len(self.records.differences if self.records else []) + len(self.payouts.differences)

    @property
    def pending(self) -> int:
        """Listed payouts the bank statements imported do not reach yet."""
        return sum(1 for x in self.payouts.lines if x.status == "bank_pending")

    @property
    def ok(self) -> bool:
        return self.records is not None and not self.differences and not self.pending

    def summary(self) -> str:
        if self.records is None:
            head = "Noch keine Abrechnung von 1159 Finance für diesen Monat"
            head += f"; {self.differences} Abweichung(en) bei den Auszahlungen" if self.differences else ""
        elif self.differences:
            head = f"{self.differences} Abweichung(en)"
        else:
            head = "Stimmt überein"
        if self.pending:
            head += f"; {self.pending} Auszahlung(en) noch nicht auf dem Kontoauszug"
        return head + "."

    def bank_state(self) -> str:
        until = self.payouts.imported_until
        if until is None:
            return "noch kein Kontoauszug eingelesen"
        return f"Kontoauszüge eingelesen bis {format_date(until)}"

    def lines(self) -> list[str]:
        """German sentences: the result, then each comparison with what differs."""
        label = self.span.label
        out = [f"Ergebnis: {self.summary()}"]
        if self.records is None:
            out.append(f"Aufzeichnungen und Abrechnung: Für {label} liegt noch keine Abrechnung vor.")
        else:
            got = format_date(local_day(self.statement_received)) if self.statement_received else "–"
            out.append(f"Aufzeichnungen und Abrechnung {label} (eingegangen {got}): {self.records.summary()}")
            out += [f"- {d.text}" for d in self.records.differences]
        listed, bank = format_eur(self.payouts.listed_total()), format_eur(self.payouts.bank_total())
        out.append(
            f"Abrechnung und Kontoauszug (Auszahlungen): laut Abrechnung {listed}, auf dem Konto {bank} "
            f"({self.bank_state()})."
        )
        out += [f"- {x.text}" for x in self.payouts.lines] or ["- Keine Auszahlungen in diesem Monat."]
        out.append(
            f"Verrechnungskonto {self.clearing.number} laut Aufzeichnungen: Anfangsbestand "
            f"{format_eur(self.opening)}, Auszahlungen gebucht {format_eur(self.payouts_booked)}, Endbestand "
            f"{format_eur(self.closing)} (noch von 1159 Finance auszuzahlen)."
        )
        return out

    def to_json(self) -> dict[str, Any]:
        return {
            "month": self.span.month,
            "ok": self.ok,
            "summary": self.summary(),
            "records_vs_statement": self.records.to_json() if self.records else None,
            "statement_received": self.statement_received,
            "bank_imported_until": self.payouts.imported_until,
            "payouts": [
                {
                    "status": x.status,
                    "listed": x.listed,
                    "bank": x.bank,
                    "booked_on": x.booked_on,
                    "text": x.text,
                }
                for x in self.payouts.lines
            ],
            "payouts_listed": self.payouts.listed_total(),
            "payouts_on_bank": self.payouts.bank_total(),
            "clearing": {
                "account": self.clearing.number,
                "name": self.clearing.name,
                "opening": self.opening,
                "payouts_booked": self.payouts_booked,
                "closing": self.closing,
            },
        } | {"lines": self.lines()}


def three_way(
    uow: UnitOfWork, *, practice_id: int, actor: Actor, month: str, on: date | None = None
) -> ThreeWay:
    """The month's three-way reconciliation as of now (stores nothing); a future month is refused."""
    require(actor, Permission.VIEW_REPORTS)
    span = period(month, on=on)
    with uow.fresh() as tx:
        session = tx.session
        found = statement_list.latest_readable(session, practice_id=practice_id, month=span.month)
        book = current_book(session, practice_id=practice_id, settings=uow.settings)
        entries = closing.month_entries(session, practice_id=practice_id, book=book, span=span)
        opening = closing.clearing_before(session, practice_id=practice_id, book=book, span=span)
        payouts = month_payouts(session, practice_id=practice_id, span=span)
    records = None
    if found is not None:
        records = reconciliation_for(uow.fresh(), practice_id=practice_id, actor=actor, statement_id=found[0])
    clearing = book.named("clearing")
    moved = sum((effect_on(clearing.number, e) for e in entries), ZERO)
    paid_out = sum((e.amount for e in entries if e.kind == "payout"), ZERO)
    return ThreeWay(
        span, found[1] if found else None, records, payouts, clearing, opening, opening + moved, paid_out
    )

