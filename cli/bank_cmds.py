"""`inkasso import bank FILE`: a bank statement read, kept once, matched to open invoices."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import typer

from cli.common import fail, friendly, make_app
from core.domain.money import format_eur
from core.services.payments_in.bank_csv import parse_bank_profile
from core.services.payments_in.bank_formats import read_statement
from core.services.payments_in.bank_import import import_statement
from core.services.people.access import OPERATOR

__all__ = ["import_bank"]

T = TypeVar("T")
SHOWN = 50  # matches listed one by one


def _read(path: Path, how: Callable[[Path], T]) -> T:
    try:
        return how(path)
    except (OSError, UnicodeDecodeError):
        fail(f"Die Datei {path} ist nicht lesbar. Bitte den Pfad prüfen.")
        raise  # fail() always raises; this line is for the type checker


@friendly
def import_bank(
    file: Path = typer.Argument(..., help="Kontoauszug: camt.053/052/054 (XML), MT940 oder CSV der Bank."),
    profile: Path | None = typer.Option(
        None, "--profile", help="Spalten und Formate des CSV-Exports der Bank (TOML-Datei)."
    ),
) -> None:
    """Kontoauszug einlesen: Zahlungseingänge erkennen, jede Buchung nur einmal."""
    data = _read(file, lambda p: p.read_bytes())
    csv_profile = None
    if profile is not None:
        csv_profile = parse_bank_profile(_read(profile, lambda p: p.read_text("utf-8")), name=profile.name)
    app = make_app()
    statement = read_statement(data, csv_profile=csv_profile)
    result = import_statement(
        app.uow(), practice_id=app.practice_id, actor=OPERATOR, statement=statement, file_name=file.name
    )
    typer.echo(
        f"Kontoauszug ({result.format}): {result.new} Buchungen neu, {result.known} schon bekannt, "
        f"{result.matched} einer Rechnung zugeordnet, {result.payouts} Auszahlungen von 1159 Finance, "
        f"{result.debits} Abbuchungen übergangen, {result.foreign_currency} in Fremdwährung beiseitegelegt."
    )
    if result.matches:
        typer.echo(
            f"{result.booked} sofort als bezahlt verbucht (ohne Forderung bei 1159 Finance), "
            f"{result.waiting} warten auf Bestätigung für 1159 Finance: inkasso payment suggestions."
        )
    for found in result.matches[:SHOWN]:
        m = found.match
        typer.echo(f"  {m.number}: {format_eur(m.amount)} ({m.confidence}) – {m.reason}")
    if len(result.matches) > SHOWN:  # a year's statement: tens of thousands of lines help nobody
        more = len(result.matches) - SHOWN
        typer.echo(f"  … und {more} weitere; die offenen zeigt inkasso payment suggestions.")
