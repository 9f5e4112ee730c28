"""A hand-computed month (October 2026) of collection bookings, for the books tests.

Practice: contract since 1 March 2026, so hand-overs from 1 September 2026 cost 2,50 €.

- R-101, case 17, handed over 02.10.2026 (2,50 € case fee): Inkassokosten 44,10 and Auslagen
  8,82 on 05.10.; the debtor paid the agency 100,00 on 20.10.
- R-102, case 18, handed over 15.09.2026 (its case fee falls in September): Mahngebühr 5,00 on
  10.10., Zinsen 1,23 on 31.10.; the debtor paid 50,00 on 03.10. and 75,50 on 17.10.; the
  practice received 20,00 directly on 12.10. (reported to the agency).
- R-103, case 19, handed over 28.10.2026 (2,50 € case fee): nothing else.
- R-104, case 20, handed over 10.08.2026 (free): a fee on 30.09. and 30,00 paid on 02.11.:
  nothing in October.

October, by hand: paid to the agency 225,50 €; debtor fees 59,15 € (Inkassokosten 44,10,
Auslagen 8,82, Mahngebühr 5,00, Zinsen 1,23); case fees 5,00 €; reported direct payments 20,00 €.

Payouts (`add_payouts`): the agency pays out 150,00 on 28.10.2026 (its statement's row
„Auszahlung“, PAYOUT_ROW); the bank books the credit from 1159 Finance on 29.10.2026 (camt.053,
reference OKT-1).
"""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from core.bootstrap import App
from core.db.models import Claim, Fee, Invoice, Payment
from core.domain.bank import BankStatement, BankTransaction
from core.domain.onboarding import OnboardingState
from core.services.payments_in.bank_import import import_statement
from core.services.people.access import OPERATOR
from tests.factories import add_invoice, add_practice

MONTH = "2026-10"
CONTRACT_START = date(2026, 3, 1)
D = Decimal

EXPECTED: dict[str, Any] = {
    "debtor_payments": D("225.50"),
    "debtor_fees": D("59.15"),
    "case_fees": D("5.00"),
    "creditor_payments": D("20.00"),
    "fees_by_kind": {
        "collection_fee": D("44.10"),
        "expenses": D("8.82"),
        "reminder_fee": D("5.00"),
        "interest": D("1.23"),
    },
    "cases": 3,  # have October bookings
}

# The agency's statement for October that agrees with our records, row for row.
STATEMENT_CSV = """Fall-Nr;Rechnungsnummer;Buchungsdatum;Buchungsart;Betrag
17;R-101;02.10.2026;Fallgebühr;2,50
17;R-101;05.10.2026;Inkassokosten;44,10
17;R-101;05.10.2026;Auslagen;8,82
17;R-101;20.10.2026;Zahlung Schuldner;100,00
18;R-102;03.10.2026;Zahlung Schuldner;50,00
18;R-102;10.10.2026;Mahngebühr;5,00
18;R-102;12.10.2026;Zahlung Gläubiger;20,00
18;R-102;17.10.2026;Zahlung Schuldner;75,50
18;R-102;31.10.2026;Zinsen;1,23
19;R-103;28.10.2026;Fallgebühr;2,50
"""


PAYOUT_ROW = ";;28.10.2026;Auszahlung;150,00\n"
IBAN = "DE89370400440532013000"


def bank_credit(day: date, amount: str, ref: str, payer: str = "1159 Finance GmbH") -> BankTransaction:
    """A credit on the practice's account as a bank statement reads it."""
    return BankTransaction(day, day, D(amount), "EUR", True, payer, "DE02300209000106531065",
                           f"Auszahlung {ref}", ref, account=IBAN)  # fmt: skip


def import_bank(app: App, *credits: BankTransaction) -> None:
    """Through the bank import, as `inkasso import bank` does with a camt.053 file."""
    statement = BankStatement("camt.053", tuple(credits))
    import_statement(app.uow(), practice_id=app.practice_id, actor=OPERATOR, statement=statement)


def add_payouts(app: App) -> None:
    """The bank's side of October's payout: 150,00 from 1159 Finance booked on 29.10.2026."""
    import_bank(app, bank_credit(date(2026, 10, 29), "150.00", "OKT-1"))


def _at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 9, 0, tzinfo=UTC)


