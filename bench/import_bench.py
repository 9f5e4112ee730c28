"""Import 100,000 generated invoice rows into a fresh SQLite file; print rows/s and peak memory.

Three runs on one database: the first import, a re-import of the same file (nothing changes),
and a newer export in which nearly every row changed (the update path).

    .venv/bin/python bench/import_bench.py [--rows 100000] [--patients 10000] [--keep DIR]

Target on the 2-core reference machine: at least 5,000 rows/s, peak RSS under 300 MB.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from core.bootstrap import build
from core.config import Settings
from core.db.engine import UnitOfWork
from core.domain.dates import today
from core.services.demo.demo_data import ensure_practice, write_export
from core.services.invoicing.invoice_import import ImportResult, import_invoices
from core.services.people.access import OPERATOR

TARGET_ROWS_PER_SECOND = 5_000
TARGET_PEAK_MB = 300


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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--patients", type=int, default=10_000)
    parser.add_argument("--keep", type=Path, default=None, help="keep export and database in this folder")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="import-bench-") as tmp:
        folder = args.keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        db = folder / "bench.db"
        db.unlink(missing_ok=True)
        export, newer = folder / "export.csv", folder / "export-next-day.csv"

        start = time.perf_counter()
        write_export(export, seed=1159, patients=args.patients, invoices=args.rows)
        # The same practice a day later: every row's dates move, so (nearly) every invoice changes.
        on = today() + timedelta(days=1)
        write_export(newer, seed=1159, patients=args.patients, invoices=args.rows, on=on)
        size_mb = export.stat().st_size / 1e6
        print(f"export: {args.rows:,} rows, {size_mb:.1f} MB, written in {time.perf_counter() - start:.1f} s")
        rss_before = peak_rss_mb()

        settings = Settings(database_url=f"sqlite:///{db}", data_dir=folder)
        app = build(settings)
        ensure_practice(
            app.uow(), practice_id=app.practice_id, email="praxis@example.org", case_fee=settings.case_fee
        )

        failed = False
        for label, path in (("first import", export), ("re-import", export), ("newer export", newer)):
            result, seconds, cpu = timed_import(app.uow(), app.practice_id, path)
            rate = result.rows / seconds
            peak = peak_rss_mb()
            print(
                f"{label:<13} {result.rows:,} rows in {seconds:.2f} s = {rate:,.0f} rows/s "
                f"(CPU {cpu:.2f} s = {result.rows / cpu:,.0f} rows per CPU-second); "
                f"created {result.created:,}, updated {result.updated:,}, unchanged {result.unchanged:,}; "
                f"peak RSS {peak:.0f} MB (before import {rss_before:.0f} MB)"
            )
            if cpu / seconds < 0.8:
                print(f"{'':<13} (machine busy: this process got {cpu / seconds:.0%} of a core)")
            failed |= rate < TARGET_ROWS_PER_SECOND or peak >= TARGET_PEAK_MB
        app.close()
    verdict = "missed" if failed else "met"
    print(f"target (>= {TARGET_ROWS_PER_SECOND:,} rows/s, peak RSS < {TARGET_PEAK_MB} MB): {verdict}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
