"""Import 100,000 generated invoice rows into a fresh SQLite file; print rows/s and peak memory.

Three runs on one database: the first import, a re-import of the same file (nothing changes),
and a newer export in which nearly every row changed (the update path). Then the same export as
an Excel workbook (typed cells: numbers, dates), imported into a second, fresh database; its
figure is printed beside the target, which is set for CSV.

Beside the first import, on the same file and in the same run, a plain script reads it with the
`csv` module and stores it with one `executemany` INSERT in one transaction, into a table with a
text column per export column (no checks at all: the limit of reading and storing). It runs once
before and once after the product's first import, and the product is compared with their mean.

    .venv/bin/python bench/import_bench.py [--rows 100000] [--patients 10000] [--consent-share F]
                                           [--keep DIR] [--database-url postgresql+psycopg://…/postgres]

`--consent-share` fills `Einwilligung am` in that share of the rows (each then becomes a consent
row; the newer export moves the date, so those consents are replaced).

With --database-url, the first import and the plain script also run on a fresh database of that
PostgreSQL server (created and dropped by the bench); their figures are printed, not judged.

Targets on the 2-core reference machine: at least 5,000 rows/s, peak RSS under 300 MB, and the
first import at least a third of the plain script's rows/s on SQLite (every check of the import
on). Every figure is printed with the machine's load: above 2, a run waited for a core.
"""

from __future__ import annotations

import argparse
import csv
import resource
import sqlite3
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

import psycopg
from bench_db import drop_database, fresh_database, load
from openpyxl import Workbook
from openpyxl.utils import get_column_letter
from sqlalchemy import make_url

from core.bootstrap import App, build
from core.config import Settings
from core.db.engine import UnitOfWork
from core.domain.dates import today
from core.services.demo.demo_data import ensure_practice, write_export
from core.services.invoicing.import_cells import AMOUNT_COLUMNS, DATE_COLUMNS
from core.services.invoicing.invoice_import import ImportResult, import_invoices
from core.services.people.access import OPERATOR

TARGET_ROWS_PER_SECOND = 5_000
TARGET_PEAK_MB = 300
TARGET_SHARE_OF_PLAIN = 1 / 3


def peak_rss_mb() -> float:
    """Peak resident set size of this process so far (ru_maxrss is KiB on Linux, bytes on macOS)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def timed_import(uow: UnitOfWork, practice_id: int, path: Path) -> tuple[ImportResult, float, float]:
    """The result, wall-clock seconds and CPU seconds of this process (the CPU figure is the
    fairer one on a shared machine)."""
    start, cpu = time.perf_counter(), time.process_time()
    result = import_invoices(uow, practice_id=practice_id, actor=OPERATOR, path=path)
    return result, time.perf_counter() - start, time.process_time() - cpu


def plain_script(path: Path, database: str) -> tuple[int, float, float]:
    """Rows, wall seconds and CPU seconds of this process of the plain script: `csv` and one
    executemany in one transaction (SQLite: a file path, set up as the product sets up SQLite;
    PostgreSQL: a libpq URL)."""
    start, cpu = time.perf_counter(), time.process_time()
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle, delimiter=";")
        header = next(reader)
        columns = ", ".join(f"c{i} TEXT" for i in range(len(header)))
        if database.startswith("postgresql://"):
            with psycopg.connect(database) as pg, pg.cursor() as cursor:
                cursor.execute(f"CREATE TABLE plain_invoices ({columns})")
                marks = ", ".join(["%s"] * len(header))
                cursor.executemany(f"INSERT INTO plain_invoices VALUES ({marks})", reader)
                rows = cursor.execute("SELECT count(*) FROM plain_invoices").fetchone()
                cursor.execute("DROP TABLE plain_invoices")
        else:
            lite = sqlite3.connect(database)
            lite.execute("PRAGMA journal_mode=WAL")  # as core/db/engine.py sets up SQLite
            lite.execute("PRAGMA synchronous=NORMAL")
            lite.execute(f"CREATE TABLE plain_invoices ({columns})")
            with lite:
                lite.executemany(
                    f"INSERT INTO plain_invoices VALUES ({', '.join('?' * len(header))})", reader
                )
            rows = lite.execute("SELECT count(*) FROM plain_invoices").fetchone()
            lite.close()
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    assert rows is not None
    return int(rows[0]), seconds, cpu


def plain_line(label: str, rows: int, seconds: float, cpu: float) -> tuple[float, float]:
    """Prints the plain script's figures; its rows per second and per CPU-second."""
    print(
        f"{'plain script':<13} {rows:,} rows in {seconds:.2f} s = {rows / seconds:,.0f} rows/s "
        f"(CPU {cpu:.2f} s = {rows / cpu:,.0f} rows per CPU-second; {label}; {load()})"
    )
    return rows / seconds, rows / cpu


