"""Match a bank statement of 20,000 credits against 100,000 open invoices; print time and memory.

A fresh SQLite file (or PostgreSQL database) gets 100,000 open invoices (10,000 patients; every
seventh handed over to 1159 Finance, with its claim); a camt.053 statement is written with 20,000
credits: most name an invoice number (written in several ways, some split over two lines, some
paying two invoices), some only the payer's name, some nothing usable. Timed: reading the file,
and the first import (open invoices indexed in one query, every credit matched and stored, every
match a suggestion, booked at once where no claim waits, the chat told of the rest); the same file
again (everything already known); and the matching alone (index and match, nothing stored). Wall
and CPU time are both printed: on a shared machine the CPU time is what the code costs. Each step
runs in a process of its own, so its peak RSS is its own (not the seeding's).

    .venv/bin/python bench/bank_bench.py [--invoices 100000] [--transactions 20000]
        [--auto-accept] [--database-url postgresql+psycopg://postgres@127.0.0.1:5432/postgres]

Target on the 2-core reference machine (SQLite, and PostgreSQL with --database-url): the first
import, reading included, under 5 s, the same file again about 1 s, peak RSS under 300 MB.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import random
import resource
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import create_engine, func, insert, make_url, select, text

from core.bootstrap import build
from core.config import Settings
from core.db.models import (
    Claim,
    Invoice,
    Notification,
    OutboxItem,
    Patient,
    Payment,
    PaymentSuggestion,
    Practice,
)
from core.domain.dates import utcnow
from core.services.payments_in.bank_formats import read_statement
from core.services.payments_in.bank_import import BankImportResult, import_statement
from core.services.payments_in.bank_index import open_invoice_index
from core.services.payments_in.bank_matching import match_transaction
from core.services.people.access import OPERATOR

T = TypeVar("T")
TARGET_SECONDS = 5.0
TARGET_PEAK_MB = 300
FIRST = ["Erika", "Max", "Anna", "Jonas", "Lena", "Paul", "Mia", "Felix", "Hannah", "Lukas"]
LAST = ["Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker", "Hoffmann", "Koch"]


def peak_rss_mb() -> float:
    """Peak resident set size of this process so far (ru_maxrss is KiB on Linux, bytes on macOS)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def seed(settings: Settings, invoices: int) -> None:
    app = build(settings)
    now = utcnow()
    with app.uow() as uow:
        uow.session.add(
            Practice(id=1, name="Bench", street="Weg 1", zip="01001", city="Stadt", email="p@x.de")
        )
        uow.session.flush()
        patients = [
            {
                "practice_id": 1,
                "patient_key": f"p{i}",
                "first_name": FIRST[i % 10],
                "last_name": f"{LAST[(i // 10) % 10]}-{i}",
                "street": "Weg 1",
                "zip": "01001",
                "city": "Stadt",
            }
            for i in range(1, invoices // 10 + 1)
        ]
        uow.session.connection().execute(insert(Patient), patients)
        rows = [
            {
                "practice_id": 1,
                "patient_id": 1 + i % len(patients),
                "number": f"R-2026-{i:06d}",
                "invoice_date": date(2026, 9, 1),
                "due_date": date(2026, 9, 15),
                "amount": Decimal(4000 + (i * 37) % 20000) / 100,
                "paid_before": Decimal("0"),
                "paid_direct": Decimal("0"),
                "status": "im Inkasso" if i % 7 == 0 else "offen",
                "updated_at": now,
            }
            for i in range(1, invoices + 1)
        ]
        uow.session.connection().execute(insert(Invoice), rows)
        claims = [
            {
                "practice_id": 1,
                "invoice_id": i,
                "reference": f"R-2026-{i:06d}",
                "delivery": "submitted",
                "failure_reason": "",
                "legal_basis": "consent",
                "legal_basis_date": date(2026, 9, 1),
                "principal": _amount(i),
                "case_fee": Decimal("0"),
                "case_id": i,
                "agency_status": "in_collection",
                "interest": Decimal("0"),
                "fees_total": Decimal("0"),
                "paid_to_agency": Decimal("0"),
                "paid_to_creditor": Decimal("0"),
                "outstanding": _amount(i),
                "created_by": "bench",
                "created_at": now,
            }
            for i in range(7, invoices + 1, 7)  # the invoices "im Inkasso" (ids follow i)
        ]
        uow.session.connection().execute(insert(Claim), claims)
        uow.commit()
    app.close()


def _amount(i: int) -> Decimal:
    return Decimal(4000 + (i * 37) % 20000) / 100


def _remittance(i: int, rng: random.Random, invoices: int) -> tuple[str, Decimal, str]:
    """(remittance lines as XML, amount, payer) for a credit paying invoice i, written in some way."""
    number = f"2026-{i:06d}"
    payer = f"{FIRST[(i % (invoices // 10)) % 10]} {LAST[((i % (invoices // 10)) // 10) % 10]}"
    style = rng.randrange(6)
    if style == 0:
        return f"<Ustrd>Rechnung R-{number}</Ustrd>", _amount(i), payer
    if style == 1:
        return f"<Ustrd>Rg. R {number[:7]}</Ustrd><Ustrd>{number[7:]} danke</Ustrd>", _amount(i), payer
    if style == 2:
        j = i + 1 if i < invoices else i - 1
        both = _amount(i) + _amount(j)
        return f"<Ustrd>RE {number} und R-2026-{j:06d}</Ustrd>", both, payer
    if style == 3:
        return f"<Ustrd>R{number.replace('-', '')}</Ustrd>", _amount(i) - Decimal("10.00"), payer
    if style == 4:
        return "<Ustrd>Behandlung Physiotherapie</Ustrd>", _amount(i), payer
    return "<Ustrd>Danke fuer alles</Ustrd>", Decimal("12.34"), "Unbekannt"


def write_statement(path: Path, transactions: int, invoices: int) -> None:
    rng = random.Random(1159)
    day = date(2026, 12, 1)
    with path.open("w", encoding="utf-8") as out:
        out.write('<?xml version="1.0" encoding="UTF-8"?>\n')
        out.write('<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"><BkToCstmrStmt><Stmt>')
        out.write("<Acct><Id><IBAN>DE89370400440532013000</IBAN></Id></Acct>")
        for n in range(transactions):
            lines, amount, payer = _remittance(rng.randrange(1, invoices + 1), rng, invoices)
            booked = (day + timedelta(days=n % 28)).isoformat()
            out.write(
                f'<Ntry><Amt Ccy="EUR">{amount}</Amt><CdtDbtInd>CRDT</CdtDbtInd>'
                f"<BookgDt><Dt>{booked}</Dt></BookgDt><AcctSvcrRef>B{n:08d}</AcctSvcrRef>"
                f"<NtryDtls><TxDtls><RltdPties><Dbtr><Pty><Nm>{payer}</Nm></Pty></Dbtr></RltdPties>"
                f"<RmtInf>{lines}</RmtInf></TxDtls></NtryDtls></Ntry>"
            )
        out.write("</Stmt></BkToCstmrStmt></Document>")


def timed_import(settings: Settings, path: Path) -> tuple[str, float, float, float]:
    """(what it did, seconds reading, seconds importing, CPU seconds of both)."""
    app = build(settings)
    try:
        start, cpu = time.perf_counter(), time.process_time()
        statement = read_statement(path.read_bytes())
        parsed = time.perf_counter() - start
        result = import_statement(app.uow(), practice_id=1, actor=OPERATOR, statement=statement)
        seconds, cpu = time.perf_counter() - start - parsed, time.process_time() - cpu
        return _did(result), parsed, seconds, cpu
    finally:
        app.close()


def _did(result: BankImportResult) -> str:
    return (
        f"{result.new:,} new, {result.known:,} known, {result.matched:,} matched "
        f"({len(result.matches):,} matches: {result.booked:,} booked at once, "
        f"{result.waiting:,} waiting for a person)"
    )


def timed_matching(settings: Settings, path: Path) -> tuple[int, float, float]:
    """Matching alone: the open invoices indexed in one query, then every credit matched."""
    app = build(settings)
    statement = read_statement(path.read_bytes())
    try:
        start, cpu = time.perf_counter(), time.process_time()
        with app.uow() as uow:
            index = open_invoice_index(uow.session, practice_id=1)
        found = sum(len(match_transaction(tx, index)) for tx in statement.transactions)
        return found, time.perf_counter() - start, time.process_time() - cpu
    finally:
        app.close()


def stored(settings: Settings) -> str:
    """What the imports left behind: each suggestion once, the payments, reports, chat notices."""
    app = build(settings)
    try:
        with app.engine.connect() as connection:
            counts = [
                connection.execute(select(func.count()).select_from(table)).scalar_one()
                for table in (PaymentSuggestion, Payment, OutboxItem, Notification)
            ]
    finally:
        app.close()
    return (
        f"{'stored':<13} {counts[0]:,} suggestions, {counts[1]:,} payments, "
        f"{counts[2]:,} reports queued for 1159 Finance, {counts[3]:,} chat notices"
    )


def alone(step: Callable[..., T], *args: Any) -> tuple[T, float]:
    """Run `step` in a process of its own: (its result, that process's peak RSS in MB). The
    seeding's 100,000 rows in Python must not count towards the import's memory."""
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
        return pool.submit(_measured, step, *args).result()


def _measured(step: Callable[..., T], *args: Any) -> tuple[T, float]:
    return step(*args), peak_rss_mb()


@contextmanager
def database(url: str | None, tmp: Path) -> Iterator[str]:
    """A fresh SQLite file, or a fresh database on the PostgreSQL server of `url` (dropped after)."""
    if url is None:
        yield f"sqlite:///{tmp}/bench.db"
        return
    name = f"bank_bench_{os.getpid()}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f"CREATE DATABASE {name}"))
    try:
        yield str(make_url(url).set(database=name))
    finally:
        with admin.connect() as connection:
            connection.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        admin.dispose()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--invoices", type=int, default=100_000)
    parser.add_argument("--transactions", type=int, default=20_000)
    parser.add_argument("--auto-accept", action="store_true", help="PAYMENTS_AUTO_ACCEPT_EXACT=true")
    parser.add_argument("--database-url", help="a PostgreSQL server (postgresql+psycopg://…/postgres)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, database(args.database_url, Path(tmp)) as url:
        settings = Settings(  # type: ignore[call-arg]
            database_url=url, data_dir=Path(tmp), payments_auto_accept_exact=args.auto_accept
        )
        start = time.perf_counter()
        alone(seed, settings, args.invoices)
        statement = Path(tmp) / "camt053.xml"
        write_statement(statement, args.transactions, args.invoices)
        print(
            f"setup: {url.split(':')[0]}, {args.invoices:,} open invoices ({args.invoices // 7:,} at "
            f"1159 Finance), {args.transactions:,} credits in {time.perf_counter() - start:.1f} s "
            f"({statement.stat().st_size / 1e6:.1f} MB file), "
            f"auto-accept {'on' if args.auto_accept else 'off'}"
        )
        ok, peaks = True, []
        for label in ("first import", "same again"):
            (did, parsed, imported, cpu), peak = alone(timed_import, settings, statement)
            total = parsed + imported
            ok, peaks = ok and total < TARGET_SECONDS, [*peaks, peak]
            print(
                f"{label:<13} read {parsed:.2f} s + import {imported:.2f} s = {total:.2f} s "
                f"(target < {TARGET_SECONDS:.0f} s; CPU {cpu:.2f} s, {cpu / total:.0%} of a core; "
                f"peak RSS {peak:.0f} MB): {did}"
            )
        print(stored(settings))
        (found, seconds, cpu), peak = alone(timed_matching, settings, statement)
        print(
            f"{'matching':<13} index + match {seconds:.2f} s (target < {TARGET_SECONDS:.0f} s; "
            f"CPU {cpu:.2f} s, {cpu / seconds:.0%} of a core; peak RSS {peak:.0f} MB): {found:,} matches"
        )
        ok = ok and seconds < TARGET_SECONDS
        peak = max(*peaks, peak)
        print(f"peak RSS {peak:.0f} MB of any step (target < {TARGET_PEAK_MB} MB)")
        return 0 if ok and peak < TARGET_PEAK_MB else 1


if __name__ == "__main__":
    raise SystemExit(main())
