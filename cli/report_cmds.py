"""`inkasso report monthly`: the month's report for the tax advisor (PDF, CSV or DATEV)."""

from __future__ import annotations

from pathlib import Path

import typer

from cli.common import friendly, make_app
from core.domain.money import format_eur
from core.services.accounting import books
from core.services.people.access import OPERATOR

report_app = typer.Typer(help="Berichte für die Buchhaltung.", no_args_is_help=True)


@report_app.command("monthly")
@friendly
def monthly(
    month: str = typer.Argument(..., help="Monat als JJJJ-MM, z. B. 2026-10."),
    fmt: str = typer.Option("pdf", "--format", help="pdf, csv oder datev (DATEV-Buchungsstapel)."),
    out: Path | None = typer.Option(
        None, "--out", help="Zieldatei (Standard: Dateiname im aktuellen Ordner)."
    ),
) -> None:
    """Monatsbericht aus den eigenen Aufzeichnungen, abgeglichen mit der Abrechnung von 1159 Finance."""
    app = make_app()
    result = books.monthly_file(
        app.uow(), settings=app.settings, practice_id=app.practice_id, actor=OPERATOR, month=month, fmt=fmt
    )
    target = out or Path(result.name)
    try:
        target.write_bytes(result.data)
    except OSError as exc:
        typer.echo(f"Die Datei {target} konnte nicht geschrieben werden ({exc.strerror}).", err=True)
        raise typer.Exit(1) from None
    report = result.report
    typer.echo(f"Monatsbericht {report.span.label} gespeichert: {target}")
    if report.note:
        typer.echo(report.note)
    else:
        typer.echo(
            f"{len(report.lines)} Fälle · Zahlungen an 1159 Finance {format_eur(report.paid_to_agency)}"
            f" · Gebühren Schuldner {format_eur(report.debtor_fees)}"
            f" · Fallgebühren {format_eur(report.case_fees)}"
        )
    rec = books.month_reconciliation(app.uow(), practice_id=app.practice_id, actor=OPERATOR, month=month)
    if rec is None:
        typer.echo("Abgleich: Für diesen Monat liegt noch keine Abrechnung von 1159 Finance vor.")
        return
    typer.echo(f"Abgleich mit der Abrechnung von 1159 Finance: {rec.summary()}")
    for diff in rec.differences:
        typer.echo(f"  - {diff.text}")
