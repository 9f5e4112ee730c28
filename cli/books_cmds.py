"""`inkasso books`: how the practice's books are kept (chart, basis, DATEV numbers, accounts)."""

from __future__ import annotations

import typer

from cli.common import fail, friendly, make_app, print_json
from core.services.accounting import book_settings, books, three_way
from core.services.accounting.book_settings import BASES, BookSetup
from core.services.accounting.chart import ROLES, Account
from core.services.people.access import OPERATOR

__all__ = ["books_app", "close", "reconcile", "setup", "show"]

books_app = typer.Typer(
    help="Buchhaltung: Kontenrahmen, Buchungsbasis, DATEV-Nummern, Konten.", no_args_is_help=True
)


@books_app.command("setup")
@friendly
def setup(
    chart: str | None = typer.Option(None, "--chart", help="Kontenrahmen: SKR03 oder SKR04."),
    basis: str | None = typer.Option(None, "--basis", help="cash (Ist, EÜR; Standard) oder accrual (Soll)."),
    consultant_number: str | None = typer.Option(
        None, "--consultant-number", help="DATEV-Beraternummer (4–7 Ziffern)."
    ),
    client_number: str | None = typer.Option(
        None, "--client-number", help="DATEV-Mandantennummer (1–5 Ziffern)."
    ),
    fiscal_year_start: str | None = typer.Option(
        None, "--fiscal-year-start", help="Monat, in dem das Wirtschaftsjahr beginnt (MM, Standard 01)."
    ),
    account: list[str] = typer.Option(  # noqa: B008 - typer reads the default at definition time
        [], "--account", help=f"Konto ändern: ROLLE=NUMMER[:Name]; Rollen: {', '.join(ROLES)}."
    ),
) -> None:
    """Buchhaltung einrichten oder ändern; nicht angegebene Werte bleiben, Konten sind je
    Kontenrahmen vorbelegt und einzeln änderbar."""
    app = make_app()
    now = book_settings.read_settings(
        app.uow(), practice_id=app.practice_id, actor=OPERATOR, settings=app.settings
    )
    if not now.stored and None in (chart, consultant_number, client_number):
        fail(
            "Zum ersten Einrichten bitte --chart, --consultant-number und --client-number angeben, z. B. "
            "inkasso books setup --chart SKR03 --consultant-number 29098 --client-number 55003."
        )
    saved = book_settings.save_settings(
        app.uow(), practice_id=app.practice_id, actor=OPERATOR, settings=app.settings,
        chart=chart or now.chart, basis=basis or now.basis,
        consultant_number=consultant_number or now.consultant_number,
        client_number=client_number or now.client_number, fiscal_year_start=fiscal_year_start,
        accounts=_accounts(account),
    )  # fmt: skip
    typer.echo("Buchhaltung gespeichert.")
    _show(saved)


@books_app.command("show")
@friendly
def show() -> None:
    """Die Einstellungen der Buchhaltung anzeigen."""
    app = make_app()
    _show(
        book_settings.read_settings(
            app.uow(), practice_id=app.practice_id, actor=OPERATOR, settings=app.settings
        )
    )


@books_app.command("close")
@friendly
def close(month: str = typer.Argument(..., help="Monat als JJJJ-MM, z. B. 2026-10.")) -> None:
    """Monat abschließen: Buchungen und Dateien bleiben danach unverändert; Nachträge kommen als
    Korrekturbuchung in den nächsten offenen Monat."""
    app = make_app()
    kept = books.close_month(
        app.uow(), settings=app.settings, practice_id=app.practice_id, actor=OPERATOR, month=month
    )
    label = f"{kept[0].month[5:]}/{kept[0].month[:4]}"
    typer.echo(f"Monat {label} abgeschlossen. Endgültige Dateien (abrufbar mit inkasso report monthly):")
    for export in kept:
        typer.echo(f"  {export.name}  SHA-256 {export.sha256}")


@books_app.command("reconcile")
@friendly
def reconcile(
    month: str = typer.Argument(..., help="Monat als JJJJ-MM, z. B. 2026-10."),
    as_json: bool = typer.Option(False, "--json", help="Ausgabe als JSON."),
) -> None:
    """Abgleich des Monats: eigene Aufzeichnungen, Abrechnung von 1159 Finance und Auszahlungen auf
    dem Kontoauszug (nach inkasso import bank)."""
    app = make_app()
    result = three_way.three_way(app.uow(), practice_id=app.practice_id, actor=OPERATOR, month=month)
    if as_json:
        print_json(result.to_json())
        return
    typer.echo(f"Abgleich {result.span.label}")
    for line in result.lines():
        typer.echo(f"  {line}" if line.startswith("- ") else line)


def _accounts(pairs: list[str]) -> dict[str, Account]:
    out = {}
    for pair in pairs:
        role, sep, rest = pair.partition("=")
        if not sep:
            fail(f"--account „{pair}“: bitte so angeben: ROLLE=NUMMER[:Name], z. B. interest=2650.")
        number, _, name = rest.partition(":")
        out[role.strip()] = Account(number.strip(), name.strip())
    return out


def _show(setup: BookSetup) -> None:
    note = "" if setup.stored else " (Vorgaben, noch nicht gespeichert)"
    typer.echo(f"Kontenrahmen {setup.chart}, Basis {BASES[setup.basis]}{note}")
    typer.echo(
        f"DATEV: Beraternummer {setup.consultant_number}, Mandantennummer {setup.client_number}, "
        f"Wirtschaftsjahr ab Monat {setup.fiscal_year_start:02d}"
    )
    for key, acc in setup.accounts.items():
        typer.echo(f"  {ROLES[key].label} ({key}): {acc.number} {acc.name}")
