"""Data subject rights: `inkasso patient export|erase` and `inkasso privacy purge` (docs/retention.md)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import typer

from cli.common import fail, friendly, make_app
from core.services.people.access import OPERATOR
from core.services.privacy import erasure
from core.services.privacy.export import export_patient

__all__ = ["EXISTS", "patient_app", "patient_erase", "patient_export", "privacy_app", "privacy_purge"]

patient_app = typer.Typer(
    help="Auskunft (Art. 15 DSGVO) und Löschung (Art. 17 DSGVO) für Patienten.", no_args_is_help=True
)
privacy_app = typer.Typer(
    help="Datenschutz: Löschen nach Ablauf der Aufbewahrungsfristen.", no_args_is_help=True
)
PATIENT = typer.Argument(..., help="Eine Rechnungsnummer der Patientin bzw. des Patienten.")


EXISTS = "Die Datei {} gibt es schon und wird nicht überschrieben. Bitte einen neuen Dateinamen angeben."


def _check_new(target: Path) -> None:
    if target.exists():
        fail(EXISTS.format(target))
    if not target.parent.is_dir():
        fail(f"Den Ordner {target.parent} gibt es nicht. Bitte einen vorhandenen Ordner angeben.")


def _write_new(target: Path, data: bytes) -> None:
    """Only the owner may read it (health data); O_EXCL refuses a file created meanwhile."""
    try:
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        fail(EXISTS.format(target))
        return
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)


@patient_app.command("export")
@friendly
def patient_export(
    patient: str = PATIENT,
    out: Path | None = typer.Option(
        None, "--out", help="Zieldatei (JSON); eine vorhandene wird nie überschrieben."
    ),
) -> None:
    """Alles über die Patientin / den Patienten und jede Weitergabe an 1159 Finance, als JSON."""
    if out is not None:
        _check_new(out)
    app = make_app()
    data = export_patient(app.uow(), practice_id=app.practice_id, actor=OPERATOR, number=patient)
    text = json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    if out is None:
        typer.echo(text, nl=False)
        return
    _write_new(out, text.encode())
    counts = f"{len(data['invoices'])} Rechnungen, {len(data['disclosures'])} Weitergaben"
    typer.echo(f"Auskunft geschrieben: {out} ({counts}).")


@patient_app.command("erase")
@friendly
def patient_erase(
    patient: str = PATIENT,
    yes: bool = typer.Option(False, "--yes", help="Ohne Rückfrage löschen."),
) -> None:
    """Personendaten löschen (Rechnungsnummern, Beträge, Daten bleiben); nicht bei offenem Fall."""
    app = make_app()
    if not yes and not typer.confirm(
        "Name, Anschrift, Geburtsdatum, Kontaktdaten und Leistungstexte dieser Person endgültig löschen?",
        default=False,
    ):
        fail("Abgebrochen – nichts wurde gelöscht.", 1)
    numbers = erasure.erase_patient(app.uow(), practice_id=app.practice_id, actor=OPERATOR, number=patient)
    typer.echo(f"Gelöscht: die Daten der Person zu den Rechnungen {', '.join(numbers)}.")


@privacy_app.command("purge")
@friendly
def privacy_purge(
    dry_run: bool = typer.Option(
        False, "--dry-run", help="Nur auflisten, was gelöscht würde; nichts ändern."
    ),
) -> None:
    """Personenbezogene Daten nach Ablauf der Aufbewahrungsfristen löschen (docs/retention.md)."""
    app = make_app()
    report = erasure.purge(app.uow(), practice_id=app.practice_id, actor=OPERATOR, dry_run=dry_run)
    verb = "Würde löschen" if dry_run else "Gelöscht"
    typer.echo(f"{verb}: {len(report.invoices)} Personen, {report.mails} Mail-Kopien.")
    for numbers in report.invoices:
        typer.echo(f"  Person zu Rechnung {', '.join(numbers)}")
    if dry_run:
        typer.echo("Nichts wurde geändert (--dry-run).")
