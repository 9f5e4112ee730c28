"""The real `inkasso` command: set-up commands, exit codes and German messages (ARCHITECTURE.md)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from cli.main import app
from core.db.engine import make_engine
from tests.factories import add_practice, export_row, make_app, write_csv

INKASSO = Path(sys.executable).with_name("inkasso")
ROOT = Path(__file__).resolve().parents[3]


@dataclass
class Run:
    code: int
    out: str
    err: str


@dataclass
class Cli:
    """`inkasso` as an operator runs it, against one database and data folder.

    On SQLite calls run the typer app in this process (fast); `real=True`, and every call on
    PostgreSQL, start the installed `inkasso` script in a subprocess, as a shell would.
    """

    database_url: str
    folder: Path
    extra_env: dict[str, str] = field(default_factory=dict)

    def env(self) -> dict[str, str]:
        return {"DATABASE_URL": self.database_url, "DATA_DIR": str(self.folder / "data"), **self.extra_env}

    def __call__(self, *args: str, stdin: str = "", real: bool = False) -> Run:
        # In this process the command's PostgreSQL pool would outlive it (a real run just exits).
        if real or not self.database_url.startswith("sqlite"):
            env = {
                "PATH": os.environ.get("PATH", ""),
                "HOME": str(self.folder),
                "LANG": "C.UTF-8",
                # this checkout's code, not whatever the installed script's editable install points at
                "PYTHONPATH": str(ROOT),
                **self.env(),
            }
            done = subprocess.run(
                [str(INKASSO), *args],
                cwd=self.folder,
                env=env,
                input=stdin,
                capture_output=True,
                text=True,
                timeout=60,
            )
            return Run(done.returncode, done.stdout, done.stderr)
        cwd = Path.cwd()
        os.chdir(self.folder)  # no stray .env from wherever the tests were started
        try:
            result = CliRunner().invoke(app, list(args), input=stdin, env=self.env())
        finally:
            os.chdir(cwd)
        return Run(result.exit_code, result.stdout, result.stderr)

    def dump(self, sql: str) -> list[tuple[Any, ...]]:
        engine = make_engine(self.database_url)
        try:
            with engine.connect() as connection:
                return [tuple(row) for row in connection.execute(text(sql))]
        finally:
            engine.dispose()

    def with_practice(self) -> Cli:
        app = make_app(self.database_url, self.folder / "data")
        add_practice(app)
        app.close()
        return self


@pytest.fixture
def cli(sqlite_url: str, tmp_path: Path) -> Cli:
    return Cli(sqlite_url, tmp_path)


@pytest.fixture
def any_cli(database_url: str, tmp_path: Path) -> Iterator[Cli]:
    yield Cli(database_url, tmp_path)


INVOICES = (
    "SELECT number, invoice_date, due_date, amount, paid_before, status, row_hash "
    "FROM invoice ORDER BY number"
)
PATIENTS = (
    "SELECT patient_key, first_name, last_name, street, city, email, phone FROM patient ORDER BY patient_key"
)


def test_db_upgrade_creates_the_schema_and_says_so(cli: Cli) -> None:
    run = cli("db", "upgrade")
    assert (run.code, run.out.strip()) == (0, "Datenbank ist auf dem neuesten Stand.")
    assert cli.dump("SELECT count(*) FROM invoice") == [(0,)]


def test_seed_builds_the_demo_practice_and_overdue_lists_it_as_json(cli: Cli) -> None:
    seeded = cli("seed", "--seed", "7")
    assert seeded.code == 0, seeded.err
    assert seeded.out.strip() == "Demo-Praxis bereit: 2500 Rechnungen neu, 0 geändert, 0 unverändert."

    listed = cli("overdue", "--json", "--per-page", "5")

    assert listed.code == 0, listed.err
    overdue = json.loads(listed.out)
    assert overdue["total"] > 0 and len(overdue["items"]) == 5
    first = overdue["items"][0]
    assert first["bucket"] in {"0–30", "31–60", "61–90", "90+"}
    assert first["open_amount"].count(".") == 1  # an exact decimal string, never a float


def test_seed_gives_identical_data_for_the_same_seed_and_changes_nothing_when_repeated(
    tmp_path: Path,
) -> None:
    one = Cli(f"sqlite:///{tmp_path / 'one.db'}", tmp_path / "one")
    other = Cli(f"sqlite:///{tmp_path / 'other.db'}", tmp_path / "other")
    different = Cli(f"sqlite:///{tmp_path / 'different.db'}", tmp_path / "different")
    for target, seed in ((one, "42"), (other, "42"), (different, "43")):
        target.folder.mkdir()
        assert target("seed", "--seed", seed).code == 0

    assert one.dump(INVOICES) == other.dump(INVOICES)
    assert one.dump(PATIENTS) == other.dump(PATIENTS)
    assert one.dump(INVOICES) != different.dump(INVOICES)
    again = one("seed", "--seed", "42")
    assert again.out.strip() == "Demo-Praxis bereit: 0 Rechnungen neu, 0 geändert, 2500 unverändert."


def test_a_good_export_is_imported_and_a_dry_run_stores_nothing(cli: Cli) -> None:
    cli.with_practice()
    path = write_csv(cli.folder / "export.csv", [export_row("R-1"), export_row("R-2")], encoding="cp1252")

    dry = cli("import", "invoices", str(path), "--dry-run")
    assert (dry.code, dry.out.strip()) == (
        0,
        "Probelauf (nichts gespeichert): 2 Rechnungen gelesen: 2 neu, 0 geändert, 0 unverändert.",
    )
    assert cli.dump("SELECT count(*) FROM invoice") == [(0,)]

    done = cli("import", "invoices", str(path))
    assert (done.code, done.out.strip()) == (0, "2 Rechnungen gelesen: 2 neu, 0 geändert, 0 unverändert.")
    again = cli("import", "invoices", str(path))
    assert again.out.strip() == "2 Rechnungen gelesen: 0 neu, 0 geändert, 2 unverändert."


def test_a_bad_export_is_refused_with_exit_code_1_every_bad_line_in_german_and_nothing_changed(
    cli: Cli,
) -> None:
    cli.with_practice()
    assert cli("import", "invoices", str(write_csv(cli.folder / "good.csv", [export_row("R-1")]))).code == 0
    before = cli.dump(INVOICES)
    rows = [export_row("R-1", amount="999,00"), export_row("R-2", Betrag="zwölf"), export_row("R-3")]
    rows[2]["Fällig am"] = "31.02.2026"

    run = cli("import", "invoices", str(write_csv(cli.folder / "bad.csv", rows)), real=True)

    assert run.code == 1
    assert run.out == ""
    lines = run.err.strip().splitlines()
    assert lines[0] == "Die Datei wurde nicht importiert, nichts wurde geändert:"
    assert lines[1].startswith("Zeile 3: Betrag: „zwölf“ ist kein gültiger Betrag.")
    assert lines[2] == "Zeile 4: Fällig am „31.02.2026“ gibt es nicht im Kalender. Bitte prüfen."
    assert "Traceback" not in run.err
    assert cli.dump(INVOICES) == before


def test_a_missing_file_is_refused_in_german(cli: Cli) -> None:
    run = cli.with_practice()("import", "invoices", "gibt-es-nicht.csv")
    assert (run.code, run.err.strip()) == (
        1,
        "Die Datei gibt-es-nicht.csv gibt es nicht. Bitte den Pfad prüfen.",
    )


def test_commands_before_any_practice_exists_say_what_to_do_first(cli: Cli) -> None:
    path = write_csv(cli.folder / "export.csv", [export_row("R-1")])
    for args in (("onboarding", "status"), ("import", "invoices", str(path))):
        run = cli(*args)
        assert run.code == 1
        assert run.err.startswith("Noch keine Praxis eingerichtet. Bitte zuerst `inkasso practice setup`")


def test_an_illegal_onboarding_move_is_refused_with_exit_code_1_and_the_state_unchanged(any_cli: Cli) -> None:
    any_cli.with_practice()

    run = any_cli("onboarding", "signed", real=True)

    assert run.code == 1
    assert run.err.strip() == (
        "„Vertrag als unterschrieben markieren“ geht im Zustand „nicht angefragt“ nicht. "
        "Möglich ist jetzt: Zugang anfordern."
    )
    status = json.loads(any_cli("onboarding", "status", "--json").out)
    assert (status["state"], status["events"]) == ("nicht angefragt", [])


def test_onboarding_moves_by_hand_are_kept_in_the_timeline(cli: Cli) -> None:
    cli.with_practice()
    requested = cli("onboarding", "request")
    assert requested.code == 0, requested.err
    assert "angefragt" in requested.out
    assert cli("onboarding", "contract-received", "--notiz", "kam per Post").code == 0

    status = json.loads(cli("onboarding", "status", "--json").out)

    assert status["state"] == "Vertrag erhalten"
    assert [(e["from"], e["to"], e["actor"], e["via"]) for e in status["events"]] == [
        ("nicht angefragt", "angefragt", "cli", "cli"),
        ("angefragt", "Vertrag erhalten", "cli", "cli"),
    ]


def test_users_are_added_listed_and_bad_details_refused_in_german(cli: Cli) -> None:
    cli.with_practice()
    added = cli("user", "add", "--telegram-id", "4711", "--role", "staff", "--name", "Anna")
    assert (added.code, added.out.strip()) == (0, "Benutzer 1 angelegt (staff).")
    login = cli(
        "user",
        "add",
        "--login",
        "chefin",
        "--role",
        "manager",
        "--password-stdin",
        stdin="ganz-geheim-2026\n",
    )
    assert login.code == 0, login.err

    wrong_role = cli("user", "add", "--telegram-id", "1", "--role", "admin")
    assert (wrong_role.code, wrong_role.err.strip()) == (1, "Rolle muss „staff“ oder „manager“ sein.")

    listed = json.loads(cli("user", "list", "--json").out)
    assert [(u["role"], u["telegram_id"], u["login"], u["name"]) for u in listed] == [
        ("staff", 4711, None, "Anna"),
        ("manager", None, "chefin", "chefin"),
    ]
    assert "password" not in json.dumps(listed)


@pytest.mark.parametrize(
    "args",
    [
        ("import", "invoices"),
        ("onboarding", "fliegen"),
        ("overdue", "--per-page", "0"),
        ("gibt-es-nicht",),
    ],
)
def test_usage_errors_exit_with_code_2(cli: Cli, args: tuple[str, ...]) -> None:
    assert cli(*args).code == 2


def test_the_installed_script_exits_with_code_2_on_a_usage_error(cli: Cli) -> None:
    assert cli("import", "invoices", real=True).code == 2


def test_the_help_is_german(cli: Cli) -> None:
    run = cli("--help")
    assert run.code == 0
    assert "offene Patientenrechnungen an 1159 Finance übergeben" in run.out
