"""First render of every dashboard page with 100,000 invoices and 10,000 cases; prints seconds per page.

    .venv/bin/python bench/dashboard_bench.py [--invoices 100000] [--cases 10000] [--database-url URL]

Data is generated straight into a fresh SQLite file (or the given empty database): patients,
invoices, claims with fees and payments, audit events and a statement. Each page is then
rendered once in a new session (Streamlit AppTest, logged in as a manager), after one warm-up
render that builds the App (engine, migrations). Target: every page under 1.5 s.
"""

from __future__ import annotations

import argparse
import logging
import os
import random
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import insert

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from core.bootstrap import App, build  # noqa: E402
from core.config import Settings  # noqa: E402
from core.db.models import AuditEvent, Claim, Consent, Fee, Invoice, Patient, Payment, Practice  # noqa: E402
from core.services.accounting import books, statements  # noqa: E402
from core.services.people import users  # noqa: E402
from core.services.people.access import OPERATOR  # noqa: E402
from core.services.people.sessions import session_actor, start_login  # noqa: E402

TARGET_SECONDS = 1.5
PAGES = [
    "views/overview.py",
    "views/overdue.py",
    "views/cases.py",
    "views/case.py",
    "views/fees.py",
    "views/onboarding.py",
    "views/statements.py",
    "views/audit.py",
    "views/users.py",
]
STATUSES = [
    "received",
    "in_collection",
    "in_collection",
    "instalment",
    "legal",
    "paid",
    "paid",
    "uncollectible",
]
CHUNK = 5_000


def _bulk(app: App, model: Any, rows: list[dict[str, Any]]) -> None:
    with app.uow() as uow:
        for i in range(0, len(rows), CHUNK):
            uow.session.execute(insert(model), rows[i : i + CHUNK])
        uow.commit()


