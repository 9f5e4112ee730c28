"""`inkasso practice`: set up a real practice with its own data, show it, change one field."""

from __future__ import annotations

from enum import StrEnum

import typer

from cli.common import fail, friendly, make_app, print_json
from core.services.people.access import OPERATOR
from core.services.setup import first_start, practice, setup_code
from core.services.setup.practice_fields import FIELDS

__all__ = ["FieldName", "practice_app", "set_field", "setup", "setup_code_cmd", "show"]

practice_app = typer.Typer(
    help="Die eigene Praxis einrichten und ihre Daten pflegen (Praxisdaten, ohne Demo-Daten).",
    no_args_is_help=True,
)


class FieldName(StrEnum):
    """The field names on the command line (as the options of `setup` spell them)."""

    NAME = "name"
    EMAIL = "email"
    STREET = "street"
    ZIP = "zip"
    CITY = "city"
    PHONE = "phone"
    TAX_NUMBER = "tax-number"
    IBAN = "iban"

    @property
    def stored(self) -> str:
        return self.value.replace("-", "_")


@practice_app.command("setup")
@friendly
def setup(
    name: str = typer.Option(..., "--name", help="Name der Praxis."),
    street: str = typer.Option(..., "--street", help="Straße und Hausnummer."),
    zip_code: str = typer.Option(..., "--zip", help="Postleitzahl (fünf Ziffern)."),
    city: str = typer.Option(..., "--city", help="Ort."),
    email: str | None = typer.Option(
        None,
        "--email",
        help="E-Mail-Adresse der Praxis: an sie schreibt 1159 Finance. Ohne Angabe gilt PRACTICE_EMAIL.",
    ),
    phone: str = typer.Option("", "--phone", help="Telefon."),
    tax_number: str = typer.Option("", "--tax-number", help="Steuernummer oder USt-IdNr."),
    iban: str = typer.Option("", "--iban", help="IBAN des Praxiskontos."),
) -> None:
    """Die Praxis auf einer leeren Datenbank anlegen (einmalig; legt keine Demo-Daten an)."""
    app = make_app()
    if email is None:
        # PRACTICE_EMAIL only seeds the address, and only when someone actually set it.
        if "practice_email" not in app.settings.model_fields_set:
            fail("Bitte die E-Mail-Adresse der Praxis mit --email angeben (oder PRACTICE_EMAIL setzen).", 2)
        email = app.settings.practice_email
    values = {
        "name": name,
        "street": street,
        "zip": zip_code,
        "city": city,
        "email": email,
        "phone": phone,
        "tax_number": tax_number,
        "iban": iban,
    }
    made = practice.create(
        app.uow(), practice_id=app.practice_id, actor=OPERATOR, values=values, case_fee=app.settings.case_fee
    )
    typer.echo(
        f"Praxis „{made.name}“ eingerichtet. Als Nächstes: eine Praxisleitung anlegen mit "
        "`inkasso user add --login NAME --role manager`."
    )


@practice_app.command("show")
@friendly
def show(as_json: bool = typer.Option(False, "--json", help="Ausgabe als JSON.")) -> None:
    """Die Praxisdaten anzeigen."""
    app = make_app()
    found = practice.show(app.uow(), practice_id=app.practice_id)
    if as_json:
        print_json(found)
        return
    for field in FieldName:
        value = getattr(found, field.stored)
        shown = found.iban_grouped if field is FieldName.IBAN else value
        typer.echo(f"{FIELDS[field.stored].label + ':':<28}{shown or '–'}")
    typer.echo(f"{'Onboarding:':<28}{found.onboarding_state}")


@practice_app.command("set")
@friendly
def set_field(
    field: FieldName = typer.Argument(..., help="Welches Feld: " + ", ".join(f.value for f in FieldName)),
    value: str = typer.Argument(..., help='Neuer Wert; leer ("") löscht ein freiwilliges Feld.'),
) -> None:
    """Ein Feld der Praxisdaten ändern (wird im Protokoll vermerkt)."""
    app = make_app()
    changed = practice.set_field(
        app.uow(), practice_id=app.practice_id, actor=OPERATOR, field=field.stored, value=value
    )
    label = FIELDS[field.stored].label
    typer.echo(f"{label} geändert." if changed else f"{label} war schon so eingetragen; nichts geändert.")


@practice_app.command("setup-code")
@friendly
def setup_code_cmd() -> None:
    """Den Einrichtungscode für den ersten Start im Dashboard anzeigen (nur bis zur ersten Praxisleitung)."""
    app = make_app()
    if first_start.stage(app.uow(), practice_id=app.practice_id) == first_start.Stage.READY:
        typer.echo("Die Einrichtung ist abgeschlossen: ein Einrichtungscode wird nicht mehr gebraucht.")
        return
    typer.echo(f"Einrichtungscode: {setup_code.setup_code(app.settings)}")
    typer.echo("Im Dashboard unter „Einrichtung“ eingeben; er gilt bis zur ersten Praxisleitung.")
