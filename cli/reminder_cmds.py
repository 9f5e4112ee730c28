"""Reminder letters: write the letter that announces the hand-over, and record when it went out."""

from __future__ import annotations

from pathlib import Path

import typer

from cli.common import friendly, make_app
from core.domain.dates import format_date, parse_date
from core.services.collection import reminder_letters
from core.services.people.access import OPERATOR

__all__ = ["reminder_app", "reminder_letter", "reminder_sent"]

reminder_app = typer.Typer(
    help="Mahnungen, die die Übergabe an 1159 Finance ankündigen (Rechtsgrundlage § 203 StGB).",
    no_args_is_help=True,
)


@reminder_app.command("letter")
@friendly
def reminder_letter(
    invoice: str = typer.Argument(..., help="Rechnungsnummer."),
    out: Path | None = typer.Option(None, "--out", help="PDF-Datei (Standard: Mahnung-NUMMER.pdf hier)."),
) -> None:
    """Mahnung als PDF: Ankündigung der Übergabe, übermittelte Angaben, Frist, Widerspruchsrecht."""
    app = make_app()
    made = reminder_letters.letter(app.uow(), practice_id=app.practice_id, actor=OPERATOR, number=invoice)
    target = out or Path(made.file_name)
    target.write_bytes(made.pdf)
    deadline = format_date(made.deadline)
    typer.echo(f"Mahnung zu Rechnung {made.number} geschrieben: {target} (Zahlungsfrist bis {deadline}).")
    typer.echo(f"Nach dem Versand: inkasso reminder sent {made.number} --date TT.MM.JJJJ")


@reminder_app.command("sent")
@friendly
def reminder_sent(
    invoice: str = typer.Argument(..., help="Rechnungsnummer."),
    sent_on: str | None = typer.Option(None, "--date", help="Versanddatum TT.MM.JJJJ (Standard: heute)."),
) -> None:
    """Die Mahnung als versendet erfassen: ab dem Ende ihrer Frist ist sie die Rechtsgrundlage."""
    app = make_app()
    day = parse_date(sent_on, field="Versanddatum") if sent_on else None
    typer.echo(
        reminder_letters.mark_sent(
            app.uow(), practice_id=app.practice_id, actor=OPERATOR, number=invoice, sent_on=day
        )
    )
