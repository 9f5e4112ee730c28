"""`inkasso practice`: a real practice from an empty database, without the demo (issue 19)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.factories import export_row, write_csv
from tests.integration.setup.test_cli_setup import Cli


@pytest.fixture
def cli(sqlite_url: str, tmp_path: Path) -> Cli:
    return Cli(sqlite_url, tmp_path)


@pytest.fixture
def any_cli(database_url: str, tmp_path: Path) -> Cli:
    return Cli(database_url, tmp_path)


SETUP = (
    "practice",
    "setup",
    "--name",
    "Physiotherapie am Rhein",
    "--email",
    "Empfang@Physio-Rhein.de",
    "--street",
    "Rheinallee 12",
    "--zip",
    "51373",
    "--city",
    "Leverkusen",
    "--iban",
    "de89 3704 0044 0532 0130 00",
)


def test_a_fresh_database_gets_a_practice_that_shows_sets_refuses_a_second_and_imports(any_cli: Cli) -> None:
    made = any_cli(*SETUP)
    assert made.code == 0, made.err
    assert made.out.startswith("Praxis „Physiotherapie am Rhein“ eingerichtet.")
    assert any_cli.dump("SELECT count(*) FROM invoice") == [(0,)]
    assert any_cli.dump('SELECT count(*) FROM "user"') == [(0,)]

    shown = any_cli("practice", "show", "--json")
    assert shown.code == 0, shown.err
    data = json.loads(shown.out)
    assert {k: data[k] for k in ("name", "email", "zip", "city", "iban", "tax_number", "phone")} == {
        "name": "Physiotherapie am Rhein",
        "email": "Empfang@physio-rhein.de",
        "zip": "51373",
        "city": "Leverkusen",
        "iban": "DE89370400440532013000",
        "tax_number": "",
        "phone": "",
    }

    changed = any_cli("practice", "set", "tax-number", "181/815/08155")
    assert (changed.code, changed.out.strip()) == (0, "Steuernummer geändert.")
    assert json.loads(any_cli("practice", "show", "--json").out)["tax_number"] == "181/815/08155"
    audit = any_cli.dump("SELECT action, actor FROM auditevent ORDER BY id")
    assert audit == [("practice.setup", "cli"), ("practice.set", "cli")]

    second = any_cli(*SETUP)
    assert second.code == 1
    assert second.err.startswith("Es ist bereits eine Praxis eingerichtet („Physiotherapie am Rhein“).")
    assert any_cli.dump("SELECT count(*) FROM practice") == [(1,)]

    path = write_csv(any_cli.folder / "export.csv", [export_row("R-1"), export_row("R-2")])
    imported = any_cli("import", "invoices", str(path))
    assert imported.code == 0, imported.err
    assert imported.out.strip() == "2 Rechnungen gelesen: 2 neu, 0 geändert, 0 unverändert."


def test_a_malformed_iban_zip_or_mail_address_is_refused_in_german_and_nothing_is_stored(cli: Cli) -> None:
    args = list(SETUP)
    args[args.index("51373")] = "5137"
    args[args.index("de89 3704 0044 0532 0130 00")] = "DE89 3704 0044 0532 0130 01"
    args[args.index("Empfang@Physio-Rhein.de")] = "empfang-at-physio"

    run = cli(*args)

    assert run.code == 1
    assert "PLZ: „5137“ ist keine deutsche Postleitzahl." in run.err
    assert "IBAN: „DE89 3704 0044 0532 0130 01“ ist keine gültige IBAN." in run.err
    assert "„empfang-at-physio“ ist keine gültige E-Mail-Adresse." in run.err
    assert cli.dump("SELECT count(*) FROM practice") == [(0,)]


def test_setting_a_bad_value_changes_nothing_and_an_unknown_field_is_a_usage_error(cli: Cli) -> None:
    assert cli(*SETUP).code == 0

    bad = cli("practice", "set", "iban", "DE00 1234")
    assert bad.code == 1 and "keine gültige IBAN" in bad.err
    unknown = cli("practice", "set", "farbe", "blau")
    assert unknown.code == 2
    cleared = cli("practice", "set", "iban", "")

    assert cleared.code == 0, cleared.err
    assert json.loads(cli("practice", "show", "--json").out)["iban"] == ""
    assert cli.dump("SELECT action FROM auditevent ORDER BY id") == [("practice.setup",), ("practice.set",)]


def test_without_email_the_practice_email_setting_seeds_the_address_and_without_it_setup_asks(
    cli: Cli,
) -> None:
    args = [a for a in SETUP if a not in ("--email", "Empfang@Physio-Rhein.de")]
    asked = cli(*args)
    assert asked.code == 2
    assert "Bitte die E-Mail-Adresse der Praxis mit --email angeben" in asked.err

    cli.extra_env["PRACTICE_EMAIL"] = "info@physio-rhein.de"
    seeded = cli(*args)

    assert seeded.code == 0, seeded.err
    assert json.loads(cli("practice", "show", "--json").out)["email"] == "info@physio-rhein.de"


def test_show_before_any_set_up_says_how_to_set_up(cli: Cli) -> None:
    run = cli("practice", "show")
    assert (run.code, run.err.strip()) == (
        1,
        "Noch keine Praxis eingerichtet. Bitte zuerst `inkasso practice setup` ausführen "
        "(zum Ausprobieren ohne echte Praxis: `inkasso demo`).",
    )


def test_the_demo_seed_refuses_a_database_with_a_real_practice(cli: Cli) -> None:
    assert cli(*SETUP).code == 0

    run = cli("seed")

    assert run.code == 1
    assert "Praxis „Physiotherapie am Rhein“ eingerichtet; Demo-Daten kommen dort nicht hinein" in run.err
    assert cli.dump("SELECT count(*) FROM invoice") == [(0,)]


def test_seed_and_demo_say_in_their_help_that_they_are_for_trying_out_only(cli: Cli) -> None:
    for command in ("seed", "demo"):
        run = cli(command, "--help")
        assert run.code == 0
        assert "Nur zum Ausprobieren" in run.out and "inkasso practice setup" in run.out


def test_setup_code_is_shown_on_the_server_until_the_first_manager_exists(cli: Cli) -> None:
    shown = cli("practice", "setup-code")
    assert shown.code == 0, shown.err
    code = shown.out.splitlines()[0].removeprefix("Einrichtungscode: ")
    assert code == (cli.folder / "data" / "einrichtungscode.txt").read_text(encoding="ascii").strip()
    assert cli("practice", "setup-code").out == shown.out  # the same code until it is used

    cli.with_practice()
    added = cli(
        "user",
        "add",
        "--role",
        "manager",
        "--login",
        "chefin",
        "--password-stdin",
        stdin="richtig-langes-pw\n",
    )
    assert added.code == 0, added.err
    closed = cli("practice", "setup-code")
    assert closed.code == 0
    assert closed.out.startswith("Die Einrichtung ist abgeschlossen")
    assert code not in closed.out
