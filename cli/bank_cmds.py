"""`inkasso import bank FILE`: a bank statement read, kept once, matched to open invoices."""

from __future__ import annotations

from pathlib import Path

import typer

from cli.common import fail, friendly, make_app
from core.domain.money import format_eur
from core.services.payments_in.bank_formats import read_statement
from core.services.payments_in.bank_import import import_statement
from core.services.people.access import OPERATOR

__all__ = ["import_bank"]


@friendly
def import_bank(
    file: Path = typer.Argument(..., help="Kontoauszug: camt.053/052/054 (XML) oder MT940."),
) -> None:
    """Kontoauszug einlesen: Zahlungseingänge erkennen, jede Buchung nur einmal."""
    try:
        data = file.read_bytes()
    except OSError:
        fail(f"Die Datei {file} ist nicht lesbar. Bitte den Pfad prüfen.")
    app = make_app()
    statement = read_statement(data)
    result = import_statement(
        app.uow(), practice_id=app.practice_id, actor=OPERATOR, statement=statement, file_name=file.name
    )
    typer.echo(
        f"Kontoauszug ({result.format}): {result.new} Buchungen neu, {result.known} schon bekannt, "
        f"{result.matched} einer Rechnung zugeordnet, {result.payouts} Auszahlungen von 1159 Finance, "
        f"{result.debits} Abbuchungen übergangen, {result.foreign_currency} in Fremdwährung beiseitegelegt."
    )
    for found in result.matches:
        m = found.match
        typer.echo(f"  {m.number}: {format_eur(m.amount)} ({m.confidence}) – {m.reason}")