def _claim(app: App, number: str, case_id: int, created: date, principal: str, fee: str) -> Claim:
    invoice: Invoice = add_invoice(app, number=number, amount=D(principal), on=created, due_days_ago=60)
    with app.uow() as uow:
        claim = Claim(
            practice_id=app.practice_id,
            invoice_id=invoice.id or 0,
            reference=number,
            delivery="submitted",
            legal_basis="consent",
            legal_basis_date=created,
            principal=D(principal),
            case_fee=D(fee),
            case_id=case_id,
            agency_status="in_collection",
            created_by="test",
            created_at=_at(created),
            submitted_at=_at(created),
        )
        uow.session.add(claim)
        db_invoice = uow.session.get(Invoice, invoice.id)
        assert db_invoice is not None
        db_invoice.status = "im Inkasso"
        uow.commit()
        return claim


def _pay(app: App, claim: Claim, source: str, day: date, amount: str, ref: str) -> None:
    with app.uow() as uow:
        uow.session.add(
            Payment(
                practice_id=app.practice_id,
                invoice_id=claim.invoice_id,
                claim_id=claim.id,
                source=source,
                amount=D(amount),
                paid_on=day,
                reference=ref,
                delivery="sent" if source == "practice" else "none",
                recorded_by="test",
            )
        )
        uow.commit()


def _fee(app: App, claim: Claim, kind: str, day: date, amount: str) -> None:
    with app.uow() as uow:
        uow.session.add(
            Fee(
                practice_id=app.practice_id,
                claim_id=claim.id or 0,
                type=kind,
                amount=D(amount),
                charged_on=day,
            )
        )
        uow.commit()


def build_october(app: App) -> dict[str, Claim]:
    """Write the month above into `app`'s database; returns the claims by invoice number."""
    add_practice(app, onboarding_state=OnboardingState.ACTIVE, contract_start=CONTRACT_START)
    a = _claim(app, "R-101", 17, date(2026, 10, 2), "120.00", "2.50")
    b = _claim(app, "R-102", 18, date(2026, 9, 15), "300.00", "2.50")
    c = _claim(app, "R-103", 19, date(2026, 10, 28), "80.00", "2.50")
    d = _claim(app, "R-104", 20, date(2026, 8, 10), "60.00", "0")
    _fee(app, a, "collection_fee", date(2026, 10, 5), "44.10")
    _fee(app, a, "expenses", date(2026, 10, 5), "8.82")
    _pay(app, a, "agency", date(2026, 10, 20), "100.00", "9001")
    _fee(app, b, "reminder_fee", date(2026, 10, 10), "5.00")
    _fee(app, b, "interest", date(2026, 10, 31), "1.23")
    _pay(app, b, "agency", date(2026, 10, 3), "50.00", "9002")
    _pay(app, b, "agency", date(2026, 10, 17), "75.50", "9003")
    _pay(app, b, "practice", date(2026, 10, 12), "20.00", "P1-abc")
    _fee(app, d, "collection_fee", date(2026, 9, 30), "12.00")
    _pay(app, d, "agency", date(2026, 11, 2), "30.00", "9004")
    return {"R-101": a, "R-102": b, "R-103": c, "R-104": d}


def add_paid_in_full_case(app: App) -> Claim:
    """R-105, case 21, handed over 01.10.2026 (2,50 € case fee), principal 100,00: Inkassokosten
    30,00 on 05.10., Zinsen 2,00 on 10.10.; the debtor paid 20,00 on 08.10. (§ 367 BGB: all costs)
    and 112,00 on 25.10. (10,00 costs, 2,00 interest, 100,00 principal: paid in full)."""
    e = _claim(app, "R-105", 21, date(2026, 10, 1), "100.00", "2.50")
    _fee(app, e, "collection_fee", date(2026, 10, 5), "30.00")
    _fee(app, e, "interest", date(2026, 10, 10), "2.00")
    _pay(app, e, "agency", date(2026, 10, 8), "20.00", "9005")
    _pay(app, e, "agency", date(2026, 10, 25), "112.00", "9006")
    return e


_RUN = "import sys; from cli.main import app; sys.argv[0] = 'inkasso'; app()"


def run_cli(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    """`inkasso ARGS` in a fresh interpreter with this tree first on the path."""
    return subprocess.run(
        [sys.executable, "-c", _RUN, *args],
        env={**env, "PYTHONPATH": str(Path(__file__).resolve().parents[3])},
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
    )


def cli_env(app: App, data_dir: Path) -> dict[str, str]:
    return {"DATABASE_URL": app.settings.database_url, "DATA_DIR": str(data_dir), "PATH": "/usr/bin:/bin"}
