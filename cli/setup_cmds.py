"""Set-up commands: database, demo data, invoice import, overdue listing."""

from __future__ import annotations

from pathlib import Path

import typer

from cli.common import friendly, make_app, print_json
from core.domain.dates import format_date
from core.domain.errors import by_line
from core.domain.money import format_eur
from core.services.demo import demo_data
from core.services.invoicing import invoices
from core.services.invoicing.import_profile import builtin_names
from core.services.invoicing.invoice_import import import_invoices
from core.services.people.access import OPERATOR

__all__ = ["db_app", "db_upgrade", "import_app", "import_invoices_cmd", "overdue", "seed"]

db_app = typer.Typer(help="Datenbank verwalten.", no_args_is_help=True)
import_app = typer.Typer(help="Daten importieren.", no_args_is_help=True)


@db_app.command("upgrade")
@friendly
def db_upgrade() -> None:
    """Datenbank auf den neuesten Stand bringen (Migrationen)."""
    make_app()  # build() migrates to head
    typer.echo("Datenbank ist auf dem neuesten Stand.")


@friendly
def seed(seed: int = typer.Option(1159, "--seed", help="Startwert: gleicher Wert, gleiche Daten.")) -> None:
    """Nur zum Ausprobieren: Demo-Praxis mit erfundenen Patienten und Rechnungen anlegen.

    Für eine echte Praxis stattdessen `inkasso practice setup` (ohne Demo-Daten).

    Im Dashboard: Einstellungen → Praxisdaten (Anschrift, E-Mail, IBAN) und Einstellungen → Inkasso.
    """
    app = make_app()
    result = demo_data.seed(
        app.uow(),
        practice_id=app.practice_id,
        actor=OPERATOR,
        data_dir=app.settings.data_dir,
        seed=seed,
    )
    typer.echo(
        f"Demo-Praxis bereit: {result.created} Rechnungen neu, {result.updated} geändert, "
        f"{result.unchanged} unverändert."
    )


@import_app.command("invoices")
@friendly
def import_invoices_cmd(
    file: Path = typer.Argument(..., help="Export der Praxissoftware: CSV oder .xlsx."),
    mapping: Path | None = typer.Option(None, "--mapping", help="Spaltenzuordnung als JSON oder TOML."),
    profile: str | None = typer.Option(
        None, "--profile", help=f"Importprofil: TOML-Datei oder eingebaut ({', '.join(builtin_names())})."
    ),
    dry_run: bool = typer.Option(False, "--dry-run", help="Nur prüfen, nichts speichern."),
) -> None:
    """Rechnungen aus dem Export der Praxissoftware importieren (alles oder nichts)."""
    app = make_app()
    result = import_invoices(
        app.uow(),
        practice_id=app.practice_id,
        actor=OPERATOR,
        path=file,
        mapping_path=mapping,
        profile=profile,
        dry_run=dry_run,
    )
    prefix = "Probelauf (nichts gespeichert): " if dry_run else ""
    typer.echo(
        f"{prefix}{result.rows} Rechnungen gelesen: {result.created} neu, {result.updated} geändert, "
        f"{result.unchanged} unverändert."
    )
    for title, notes, noun in (
        ("Hinweise", result.warnings, "Hinweise"),
        ("Nicht übernommen (Rechnung schon übergeben)", result.protected, "Zeilen"),
        ("Zahlungen laut Praxissoftware", result.payments, "Zeilen"),
    ):
        if notes:
            typer.echo(f"{title} ({len(notes)}):\n{by_line(notes, noun=noun)}")


@friendly
def overdue(
    as_json: bool = typer.Option(False, "--json", help="Ausgabe als JSON."),
    page: int = typer.Option(1, "--page", min=1, help="Seite."),
    per_page: int = typer.Option(50, "--per-page", min=1, max=1000, help="Einträge je Seite."),
) -> None:
    """Überfällige Rechnungen, älteste zuerst, mit Altersklasse."""
    app = make_app()
    result = invoices.overdue(app.uow(), practice_id=app.practice_id, page=page, per_page=per_page)
    if as_json:
        print_json({"total": result.total, "page": result.page, "items": result.items})
        return
    if not result.items:
        typer.echo("Keine überfälligen Rechnungen.")
        return
    typer.echo(f"{result.total} überfällige Rechnungen (Seite {result.page}/{result.pages}):")
    for item in result.items:
        basis = "Rechtsgrundlage ok" if item.has_legal_basis else "ohne Rechtsgrundlage"
        if item.consent_revoked_on is not None:
            basis = f"Einwilligung widerrufen am {format_date(item.consent_revoked_on)}"
        typer.echo(
            f"  {item.number:<14} {item.patient:<28} fällig {format_date(item.due_date)} "
            f"({item.days_overdue} Tage, {item.bucket}) {format_eur(item.open_amount):>12}  {basis}"
        )
