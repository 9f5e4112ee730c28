"""`inkasso import bank FILE`: the counts printed, and a refused file refused with exit code 1."""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy import text
from typer.testing import CliRunner, Result

from cli.bank_cmds import SHOWN
from cli.main import app as cli_app
from core.bootstrap import App
from tests.factories import add_invoice, add_patient
from tests.integration.bank.camt_helpers import Entry, camt053

CORPUS = Path(__file__).parents[2] / "bank_corpus"


def _run(app: App, *args: str) -> Result:
    env = {"DATABASE_URL": app.settings.database_url, "DATA_DIR": str(app.settings.data_dir)}
    cwd = Path.cwd()
    os.chdir(app.settings.data_dir)  # no stray .env from wherever the tests were started
    try:
        return CliRunner().invoke(cli_app, list(args), env=env)
    finally:
        os.chdir(cwd)


def _stored(app: App) -> int:
    with app.engine.connect() as connection:
        return int(connection.execute(text("SELECT count(*) FROM banktransaction")).scalar_one())


def test_importing_a_statement_prints_what_was_new_known_matched_and_paid_out(sqlite_app: App) -> None:
    erika = add_patient(sqlite_app, first_name="Erika", last_name="Mustermann")
    add_invoice(sqlite_app, number="R-2026-0042", amount="50,00", patient=erika)
    first = _run(sqlite_app, "import", "bank", str(CORPUS / "mt940_december.sta"))
    assert first.exit_code == 0, first.stderr
    assert first.stdout.splitlines()[0] == (
        "Kontoauszug (MT940): 2 Buchungen neu, 0 schon bekannt, 1 einer Rechnung zugeordnet, "
        "1 Auszahlungen von 1159 Finance, 1 Abbuchungen übergangen, 0 in Fremdwährung beiseitegelegt."
    )
    assert first.stdout.splitlines()[1] == (
        "1 sofort als bezahlt verbucht (ohne Forderung bei 1159 Finance), "
        "0 warten auf Bestätigung für 1159 Finance: inkasso payment suggestions."
    )
    assert "R-2026-0042: 50,00 € (sicher)" in first.stdout
    again = _run(sqlite_app, "import", "bank", str(CORPUS / "mt940_december.sta"))
    assert "0 Buchungen neu, 2 schon bekannt, 0 einer Rechnung zugeordnet" in again.stdout
    assert _stored(sqlite_app) == 2


def test_a_broken_statement_is_refused_in_german_with_exit_code_1_and_nothing_stored(sqlite_app: App) -> None:
    for name, says in (
        ("mt940_broken_field.sta", "fehlerhaftes Feld :61:"),
        ("foreign_namespace.xml", "kein unterstützter camt-Kontoauszug"),
        ("no_statement.txt", "kein Kontoauszug"),
    ):
        run = _run(sqlite_app, "import", "bank", str(CORPUS / name))
        assert run.exit_code == 1 and says in run.stderr, (name, run.stderr)
    missing = _run(sqlite_app, "import", "bank", str(CORPUS / "gibt-es-nicht.xml"))
    assert missing.exit_code == 1 and "nicht lesbar" in missing.stderr
    assert _stored(sqlite_app) == 0


def test_a_banks_csv_export_is_imported_with_its_profile(sqlite_app: App) -> None:
    erika = add_patient(sqlite_app, first_name="Erika", last_name="Mustermann")
    add_invoice(sqlite_app, number="R-2026-0042", amount="50,00", patient=erika)
    profile = str(CORPUS / "other_bank.toml")
    run = _run(sqlite_app, "import", "bank", str(CORPUS / "other_bank.csv"), "--profile", profile)
    assert run.exit_code == 0, run.stderr
    assert run.stdout.startswith(
        "Kontoauszug (CSV): 1 Buchungen neu, 0 schon bekannt, 1 einer Rechnung zugeordnet"
    )
    bad = _run(sqlite_app, "import", "bank", str(CORPUS / "other_bank_bad_date.csv"), "--profile", profile)
    assert bad.exit_code == 1 and "Zeile 2: Datum oder Betrag nicht lesbar" in bad.stderr
    assert _stored(sqlite_app) == 1


def _count(app: App, table: str) -> int:
    with app.engine.connect() as connection:
        return int(connection.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())


def test_a_debit_and_a_foreign_currency_are_named_in_german_and_nothing_is_recorded_twice(
    sqlite_app: App,
) -> None:
    erika = add_patient(sqlite_app, first_name="Erika", last_name="Mustermann")
    add_invoice(sqlite_app, number="R-2026-0042", amount="50,00", patient=erika)
    add_invoice(sqlite_app, number="R-2026-0045", amount="70,00", patient=erika)  # named by the CHF credit
    statement = str(CORPUS / "camt053_december_1.xml")
    first = _run(sqlite_app, "import", "bank", statement)
    assert first.exit_code == 0, first.stderr
    assert "1 Abbuchungen übergangen, 1 in Fremdwährung beiseitegelegt." in first.stdout.splitlines()[0]
    assert "R-2026-0045" not in first.stdout  # a foreign currency is never matched
    again = _run(sqlite_app, "import", "bank", statement)
    assert again.stdout.startswith("Kontoauszug (camt.053): 0 Buchungen neu, 4 schon bekannt")
    assert [_count(sqlite_app, t) for t in ("paymentsuggestion", "payment", "outboxitem")] == [1, 1, 0]


def test_a_long_statement_lists_the_first_matches_and_says_how_many_more(
    sqlite_app: App, tmp_path: Path
) -> None:
    erika = add_patient(sqlite_app, first_name="Erika", last_name="Mustermann")
    entries = []
    for n in range(SHOWN + 3):
        add_invoice(sqlite_app, number=f"R-2026-{n:04d}", amount="20,00", patient=erika)
        entries.append(Entry(f"REF-{n}", "20.00", "Erika Mustermann", (f"Rechnung R-2026-{n:04d}",)))
    statement = tmp_path / "lang.xml"
    statement.write_bytes(camt053(*entries))

    run = _run(sqlite_app, "import", "bank", str(statement))

    assert run.exit_code == 0, run.stderr
    listed = [line for line in run.stdout.splitlines() if line.startswith("  R-2026-")]
    assert len(listed) == SHOWN
    assert run.stdout.splitlines()[-1] == "  … und 3 weitere; die offenen zeigt inkasso payment suggestions."
