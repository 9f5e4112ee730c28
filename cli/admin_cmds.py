"""Onboarding and user commands."""

from __future__ import annotations

import asyncio
import sys

import typer

from cli.common import fail, friendly, make_app, print_json
from core.domain.dates import format_datetime
from core.domain.onboarding import OnboardingAction
from core.services.people import users
from core.services.people.access import OPERATOR
from core.services.setup import access_request, onboarding

__all__ = [
    "onboarding_app",
    "onboarding_request",
    "onboarding_status",
    "user_add",
    "user_app",
    "user_list",
    "user_remove",
]

onboarding_app = typer.Typer(
    help="Onboarding bei 1159 Finance: Zustand und manuelle Schritte.", no_args_is_help=True
)
user_app = typer.Typer(help="Benutzer verwalten (Telegram, E-Mail, Dashboard).", no_args_is_help=True)


@onboarding_app.command("status")
@friendly
def onboarding_status(as_json: bool = typer.Option(False, "--json", help="Ausgabe als JSON.")) -> None:
    """Zustand des Onboardings und der nächste Schritt."""
    app = make_app()
    st = onboarding.status(app.uow(), practice_id=app.practice_id)
    if as_json:
        print_json(
            {
                "state": st.state,
                "next_step": st.next_step,
                "contract_start": st.contract_start,
                "events": [
                    {
                        "at": e.at,
                        "from": e.from_state,
                        "to": e.to_state,
                        "actor": e.actor,
                        "via": e.via,
                        "evidence": e.evidence,
                    }
                    for e in st.events
                ],
            }
        )
        return
    typer.echo(f"Onboarding: {st.state}\nNächster Schritt: {st.next_step}")
    for e in st.events:
        typer.echo(f"  {format_datetime(e.at)}  {e.from_state} → {e.to_state}  ({e.actor}, {e.via})")


def _transition(action: OnboardingAction, note: str) -> None:
    app = make_app()
    state = onboarding.transition(
        app.uow(), practice_id=app.practice_id, actor=OPERATOR, action=action, via="cli", note=note
    )
    typer.echo(f"Onboarding ist jetzt: {state}")


def _register(action: OnboardingAction, help_text: str) -> None:
    @onboarding_app.command(action.value, help=help_text)
    @friendly
    def command(
        note: str = typer.Option("", "--notiz", help="Begründung oder Hinweis fürs Protokoll."),
    ) -> None:
        _transition(action, note)


@onboarding_app.command("request")
@friendly
def onboarding_request(
    note: str = typer.Option("", "--notiz", help="Begründung oder Hinweis fürs Protokoll."),
) -> None:
    """Zugang zur Inkasso-Schnittstelle anfordern: E-Mail an den 1159-Finance-Support (mit SMTP)."""
    app = make_app()
    result = asyncio.run(
        access_request.request_access(
            app.uow(),
            practice_id=app.practice_id,
            actor=OPERATOR,
            via="cli",
            support_email=app.settings.support_email,
            mailer=app.mailer,
            note=note,
        )
    )
    typer.echo(result.message)


for _action, _help in [
    (OnboardingAction.CONTRACT_RECEIVED, "Vertrag als erhalten markieren (z. B. per Post gekommen)."),
    (OnboardingAction.SIGNED, "Vertrag als unterschrieben markieren."),
    (OnboardingAction.ACTIVATE, "Schnittstelle als aktiv markieren (Gegenzeichnung liegt vor)."),
    (OnboardingAction.REJECT, "Als von 1159 Finance abgelehnt markieren."),
    (OnboardingAction.CANCEL, "Vertrag als gekündigt markieren."),
]:
    _register(_action, _help)


@user_app.command("add")
@friendly
def user_add(
    role: str = typer.Option(..., "--role", help="staff oder manager."),
    telegram_id: int | None = typer.Option(None, "--telegram-id", help="Telegram-Benutzer-ID."),
    email: str | None = typer.Option(None, "--email", help="E-Mail-Adresse für Befehls-Mails."),
    login: str | None = typer.Option(None, "--login", help="Login-Name fürs Dashboard."),
    password_stdin: bool = typer.Option(
        False, "--password-stdin", help="Passwort von der Standardeingabe lesen."
    ),
    name: str = typer.Option("", "--name", help="Anzeigename."),
) -> None:
    """Benutzer freischalten."""
    password = None
    if login is not None:
        if password_stdin:
            password = sys.stdin.readline().rstrip("\n")
        elif sys.stdin.isatty():
            password = typer.prompt("Passwort", hide_input=True, confirmation_prompt=True)
        else:
            fail("Bitte das Passwort mit --password-stdin übergeben.", 2)
    app = make_app()
    user = users.add(
        app.uow(),
        practice_id=app.practice_id,
        actor=OPERATOR,
        role=role,
        telegram_id=telegram_id,
        email=email,
        login=login,
        password=password,
        name=name,
    )
    typer.echo(f"Benutzer {user.id} angelegt ({user.role}).")


@user_app.command("list")
@friendly
def user_list(as_json: bool = typer.Option(False, "--json", help="Ausgabe als JSON.")) -> None:
    """Freigeschaltete Benutzer anzeigen."""
    app = make_app()
    found = users.list_users(app.uow(), practice_id=app.practice_id, actor=OPERATOR)
    if as_json:
        print_json(found)
        return
    for u in found:
        channel = (
            f"telegram:{u.telegram_id}"
            if u.telegram_id
            else (f"mail:{u.email}" if u.email else f"login:{u.login}")
        )
        typer.echo(f"  {u.id:>4}  {u.role:<8} {channel:<36} {u.name}")
    if not found:
        typer.echo("Noch keine Benutzer.")


@user_app.command("remove")
@friendly
def user_remove(user_id: int = typer.Argument(..., help="ID aus `inkasso user list`.")) -> None:
    """Benutzer entfernen."""
    app = make_app()
    users.remove(app.uow(), practice_id=app.practice_id, actor=OPERATOR, user_id=user_id)
    typer.echo(f"Benutzer {user_id} entfernt.")
