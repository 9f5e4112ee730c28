"""The `inkasso` claim, payment and sync commands: German output, exit codes 0, 1 and 3 (a shell's view)."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from cli.main import app as cli_app
from core.domain.onboarding import OnboardingState
from tests.factories import add_patient
from tests.integration.collection.claims_helpers import (
    RecordingSandbox,
    agency_cases,
    agency_payments,
    all_claims,
    all_payments,
    cli,
    cli_env,
    dead_url,
    outbox_items,
    product,
    ready_invoice,
)


def test_create_pay_and_show_a_claim_from_the_command_line(
    sqlite_url: str, tmp_path: Path, recorded: RecordingSandbox
) -> None:
    app = product(sqlite_url, tmp_path, recorded.handle)
    ready_invoice(app, "R-1", amount="120,00")
    env, runner = cli_env(app), CliRunner()
    created = cli(env, "claim", "create", "R-1", "--yes", cwd=tmp_path)  # a real process, from a shell
    assert created.returncode == 0, created.stderr
    [case] = agency_cases(recorded.handle)
    assert f"Forderung R-1 ist an 1159 Finance übergeben (Fall {case['case_id']})" in created.stdout
    paid = runner.invoke(cli_app, ["payment", "add", "R-1", "20,00"], env=env)
    assert paid.exit_code == 0, paid.output
    assert "Noch offen: 100,00 €" in paid.output and "An 1159 Finance gemeldet" in paid.output
    recorded.handle.advance(2)
    shown = runner.invoke(cli_app, ["claim", "status", "R-1"], env=env)
    assert shown.exit_code == 0, shown.output
    assert "Status: im Inkasso" in shown.output and "Inkassokosten" in shown.output
    assert "direkt an die Praxis, an 1159 Finance gemeldet" in shown.output
    assert [p["amount"] for p in agency_payments(recorded.handle)] == [20]
    app.close()


def test_refused_commands_name_the_reason_in_german_exit_1_and_send_nothing(
    sqlite_url: str, tmp_path: Path, recorded: RecordingSandbox
) -> None:
    app = product(sqlite_url, tmp_path, recorded.handle)
    ready_invoice(app, "R-DONE")
    ready_invoice(app, "R-EARLY", due_days_ago=-3)
    ready_invoice(app, "R-PAID", paid="120,00")
    ready_invoice(app, "R-NOBASIS", reminder=False)
    ready_invoice(app, "R-OK", amount="120,00")
    # A sync test: the commands run their own event loop (asyncio.run), as from a shell.
    runner = CliRunner()
    assert runner.invoke(cli_app, ["claim", "create", "R-DONE", "--yes"], env=cli_env(app)).exit_code == 0
    inactive = product(
        f"sqlite:///{tmp_path / 'inactive.db'}",
        tmp_path / "inactive",
        recorded.handle,
        onboarding_state=OnboardingState.SIGNED,
    )
    ready_invoice(inactive, "R-1")
    recorded.recorder.requests.clear()
    env, env_inactive = cli_env(app), cli_env(inactive)
    runs = {
        "Rechnung R-404 gibt es nicht": (env, ["claim", "create", "R-404", "--yes"]),
        "R-EARLY ist noch nicht überfällig": (env, ["claim", "create", "R-EARLY", "--yes"]),
        "R-DONE wurde bereits an 1159 Finance übergeben": (env, ["claim", "create", "R-DONE", "--yes"]),
        "R-PAID ist vollständig bezahlt": (env, ["claim", "create", "R-PAID", "--yes"]),
        "fehlt die Rechtsgrundlage": (env, ["claim", "create", "R-NOBASIS", "--yes"]),
        "Inkasso-Schnittstelle ist noch nicht aktiv": (env_inactive, ["claim", "create", "R-1", "--yes"]),
        "kein gültiger Betrag": (env, ["payment", "add", "R-OK", "fünfzig"]),
        "nicht 0": (env, ["payment", "add", "R-OK", "0"]),
        "negativ": (env, ["payment", "add", "R-OK", "-5"]),
        "mehr als offen ist": (env, ["payment", "add", "R-OK", "500,00"]),
        "liegt in der Zukunft": (env, ["payment", "add", "R-OK", "5,00", "--date", "01.01.2099"]),
        "Forderungen zurückziehen": (env, ["claim", "withdraw", "R-OK"]),
    }
    # In-process (typer's runner, the same command functions): twelve interpreter starts cost too much.
    for reason, (environment, args) in runs.items():
        result = runner.invoke(cli_app, args, env=environment)
        if reason == "Forderungen zurückziehen":  # the operator may withdraw, but R-OK is no claim
            assert result.exit_code == 1 and "noch nicht an 1159 Finance übergeben" in result.output
            continue
        assert result.exit_code == 1 and reason in result.output, (reason, result.exit_code, result.output)
        assert result.exception is None or isinstance(result.exception, SystemExit)
    assert recorded.recorder.requests == []
    assert len(all_claims(app)) == 1 and all_claims(inactive) == [] and all_payments(app) == []
    app.close()
    inactive.close()


def test_a_claim_the_agency_refuses_exits_1_and_its_reason_shows_in_claim_status(
    sqlite_url: str, tmp_path: Path, recorded: RecordingSandbox
) -> None:
    app = product(sqlite_url, tmp_path, recorded.handle)
    ready_invoice(app, "R-1", patient=add_patient(app, city="K" * 201))  # more than the agency takes
    env, runner = cli_env(app), CliRunner()
    created = runner.invoke(cli_app, ["claim", "create", "R-1", "--yes"], env=env)
    assert created.exit_code == 1 and "hat die Forderung R-1 abgelehnt" in created.output
    shown = runner.invoke(cli_app, ["claim", "status", "R-1"], env=env)
    assert shown.exit_code == 0
    assert "von 1159 Finance abgelehnt" in shown.output and "Grund:" in shown.output
    assert "debtor.city" in shown.output
    assert len(recorded.calls("POST", "/claims")) == 1
    app.close()


def test_while_the_agency_is_unreachable_writes_are_queued_and_answers_needed_now_exit_3(
    sqlite_url: str, tmp_path: Path, recorded: RecordingSandbox
) -> None:
    app = product(sqlite_url, tmp_path, recorded.handle)
    ready_invoice(app, "R-1")
    ready_invoice(app, "R-2")
    runner = CliRunner()
    assert runner.invoke(cli_app, ["claim", "create", "R-1", "--yes"], env=cli_env(app)).exit_code == 0
    down = cli_env(app, base_url=dead_url())
    shown = cli(down, "claim", "status", "R-1", cwd=tmp_path)  # a real process: the exit code a shell sees
    assert shown.returncode == 3
    assert "nicht erreichbar" in shown.stdout and "letzte bekannte Stand" in shown.stdout
    assert "Forderung R-1" in shown.stdout  # the last known state is still shown
    synced = runner.invoke(cli_app, ["sync"], env=down)
    assert synced.exit_code == 3 and "1159 Finance ist gerade nicht erreichbar" in synced.output
    created = runner.invoke(cli_app, ["claim", "create", "R-2", "--yes"], env=down)
    assert created.exit_code == 0 and "Forderung R-2 ist vorgemerkt" in created.output
    # Nothing is lost: the claim waits in the outbox (with backoff) until 1159 Finance answers.
    queued = [i for i in outbox_items(app) if i.state == "pending"]
    assert len(queued) == 1 and "ClientConnectorError" in queued[0].last_error
    assert [c["reference"] for c in agency_cases(recorded.handle)] == ["R-1"]
    app.close()
