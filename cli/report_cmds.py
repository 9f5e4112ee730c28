"""`inkasso report monthly`: the month's report for the tax advisor (PDF, CSV or DATEV)."""

from __future__ import annotations

import errno
from pathlib import Path

import typer

from cli.common import fail, friendly, make_app
from core.domain.money import format_eur
from core.services.accounting import books, three_way
from core.services.people.access import OPERATOR

__all__ = ["check_target", "monthly", "report_app", "write_file"]

report_app = typer.Typer(help="Berichte für die Buchhaltung.", no_args_is_help=True)


@report_app.command("monthly")
@friendly
def monthly(
    month: str = typer.Argument(..., help="Monat als JJJJ-MM, z. B. 2026-10."),
    fmt: str = typer.Option("pdf", "--format", help="pdf, csv oder datev (DATEV-Buchungsstapel)."),
    out: Path | None = typer.Option(
        None, "--out", help="Zieldatei (Standard: Dateiname im aktuellen Ordner)."
    ),
    force: bool = typer.Option(False, "--force", help="Eine vorhandene Datei überschreiben."),
) -> None:
    """Monatsbericht aus den eigenen Aufzeichnungen, abgeglichen mit der Abrechnung von 1159 Finance."""
    if out is not None:
        check_target(out, force=force)
    app = make_app()
    result = books.monthly_file(
        app.uow(), settings=app.settings, practice_id=app.practice_id, actor=OPERATOR, month=month, fmt=fmt
    )
    target = out or Path(result.name)
    write_file(target, result.data, force=force)
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
    rec = three_way.three_way(app.uow(), practice_id=app.practice_id, actor=OPERATOR, month=month)
    typer.echo("Abgleich (Aufzeichnungen, Abrechnung von 1159 Finance, Kontoauszug):")
    for line in rec.lines():
        typer.echo(f"  {line}")


# errno → why, in German (OSError.strerror is English)
_WHY = {
    errno.EACCES: "keine Schreibberechtigung",
    errno.EPERM: "keine Schreibberechtigung",
    errno.ENOENT: "den Ordner gibt es nicht",
    errno.ENOTDIR: "ein Teil des Pfads ist kein Ordner",
    errno.EROFS: "das Laufwerk ist schreibgeschützt",
    errno.ENOSPC: "kein Speicherplatz mehr frei",
    errno.EISDIR: "das ist ein Ordner",
}


def check_target(target: Path, *, force: bool) -> None:
    """Refuse, in German and before anything is built, a path that cannot take the file."""
    if target.is_dir():
        example = target / "bericht.pdf"
        fail(f"{target} ist ein Ordner. Bitte einen Dateinamen angeben, z. B. --out {example}.")
    if target.exists() and not force:
        fail(f"Die Datei {target} gibt es schon. Mit --force wird sie überschrieben.")
    if not target.parent.is_dir():
        fail(f"Den Ordner {target.parent} gibt es nicht. Bitte einen vorhandenen Ordner angeben.")


def write_file(target: Path, data: bytes, *, force: bool) -> None:
    """Write `data`; an existing file only with --force (checked again when opening: "x" mode)."""
    check_target(target, force=force)
    try:
        with target.open("wb" if force else "xb") as handle:
            handle.write(data)
    except FileExistsError:
        fail(f"Die Datei {target} gibt es schon. Mit --force wird sie überschrieben.")
    except OSError as exc:
        why = _WHY.get(exc.errno or 0, f"Systemfehler {exc.errno}")
        fail(f"Die Datei {target} konnte nicht geschrieben werden: {why}.")