def generate(app: App, *, invoices: int, cases: int, seed: int = 1159) -> None:
    rnd = random.Random(seed)
    today = date.today()
    with app.uow() as uow:
        uow.session.add(
            Practice(
                id=app.practice_id,
                name="Bench-Praxis",
                street="Musterweg 1",
                zip="01001",
                city="Musterstadt",
                onboarding_state="aktiv",
                contract_start=today - timedelta(days=500),
                case_fee=Decimal("2.50"),
            )
        )
        uow.commit()
    patients = max(invoices // 5, 1)
    _bulk(
        app,
        Patient,
        [
            {
                "practice_id": app.practice_id,
                "patient_key": f"p{i}",
                "first_name": f"Vorname{i}",
                "last_name": f"Nachname{i}",
                "street": "Weg 1",
                "zip": "01001",
                "city": "Ort",
            }
            for i in range(1, patients + 1)
        ],
    )
    invoice_rows: list[dict[str, Any]] = []
    for i in range(1, invoices + 1):
        due = today - timedelta(days=rnd.randint(-20, 720))
        in_case = i <= cases
        status = (
            "im Inkasso" if in_case else rnd.choice(["offen", "offen", "bezahlt", "bezahlt", "teilbezahlt"])
        )
        amount = Decimal(rnd.randint(3_000, 90_000)) / 100
        paid = (
            amount
            if status == "bezahlt"
            else (amount / 2).quantize(Decimal("0.01"))
            if status == "teilbezahlt"
            else 0
        )
        invoice_rows.append(
            {
                "practice_id": app.practice_id,
                "patient_id": rnd.randint(1, patients),
                "number": f"R-{i:06d}",
                "invoice_date": due - timedelta(days=14),
                "due_date": due,
                "amount": amount,
                "paid_before": Decimal(paid),
                "paid_direct": Decimal(0),
                "status": status,
                "reminder_date": due + timedelta(days=14) if rnd.random() < 0.6 else None,
                "handover_announced": rnd.random() < 0.5,
                "updated_at": datetime.now(UTC),
            }
        )
    _bulk(app, Invoice, invoice_rows)
    # Every 5th patient signed a consent for all their invoices; every 4th of those revoked it.
    signed = today - timedelta(days=800)
    consent_rows = [
        {
            "practice_id": app.practice_id, "patient_id": p, "given_on": signed,
            "revoked_on": today - timedelta(days=10) if p % 20 == 0 else None,
            "recorded_at": datetime.now(UTC),
        }
        for p in range(5, patients + 1, 5)
    ]  # fmt: skip
    _bulk(app, Consent, consent_rows)
    claim_rows: list[dict[str, Any]] = []
    fee_rows: list[dict[str, Any]] = []
    pay_rows: list[dict[str, Any]] = []
    audit_rows: list[dict[str, Any]] = []
    for i in range(1, cases + 1):
        created = datetime.now(UTC) - timedelta(days=rnd.randint(0, 540), minutes=rnd.randint(0, 1440))
        status = rnd.choice(STATUSES)
        principal: Decimal = invoice_rows[i - 1]["amount"]
        paid = principal if status == "paid" else Decimal(0)
        claim_rows.append(
            {
                "practice_id": app.practice_id,
                "invoice_id": i,
                "reference": f"R-{i:06d}",
                "delivery": "submitted",
                "legal_basis": "announced_reminder",
                "legal_basis_date": created.date(),
                "principal": principal,
                "case_fee": Decimal("2.50") if created.date() > today - timedelta(days=320) else Decimal(0),
                "case_id": i,
                "agency_status": status,
                "interest": Decimal(0),
                "fees_total": Decimal("58.80"),
                "paid_to_agency": paid,
                "paid_to_creditor": Decimal(0),
                "outstanding": principal - paid,
                "created_by": "bench",
                "created_at": created,
                "submitted_at": created,
                "closed_at": created + timedelta(days=60) if status in ("paid", "uncollectible") else None,
            }
        )
        charged = created.date() + timedelta(days=3)
        fee_rows += [
            {
                "practice_id": app.practice_id,
                "claim_id": i,
                "type": "collection_fee",
                "amount": Decimal("49.00"),
                "charged_on": charged,
                "seq": 0,
            },
            {
                "practice_id": app.practice_id,
                "claim_id": i,
                "type": "expenses",
                "amount": Decimal("9.80"),
                "charged_on": charged,
                "seq": 0,
            },
        ]
        for n in range(rnd.randint(0, 2)):
            pay_rows.append(
                {
                    "practice_id": app.practice_id,
                    "invoice_id": i,
                    "claim_id": i,
                    "source": "agency",
                    "amount": Decimal(rnd.randint(1_000, 10_000)) / 100,
                    "paid_on": min(created.date() + timedelta(days=10 + 20 * n), today),
                    "reference": f"A{i}-{n}",
                    "delivery": "none",
                    "recorded_by": "1159 Finance",
                    "created_at": created,
                }
            )
        audit_rows += [
            {
                "practice_id": app.practice_id,
                "at": created,
                "actor": "bench",
                "action": "claim.create",
                "subject": f"invoice:R-{i:06d}",
                "details": {},
            },
            {
                "practice_id": app.practice_id,
                "at": created + timedelta(days=1),
                "actor": "worker",
                "action": "claim.status",
                "subject": f"invoice:R-{i:06d}",
                "details": {"old": "received", "new": status},
            },
        ]
    for model, rows in ((Claim, claim_rows), (Fee, fee_rows), (Payment, pay_rows), (AuditEvent, audit_rows)):
        _bulk(app, model, rows)
    users.add(
        app.uow(),
        practice_id=app.practice_id,
        actor=OPERATOR,
        role="manager",
        login="bench",
        password="bench-passwort-1",
    )
    last = today.replace(day=1) - timedelta(days=1)
    csv_text = "Fall-Nr;Rechnungsnummer;Buchungsdatum;Buchungsart;Betrag\n1;R-000001;01.01.2020;Zinsen;1,00\n"
    statements.receive_statement(
        app.uow(),
        practice_id=app.practice_id,
        month=f"{last.year}-{last.month:02d}",
        message_key="<bench>",
        attachments=[("Monatsabrechnung.csv", "text/csv", csv_text.encode())],
    )
    print(
        f"data: {invoices:,} invoices, {patients:,} patients, {cases:,} cases, {len(fee_rows):,} fees, "
        f"{len(pay_rows):,} agency payments, {len(audit_rows):,} audit events"
    )


def time_reports(app: App) -> None:
    """The monthly report of the busiest recent month, in each format."""
    last = date.today().replace(day=1) - timedelta(days=1)
    month = f"{last.year}-{last.month:02d}"
    for fmt in ("pdf", "csv", "datev"):
        start = time.perf_counter()
        made = books.monthly_file(
            app.uow(),
            settings=app.settings,
            practice_id=app.practice_id,
            actor=OPERATOR,
            month=month,
            fmt=fmt,
        )
        print(
            f"report {month} {fmt:<5} {time.perf_counter() - start:6.3f} s "
            f"({len(made.report.lines):,} cases, {len(made.data):,} bytes)"
        )


def render_pages(token: str) -> list[tuple[str, float, bool]]:
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    # Bare-mode chatter from cached resources built outside a script run; it buries the figures.
    # (A filter, not a level: Streamlit resets its loggers' levels whenever it reads its config.)
    logging.getLogger("streamlit.runtime.scriptrunner_utils.script_run_context").addFilter(
        lambda record: "missing ScriptRunContext" not in record.getMessage()
    )

    app_file = str(ROOT / "dashboard" / "app.py")
    st.cache_resource.clear()
    results = []

    def session() -> AppTest:
        at = AppTest.from_file(app_file, default_timeout=120)
        at.session_state["auth"] = {"token": token}  # a login as the login page starts it
        at.session_state["case_number"] = "R-000042"
        return at

    start = time.perf_counter()
    session().run()
    print(f"warm-up (imports, engine, migrations check, first page): {time.perf_counter() - start:.2f} s")
    for page in PAGES:
        at = session()
        if page == PAGES[0]:
            start = time.perf_counter()
            at.run()
        else:
            at.run()
            start = time.perf_counter()
            at.switch_page(page).run()
        seconds = time.perf_counter() - start
        ok = not at.exception and not at.error
        results.append((page, seconds, ok))
        problem = "" if ok else f"  PROBLEM: {[e.value for e in at.exception] + [e.value for e in at.error]}"
        print(f"{page:<22} {seconds:6.3f} s{problem}")
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--invoices", type=int, default=100_000)
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument(
        "--database-url", default=None, help="an empty database (default: a fresh SQLite file)"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="dashboard-bench-") as tmp:
        url = args.database_url or f"sqlite:///{Path(tmp) / 'bench.db'}"
        os.environ["DATABASE_URL"] = url
        os.environ["DATA_DIR"] = tmp
        app = build(Settings(database_url=url, data_dir=Path(tmp)))
        start = time.perf_counter()
        generate(app, invoices=args.invoices, cases=args.cases)
        print(f"generated in {time.perf_counter() - start:.1f} s")
        user_id = users.list_users(app.uow(), practice_id=app.practice_id, actor=OPERATOR)[0].id
        actor = session_actor(app.uow(), practice_id=app.practice_id, user_id=user_id or 0)
        assert actor is not None
        token = start_login(app.uow(), practice_id=app.practice_id, actor=actor)
        time_reports(app)
        app.close()
        results = render_pages(token)
    worst = max(seconds for _, seconds, _ in results)
    failed = worst >= TARGET_SECONDS or not all(ok for *_, ok in results)
    verdict = "missed" if failed else "met"
    print(f"slowest page {worst:.3f} s; target (every page < {TARGET_SECONDS} s): {verdict}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