def beside_plain(
    label: str, app: App, plain: Callable[[], tuple[int, float, float]], export: Path, rss_before: float
) -> Share:
    """The plain script, the product's first import, the plain script again (on a busy machine the
    load changes within a minute); the product against the plain script's mean."""
    before = plain_line(label, *plain())
    result, seconds, cpu = timed_import(app.uow(), app.practice_id, export)
    rate = report(f"first import ({label})", result, seconds, cpu, rss_before)
    after = plain_line(label, *plain())
    return Share(rate, (before[0] + after[0]) / 2, result.rows / cpu, (before[1] + after[1]) / 2)


@dataclass(frozen=True)
class Share:
    """The first import and the plain script: rows per second, and per CPU-second of this process."""

    rate: float
    plain: float
    cpu_rate: float
    plain_cpu: float


def product(url: str, folder: Path) -> App:
    app = build(Settings(database_url=url, data_dir=folder))
    ensure_practice(
        app.uow(), practice_id=app.practice_id, email="praxis@example.org", case_fee=app.settings.case_fee
    )
    return app


def share_line(database: str, figures: Share, judged: bool) -> bool:
    """One summary line: the first import against the plain script; whether the target is met.
    On SQLite all the work is this process's, so its CPU seconds give a second, load-proof ratio."""
    rate, plain = figures.rate, figures.plain
    met = rate / plain >= TARGET_SHARE_OF_PLAIN
    verdict = ("met" if met else "missed") if judged else "printed, not judged"
    by_cpu = figures.cpu_rate / figures.plain_cpu
    print(
        f"target first import >= 1/3 of the plain script on {database}: {rate:,.0f} vs. {plain:,.0f} rows/s "
        f"= {rate / plain:.2f} (1/{plain / rate:.1f}): {verdict}"
        + (f"; per CPU-second {by_cpu:.2f} (1/{1 / by_cpu:.1f})" if judged else "")
        + f" ({load()})"
    )
    return met or not judged


def write_xlsx(export: Path, target: Path) -> Path:
    """The CSV export with typed cells (amounts as numbers, dates as dates), streamed.

    openpyxl's write-only mode writes no sheet dimension, which Excel and LibreOffice always write;
    without it, openpyxl's reader scans the whole sheet once for its size before the rows. The
    dimension is added afterwards so the file reads like one saved by Excel (its strings stay
    inline, where Excel would use a shared table: the slower case for the reader)."""
    plain = target.with_suffix(".plain.xlsx")
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet()
    with export.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle, delimiter=";")
        header = next(reader)
        sheet.append(header)
        dates = {i for i, c in enumerate(header) if c in DATE_COLUMNS}
        amounts = {i for i, c in enumerate(header) if c in AMOUNT_COLUMNS}
        for row in reader:
            sheet.append([_typed(v, i in dates, i in amounts) for i, v in enumerate(row)])
            rows = reader.line_num
    workbook.save(plain)
    _add_dimension(plain, target, f"A1:{get_column_letter(len(header))}{rows}")
    plain.unlink()
    return target


def _add_dimension(source: Path, target: Path, ref: str) -> None:
    """Copy the workbook, writing `<dimension ref=…/>` into the sheet where Excel puts it."""
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out:
        for item in src.infolist():
            if item.filename != "xl/worksheets/sheet1.xml":
                out.writestr(item, src.read(item.filename))
                continue
            with src.open(item) as reader, out.open(item.filename, "w") as writer:
                head = reader.read(1 << 16)
                writer.write(head.replace(b"</sheetPr>", f'</sheetPr><dimension ref="{ref}" />'.encode(), 1))
                while chunk := reader.read(1 << 20):
                    writer.write(chunk)


def _typed(value: str, is_date: bool, is_amount: bool) -> object:
    if not value:
        return None
    if is_date:
        return datetime.strptime(value, "%d.%m.%Y")
    if is_amount:
        return Decimal(value.replace(".", "").replace(",", "."))
    return value


def with_consents(path: Path, share: float, signed: str) -> None:
    """Give every n-th row (n from `share`) an `Einwilligung am` of `signed`, in place."""
    if share <= 0:
        return
    every = max(round(1 / share), 1)
    filled = path.with_suffix(".consents.csv")
    with path.open(encoding="utf-8", newline="") as src, filled.open("w", encoding="utf-8", newline="") as to:
        reader, writer = csv.reader(src, delimiter=";"), csv.writer(to, delimiter=";")
        header = next(reader)
        writer.writerow(header)
        column = header.index("Einwilligung am")
        for n, row in enumerate(reader):
            if n % every == 0:
                row[column] = signed
            writer.writerow(row)
    filled.replace(path)


