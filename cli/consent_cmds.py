"""Consents to collection (Schweigepflichtentbindung): `inkasso consent show|record|complete|revoke`."""

from __future__ import annotations

import typer

from cli.common import friendly, make_app, print_json
from core.domain.dates import format_date, format_datetime, parse_date
from core.services.collection import consent_revocation, consents
from core.services.people.access import OPERATOR

__all__ = ["consent_app", "consent_complete", "consent_record", "consent_revoke", "consent_show"]

consent_app = typer.Typer(
    help="Einwilligungen in die Übergabe an 1159 Finance (§ 203 StGB): erfassen, ergänzen, widerrufen.",
    no_args_is_help=True,
)
INVOICE = typer.Argument(..., help="Eine Rechnungsnummer der Patientin bzw. des Patienten.")


@consent_app.command("show")
@friendly
def consent_show(
    invoice: str = INVOICE,
    as_json: bool = typer.Option(False, "--json", help="Als JSON ausgeben."),
) -> None:
    """Alle Einwilligungen der Person, mit Umfang, Ablageort und Widerruf."""
    app = make_app()
    found = consents.history(app.uow(), practice_id=app.practice_id, actor=OPERATOR, number=invoice)
    if as_json:
        print_json(found)
        return
    if found.revoked_on is not None:
        revoked = format_date(found.revoked_on)
        typer.echo(f"Widerrufen am {revoked}: Rechnung {found.number} wird nicht übergeben.")
    elif found.in_force is not None:
        typer.echo(f"Für Rechnung {found.number} gilt die Einwilligung vom {format_date(found.in_force)}.")
    else:
        typer.echo(f"Für Rechnung {found.number} gilt keine Einwilligung.")
    for c in found.consents:
        covers = f"nur Rechnung {c.for_invoice}" if c.for_invoice else "alle Rechnungen"
        revoked = f"; widerrufen am {format_date(c.revoked_on)} ({c.revoked_by})" if c.revoked_on else ""
        typer.echo(
            f"  Nr. {c.id}: vom {format_date(c.given_on)} für {covers}; Umfang: {c.scope}; "
            f"Formular: {c.form_location or 'noch offen'}; erfasst von {c.recorded_by} "
            f"am {format_datetime(c.recorded_at)}{revoked}"
        )


@consent_app.command("record")
@friendly
def consent_record(
    invoice: str = INVOICE,
    given_on: str = typer.Option(..., "--date", help="Tag der Unterschrift, TT.MM.JJJJ."),
    scope: str = typer.Option("", "--scope", help="Umfang (Standard: Inkasso durch 1159 Finance)."),
    form: str = typer.Option("", "--form", help="Wo das Formular liegt, z. B. „Papierakte Nr. 12“."),
    only_this: bool = typer.Option(
        False, "--only-this-invoice", help="Nur für diese Rechnung (sonst für alle Rechnungen der Person)."
    ),
) -> None:
    """Eine unterschriebene Einwilligung erfassen (Standard: für alle Rechnungen der Person)."""
    app = make_app()
    day = parse_date(given_on, field="Datum der Einwilligung")
    typer.echo(
        consents.record(
            app.uow(),
            practice_id=app.practice_id,
            actor=OPERATOR,
            number=invoice,
            given_on=day,
            scope=scope,
            form_location=form,
            only_this_invoice=only_this,
        )  # fmt: skip
    )


@consent_app.command("complete")
@friendly
def consent_complete(
    consent_id: int = typer.Argument(..., help="Nummer der Einwilligung (aus inkasso consent show)."),
    scope: str | None = typer.Option(None, "--scope", help="Umfang der Einwilligung."),
    form: str | None = typer.Option(None, "--form", help="Wo das unterschriebene Formular liegt."),
) -> None:
    """Umfang und Ablageort einer Einwilligung ergänzen (auch einer importierten)."""
    app = make_app()
    typer.echo(
        consents.complete(
            app.uow(),
            practice_id=app.practice_id,
            actor=OPERATOR,
            consent_id=consent_id,
            scope=scope,
            form_location=form,
        )  # fmt: skip
    )


@consent_app.command("revoke")
@friendly
def consent_revoke(
    invoice: str = INVOICE,
    revoked_on: str | None = typer.Option(
        None, "--date", help="Tag, an dem der Widerruf einging, TT.MM.JJJJ (Standard: heute)."
    ),
) -> None:
    """Den Widerruf der Person erfassen: keine Übergabe mehr; offene Fälle werden gemeldet."""
    app = make_app()
    day = parse_date(revoked_on, field="Datum des Widerrufs") if revoked_on else None
    done = consent_revocation.revoke(
        app.uow(), practice_id=app.practice_id, actor=OPERATOR, number=invoice, revoked_on=day
    )
    typer.echo(done.message)
    for number in done.open_cases:
        typer.echo(f"  Zurückziehen: inkasso claim withdraw {number}")
