"""A long history of books: the month's three-way reconciliation and tax advisor files; print times.

A fresh SQLite file gets N months (default 24) of collection work: each month C hand-overs
(default 300) with a case fee, Inkassokosten and an agency payment, the agency's statement for the
month (every booking as a row, two payouts) and the two payouts on the bank (a day after the
statement's date, the second 1,00 € short: one difference a month). Timed for the last month:
the three-way reconciliation (our records against the statement, the payouts against the bank,
the clearing account's balance over the whole history), and the PDF and DATEV files. Wall and
CPU time both printed.

    .venv/bin/python bench/books_bench.py [--months 24] [--claims 300]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from core.bootstrap import App, build
from core.config import Settings
from core.db.models import BankTransaction, Claim, Fee, Invoice, Patient, Payment, Practice, Statement
from core.domain.claim_lifecycle import ClaimDelivery, PaymentDelivery
from core.services.accounting import books, three_way
from core.services.people.access import OPERATOR

D = Decimal


def _month(start: date, n: int) -> date:
    year, mon = divmod(start.month - 1 + n, 12)
    return date(start.year + year, mon + 1, 1)


def _row(case: int, ref: str, day: date, kind: str, amount: str) -> dict[str, Any]:
    return {
        "case_id": str(case),
        "reference": ref,
        "booked_on": day.isoformat(),
        "kind": kind,
        "amount": amount,
        "line": 0,
    }


def seed(app: App, months: int, claims: int, first: date) -> None:
    with app.uow() as uow:
        uow.session.add(
            Practice(
                id=1,
                name="Bench",
                street="Weg 1",
                zip="01001",
                city="Stadt",
                email="p@x.de",
                tax_number="181/815/08155",
            )
        )
        uow.commit()
    case = 0
    for m in range(months):
        start = _month(first, m)
        rows: list[dict[str, Any]] = []
        with app.uow() as uow:
            s = uow.session
            for i in range(claims):
                case += 1
                ref = f"R-{start.year}-{case:06d}"
                patient = Patient(
                    practice_id=1,
                    patient_key=f"p{case}",
                    first_name="Erika",
                    last_name=f"M{case}",
                    street="Weg 1",
                    zip="01001",
                    city="Stadt",
                )
                s.add(patient)
                s.flush()
                invoice = Invoice(
                    practice_id=1,
                    patient_id=patient.id or 0,
                    number=ref,
                    invoice_date=start,
                    due_date=start,
                    amount=D("120.00"),
                    status="im Inkasso",
                )
                s.add(invoice)
                s.flush()
                at = datetime(start.year, start.month, 1 + i % 27, 9, tzinfo=UTC)
                claim = Claim(
                    practice_id=1,
                    invoice_id=invoice.id or 0,
                    reference=ref,
                    delivery=ClaimDelivery.SUBMITTED,
                    legal_basis="consent",
                    legal_basis_date=start,
                    principal=D("120.00"),
                    case_fee=D("2.50"),
                    case_id=case,
                    created_by="bench",
                    created_at=at,
                )
                s.add(claim)
                s.flush()
                fee_day, pay_day = at.date() + timedelta(days=1), at.date() + timedelta(days=2)
                s.add(
                    Fee(
                        practice_id=1,
                        claim_id=claim.id or 0,
                        type="collection_fee",
                        amount=D("30.00"),
                        charged_on=fee_day,
                    )
                )
                s.add(
                    Payment(
                        practice_id=1,
                        invoice_id=invoice.id or 0,
                        claim_id=claim.id,
                        source="agency",
                        amount=D("50.00"),
                        paid_on=pay_day,
                        reference=f"P{case}",
                        delivery=PaymentDelivery.NONE,
                    )
                )
                rows += [
                    _row(case, ref, at.date(), "case_fee", "2.50"),
                    _row(case, ref, fee_day, "collection_fee", "30.00"),
                    _row(case, ref, pay_day, "debtor_payment", "50.00"),
                ]
            # what the month's collections leave on the clearing account (17,50 a case), paid out in two
            payouts = [
                (start + timedelta(days=14), D(claims * 10)),
                (start + timedelta(days=27), D(claims) * D("7.5")),
            ]
            rows += [_row(0, "", day, "payout", str(amount)) for day, amount in payouts]
            s.add(
                Statement(practice_id=1, month=start.strftime("%Y-%m"), message_key=f"<{m}@bench>", rows=rows)
            )
            for n, (day, amount) in enumerate(payouts):
                s.add(
                    BankTransaction(
                        practice_id=1,
                        key=f"ref:{m}:{n}",
                        kind="payout",
                        booked_on=day + timedelta(days=1),
                        amount=amount - (D("1.00") if n else 0),
                        payer="1159 Finance GmbH",
                        bank_reference=f"B{m}-{n}",
                        source_format="camt.053",
                    )
                )
            uow.commit()


def timed(what: str, call: Callable[[], object]) -> object:
    wall, cpu = time.perf_counter(), time.process_time()
    result = call()
    print(f"{what:<46} {time.perf_counter() - wall:6.2f} s wall  {time.process_time() - cpu:6.2f} s CPU")
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--months", type=int, default=24)
    parser.add_argument("--claims", type=int, default=300)
    args = parser.parse_args()
    first = date(2024, 11, 1)
    last = _month(first, args.months - 1).strftime("%Y-%m")
    on = _month(first, args.months)
    with tempfile.TemporaryDirectory() as tmp:
        app = build(Settings(database_url=f"sqlite:///{Path(tmp) / 'books.db'}", data_dir=Path(tmp)))
        timed(
            f"seed {args.months} months × {args.claims} hand-overs",
            lambda: seed(app, args.months, args.claims, first),
        )
        result = timed(
            f"three-way reconciliation {last}",
            lambda: three_way.three_way(app.uow(), practice_id=1, actor=OPERATOR, month=last, on=on),
        )
        assert isinstance(result, three_way.ThreeWay)
        print(
            f"  {result.summary()}  clearing {result.opening} → {result.closing}, "
            f"{len(result.payouts.lines)} payouts"
        )
        for fmt in ("pdf", "datev"):
            made = timed(
                f"monthly file {fmt} {last}",
                lambda f=fmt: books.monthly_file(  # type: ignore[misc]
                    app.uow(), settings=app.settings, practice_id=1, actor=OPERATOR, month=last, fmt=f, on=on
                ),
            )
            print(f"  {len(made.data):,} bytes")  # type: ignore[attr-defined]
        app.close()


if __name__ == "__main__":
    main()