def report(label: str, result: ImportResult, seconds: float, cpu: float, rss_before: float) -> float:
    """Print one run's figures; return its rows per second."""
    rate = result.rows / seconds
    print(
        f"{label:<13} {result.rows:,} rows in {seconds:.2f} s = {rate:,.0f} rows/s "
        f"(CPU {cpu:.2f} s = {result.rows / cpu:,.0f} rows per CPU-second); "
        f"created {result.created:,}, updated {result.updated:,}, unchanged {result.unchanged:,}; "
        f"peak RSS {peak_rss_mb():.0f} MB (before import {rss_before:.0f} MB) ({load()})"
    )
    if cpu / seconds < 0.8:
        print(f"{'':<13} (machine busy: this process got {cpu / seconds:.0%} of a core)")
    return rate


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--patients", type=int, default=10_000)
    parser.add_argument("--consent-share", type=float, default=0.0, help="share of rows with a consent date")
    parser.add_argument("--keep", type=Path, default=None, help="keep export and database in this folder")
    parser.add_argument("--database-url", default=None, help="also a PostgreSQL server's figures")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="import-bench-") as tmp:
        folder = args.keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        for old in folder.glob("*.db*"):
            old.unlink()
        export, newer = folder / "export.csv", folder / "export-next-day.csv"

        start = time.perf_counter()
        write_export(export, seed=1159, patients=args.patients, invoices=args.rows)
        # The same practice a day later: every row's dates move, so (nearly) every invoice changes.
        on = today() + timedelta(days=1)
        write_export(newer, seed=1159, patients=args.patients, invoices=args.rows, on=on)
        with_consents(export, args.consent_share, "01.01.2024")
        with_consents(newer, args.consent_share, "02.01.2024")
        size_mb = export.stat().st_size / 1e6
        print(f"export: {args.rows:,} rows, {size_mb:.1f} MB, written in {time.perf_counter() - start:.1f} s")
        rss_before = peak_rss_mb()

        def plain_sqlite() -> tuple[int, float, float]:
            (folder / "plain.db").unlink(missing_ok=True)
            return plain_script(export, str(folder / "plain.db"))

        app = product(f"sqlite:///{folder / 'bench.db'}", folder)
        sqlite_share = beside_plain("SQLite", app, plain_sqlite, export, rss_before)
        failed = sqlite_share.rate < TARGET_ROWS_PER_SECOND or peak_rss_mb() >= TARGET_PEAK_MB
        for label, path in (("re-import", export), ("newer export", newer)):
            result, seconds, cpu = timed_import(app.uow(), app.practice_id, path)
            failed |= report(label, result, seconds, cpu, rss_before) < TARGET_ROWS_PER_SECOND
            failed |= peak_rss_mb() >= TARGET_PEAK_MB
        app.close()

        postgres: Share | None = None
        if args.database_url is not None:
            url, dropped = fresh_database(args.database_url, folder, "import_bench")
            libpq = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
            try:
                pg_app = product(url, folder)
                postgres = beside_plain(
                    "PostgreSQL", pg_app, lambda: plain_script(export, libpq), export, rss_before
                )
                pg_app.close()
            finally:
                assert dropped is not None
                drop_database(args.database_url, dropped)

        start = time.perf_counter()
        workbook = write_xlsx(export, folder / "export.xlsx")
        size_mb = workbook.stat().st_size / 1e6
        print(f"xlsx: {size_mb:.1f} MB, written in {time.perf_counter() - start:.1f} s")
        excel_app = product(f"sqlite:///{folder / 'bench-xlsx.db'}", folder)
        result, seconds, cpu = timed_import(excel_app.uow(), excel_app.practice_id, workbook)
        report("xlsx import", result, seconds, cpu, rss_before)
        failed |= peak_rss_mb() >= TARGET_PEAK_MB
        excel_app.close()
    print(
        f"target (CSV >= {TARGET_ROWS_PER_SECOND:,} rows/s; peak RSS < {TARGET_PEAK_MB} MB incl. xlsx): "
        f"{'missed' if failed else 'met'} ({load()})"
    )
    failed |= not share_line("SQLite", sqlite_share, judged=True)
    if postgres is not None:
        share_line("PostgreSQL", postgres, judged=False)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
