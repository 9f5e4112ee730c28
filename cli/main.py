"""The `inkasso` command line: each group lives in its own module."""

from __future__ import annotations

import typer

from cli import (
    admin_cmds,
    bank_cmds,
    chat_cmd,
    claim_cmds,
    dashboard_cmd,
    demo_cmd,
    practice_cmds,
    reminder_cmds,
    report_cmds,
    run_cmds,
    setup_cmds,
    suggestion_cmds,
)
from cli.books_cmds import books_app
from cli.consent_cmds import consent_app
from cli.doctor_cmd import doctor_cmd
from cli.ops_cmds import db_backup, db_restore
from cli.privacy_cmds import patient_app, privacy_app

__all__ = ["app"]

app = typer.Typer(
    name="inkasso",
    help="Praxis-Inkasso: offene Patientenrechnungen an 1159 Finance übergeben.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.add_typer(setup_cmds.db_app, name="db")
app.add_typer(practice_cmds.practice_app, name="practice")
setup_cmds.db_app.command("backup")(db_backup)
setup_cmds.db_app.command("restore")(db_restore)
app.add_typer(setup_cmds.import_app, name="import")
setup_cmds.import_app.command("bank")(bank_cmds.import_bank)
app.command("seed")(setup_cmds.seed)
app.command("overdue")(setup_cmds.overdue)
app.add_typer(admin_cmds.onboarding_app, name="onboarding")
app.add_typer(admin_cmds.user_app, name="user")
app.add_typer(claim_cmds.claim_app, name="claim")
claim_cmds.payment_app.command("suggestions")(suggestion_cmds.payment_suggestions)
claim_cmds.payment_app.command("accept")(suggestion_cmds.payment_accept)
claim_cmds.payment_app.command("reject")(suggestion_cmds.payment_reject)
app.add_typer(claim_cmds.payment_app, name="payment")
app.add_typer(reminder_cmds.reminder_app, name="reminder")
app.command("sync")(claim_cmds.sync_cmd)
app.command("run")(run_cmds.run)
app.command("sandbox")(run_cmds.sandbox)
app.command("demo")(demo_cmd.demo)
app.command("chat")(chat_cmd.chat)
app.add_typer(report_cmds.report_app, name="report")
app.add_typer(books_app, name="books")
app.command("dashboard")(dashboard_cmd.dashboard)
app.command("doctor")(doctor_cmd)
app.add_typer(patient_app, name="patient")
app.add_typer(consent_app, name="consent")
app.add_typer(privacy_app, name="privacy")
