"""Recognised payments (bank statement, practice export) a person confirms: list, accept, reject."""

from __future__ import annotations

import asyncio

import typer

from cli.common import friendly, make_app, print_json
from core.domain.dates import format_date
from core.domain.money import format_eur
from core.services.payments_in import decisions
from core.services.payments_in.suggestions import list_open
from core.services.people.access import OPERATOR

__all__ = ["payment_accept", "payment_reject", "payment_suggestions"]


@friendly
def payment_suggestions(as_json: bool = typer.Option(False, "--json", help="Ausgabe als JSON.")) -> None:
    """Offene Zahlungsvorschläge: erkannte Zahlungen, die eine Person bestätigt."""
    app = make_app()
    found = list_open(app.uow(), practice_id=app.practice_id)
    if as_json:
        print_json(found)
        return
    if not found:
        typer.echo("Keine offenen Zahlungsvorschläge.")
        return
    for s in found:
        typer.echo(
            f"{s.id:>5}  {s.number}  {format_eur(s.amount)}  {format_date(s.paid_on)}  "
            f"{s.source}, {s.confidence}: {s.reason}"
        )
    typer.echo("Annehmen: inkasso payment accept ID · Ablehnen: inkasso payment reject ID")


@friendly
def payment_accept(suggestion_id: int = typer.Argument(..., help="Nummer des Vorschlags.")) -> None:
    """Zahlungsvorschlag annehmen: Zahlung erfassen und an 1159 Finance melden."""
    app = make_app()

    async def go() -> decisions.Decision:
        try:
            return await decisions.accept_and_send(
                app.uow(),
                finance=app.finance(),
                practice_id=app.practice_id,
                actor=OPERATOR,
                suggestion_id=suggestion_id,
            )
        finally:
            await app.aclose()

    typer.echo(asyncio.run(go()).message)


@friendly
def payment_reject(suggestion_id: int = typer.Argument(..., help="Nummer des Vorschlags.")) -> None:
    """Zahlungsvorschlag ablehnen: es wird nichts erfasst."""
    app = make_app()
    decision = decisions.reject(
        app.uow(), practice_id=app.practice_id, actor=OPERATOR, suggestion_id=suggestion_id
    )
    typer.echo(decision.message)
