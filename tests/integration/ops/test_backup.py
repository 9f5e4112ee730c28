"""`inkasso db backup` / `inkasso db restore`: a backup taken mid-story while the database is being
written, restored into a new database, and the story finished on it (a payment reported to the
sandbox, the status read). Every refusal is German and changes nothing."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import threading
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from typer.testing import CliRunner

from cli.main import app as cli
from core.bootstrap import App
from core.services.collection import claims, payments, status
from core.services.messaging import notifications
from tests.integration.collection.claims_helpers import STAFF, agency_payments, client, product, ready_invoice
from tests.peers.sandbox import SandboxHandle


@dataclass(frozen=True)
class Run:
    code: int
    stdout: str
    stderr: str


ROOT = Path(__file__).resolve().parents[3]


def inkasso(database_url: str, cwd: Path, *args: str, real: bool = False) -> Run:
    """`inkasso ARGS` in `cwd` (no stray .env); `real`: in its own process, as an operator runs it."""
    env = {"DATABASE_URL": database_url, "DATA_DIR": str(cwd)}
    if real:
        full = {k: v for k, v in os.environ.items() if not k.startswith("DATABASE_URL")}
        done = subprocess.run(
            [sys.executable, "-c", "from cli.main import app; app()", *args],
            env=full | env | {"PYTHONPATH": str(ROOT)}, cwd=cwd, capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        return Run(done.returncode, done.stdout, done.stderr)
    before = Path.cwd()
    os.chdir(cwd)
    try:
        result = CliRunner().invoke(cli, list(args), env=env)
    finally:
        os.chdir(before)
    return Run(result.exit_code, result.stdout, result.stderr)


def keep_writing(product_app: App, stop: threading.Event) -> threading.Thread:
    """What a running worker does meanwhile: write, commit, write again."""

    def write() -> None:
        n = 0
        while not stop.is_set():
            n += 1
            notifications.add(
                product_app.uow(), practice_id=product_app.practice_id, kind="status", text=f"Runde {n}"
            )

    thread = threading.Thread(target=write, daemon=True)
    thread.start()
    return thread


async def test_a_backup_taken_mid_story_is_restored_into_a_new_database_and_the_story_goes_on(
    tmp_path: Path, sandbox: SandboxHandle
) -> None:
    live = f"sqlite:///{tmp_path / 'live.db'}"
    app = product(live, tmp_path, sandbox)
    ready_invoice(app, "R-1", amount="120,00")
    async with client(sandbox) as finance:
        handed = await claims.create(
            app.uow(), finance=finance, practice_id=app.practice_id, actor=STAFF, number="R-1"
        )
    assert handed.case_id is not None

    stop = threading.Event()
    writer = keep_writing(app, stop)
    try:
        saved = inkasso(live, tmp_path, "db", "backup", str(tmp_path / "sicherung.db"), real=True)
    finally:
        stop.set()
        writer.join(10)
    assert saved.code == 0, saved.stderr
    assert saved.stdout.startswith(f"Gesichert: {tmp_path / 'sicherung.db'}")
    assert not list(tmp_path.glob("sicherung.db?*"))  # one self-contained file: no -wal, no .part
    app.close()

    restored = tmp_path / "neu" / "praxis.db"
    restored.parent.mkdir()
    url = f"sqlite:///{restored}"
    done = inkasso(url, tmp_path, "db", "restore", str(tmp_path / "sicherung.db"))
    assert done.code == 0, done.stderr
    assert "Wiederhergestellt" in done.stdout

    again = product(url, tmp_path, sandbox)  # the worker started on the restored database
    async with client(sandbox) as finance:
        paid = await payments.record_and_send(
            again.uow(),
            finance=finance,
            practice_id=again.practice_id,
            actor=STAFF,
            number="R-1",
            amount="50,00",
        )
        seen = await status.fetch(
            again.uow(), finance=finance, practice_id=again.practice_id, actor=STAFF, number="R-1"
        )
    assert paid.delivered
    assert seen.case_id == handed.case_id and seen.paid_to_practice == Decimal("50.00")
    assert [p["amount"] for p in agency_payments(sandbox)] == [Decimal("50.00")]
    again.close()


def test_a_backup_never_overwrites_and_never_writes_where_it_cannot(
    tmp_path: Path, sandbox: SandboxHandle
) -> None:
    live = f"sqlite:///{tmp_path / 'live.db'}"
    product(live, tmp_path, sandbox).close()
    existing = tmp_path / "schon-da.db"
    existing.write_bytes(b"alt")
    refused = inkasso(live, tmp_path, "db", "backup", str(existing))
    assert refused.code == 1 and "gibt es schon; es wird nichts überschrieben" in refused.stderr
    assert existing.read_bytes() == b"alt"
    nowhere = tmp_path / "fehlt" / "sicherung.db"
    refused = inkasso(live, tmp_path, "db", "backup", str(nowhere))
    assert refused.code == 1 and "kann nicht geschrieben werden" in refused.stderr
    assert not nowhere.parent.exists()


def test_a_restore_refuses_a_foreign_file_and_an_existing_database(
    tmp_path: Path, sandbox: SandboxHandle
) -> None:
    live = tmp_path / "live.db"
    product(f"sqlite:///{live}", tmp_path, sandbox).close()
    target = tmp_path / "neu.db"
    for name, make in {
        "notiz.txt": lambda p: p.write_text("keine Datenbank"),
        "fremd.db": lambda p: (
            sqlite3.connect(p).execute("CREATE TABLE kunden (id INTEGER)").connection.commit()
        ),
    }.items():
        make(tmp_path / name)
        refused = inkasso(f"sqlite:///{target}", tmp_path, "db", "restore", str(tmp_path / name))
        assert refused.code == 1 and "ist keine Sicherung von Praxis-Inkasso" in refused.stderr, name
        assert not target.exists()
    before = live.read_bytes()
    refused = inkasso(f"sqlite:///{live}", tmp_path, "db", "restore", str(live))
    assert refused.code == 1 and "gibt es schon; es wird nichts überschrieben" in refused.stderr
    assert live.read_bytes() == before


def test_on_postgresql_backup_and_restore_explain_pg_dump_and_pg_restore(tmp_path: Path) -> None:
    url = "postgresql+psycopg://praxis:geheim@db.intern:5433/inkasso"
    backup = inkasso(url, tmp_path, "db", "backup", str(tmp_path / "x.dump"))
    assert backup.code == 1
    assert (
        "pg_dump --format=custom" in backup.stderr
        and "postgresql://praxis@db.intern:5433/inkasso" in backup.stderr
    )
    assert "geheim" not in backup.stderr
    restore = inkasso(url, tmp_path, "db", "restore", str(tmp_path / "x.dump"))
    assert (
        restore.code == 1 and "pg_restore" in restore.stderr and "createdb --host=db.intern" in restore.stderr
    )
    assert not (tmp_path / "x.dump").exists()
