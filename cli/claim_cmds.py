"""Claim, payment and sync commands."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

import typer

from cli.common import fail, friendly, make_app, print_json
from core.bootstrap import App
from core.domain.claim_lifecycle import payment_label
from core.domain.dates import format_date, format_datetime
from core.domain.money import format_eur
from core.services.collection import claim_preview as previews
from core.services.collection import claims, payments, status, withdrawals
from core.services.people.access import OPERATOR
from core.worker import run_once, settle_after_start

__all__ = [
    "T",
    "claim_app",
    "claim_create",
    "claim_preview",
    "claim_status",
    "claim_withdraw",
    "payment_add",
    "payment_app",
    "render_status",
    "sync_cmd",
]

T = TypeVar("T")
claim_app = typer.Typer(help="Forderungen: Übersicht, anlegen, Status, zurückziehen.", no_args_is_help=True)
payment_app = typer.Typer(help="Zahlungen, die direkt in der Praxis eingegangen sind.", no_args_is_help=True)


def _run(app: App, work: Callable[[], Awaitable[T]]) -> T:
    async def go() -> T:
        try:
            return await work()
        finally:
            await app.aclose()

    return asyncio.run(go())


def _print_preview(p: previews.ClaimPreview) -> None:
    typer.echo(f"Übersicht – Forderung {p.number}")
    typer.echo(f"  Patient/in:       {p.patient}")
    typer.echo(f"  Offener Betrag:   {format_eur(p.open_amount)}")
    typer.echo(f"  Fällig seit:      {format_date(p.due_date)} ({p.days_overdue} Tage)")
    typer.echo(f"  Rechtsgrundlage:  {p.legal_basis}")
    typer.echo(f"  Fallgebühr:       {p.case_fee_text}")
    if p.interest_text:
        typer.echo(f"  Verzugszinsen:    {p.interest_text}")
    for warning in p.warnings:
        typer.echo(f"  {warning}")
    typer.echo("  An 1159 Finance gehen:")
    for label, value in p.sent:
        typer.echo(f"    {label}: {value}")
    typer.echo("  Nicht übermittelt: " + ", ".join(p.withheld))


@claim_app.command("preview")
@friendly
def claim_preview(invoice: str = typer.Argument(..., help="Rechnungsnummer.")) -> None:
    """Übersicht vor der Übergabe: was gesendet wird, Rechtsgrundlage, Fallgebühr."""
    app = make_app()
    _print_preview(
        previews.preview(
            app.uow(),
            practice_id=app.practice_id,
            actor=OPERATOR,
            number=invoice,
        )
    )


@claim_app.command("create")
@friendly
def claim_create(
    invoice: str = typer.Argument(..., help="Rechnungsnummer."),
    yes: bool = typer.Option(False, "--yes", help="Ohne Rückfrage übergeben."),
) -> None:
    """Forderung an 1159 Finance übergeben (nach Bestätigung der Übersicht)."""
    app = make_app()
    preview = previews.preview(
        app.uow(),
        practice_id=app.practice_id,
        actor=OPERATOR,
        number=invoice,
    )
    if not yes:
        _print_preview(preview)
        if not typer.confirm("Forderung jetzt an 1159 Finance übergeben?", default=False):
            fail("Abgebrochen – nichts wurde übergeben.", 1)
    outcome = _run(
        app,
        lambda: claims.create(
            app.uow(),
            finance=app.finance(),
            practice_id=app.practice_id,
            actor=OPERATOR,
            number=invoice,
        ),
    )
    if outcome.failed:
        fail(outcome.message, 1)
    typer.echo(outcome.message)


@claim_app.command("status")
@friendly
def claim_status(
    invoice: str = typer.Argument(..., help="Rechnungsnummer."),
    as_json: bool = typer.Option(False, "--json", help="Ausgabe als JSON."),
) -> None:
    """Forderung anzeigen: Status, Gebühren, Zahlungen, offener Betrag – jetzt bei 1159 Finance abgefragt."""
    app = make_app()
    st = _run(
        app,
        lambda: status.fetch(
            app.uow(), finance=app.finance(), practice_id=app.practice_id, actor=OPERATOR, number=invoice
        ),
    )
    if as_json:
        print_json(st)
    else:
        typer.echo(render_status(st))
    if st.stale:
        raise typer.Exit(3)


_PAYMENT_TEXT = {"agency": "beim Inkassobüro", "practice": "direkt an die Praxis"}


def render_status(st: status.ClaimStatus) -> str:
    lines = [
        f"Forderung {st.number} – {st.patient}",
        f"  Status: {st.status_label}" + (f" (Fall {st.case_id})" if st.case_id else ""),
    ]
    if st.failure_reason:
        lines.append(f"  Grund: {st.failure_reason}")
    lines.append(f"  Hauptforderung: {format_eur(st.principal)}")
    for fee in st.fees:
        lines.append(f"  {fee.label} ({format_date(fee.charged_on)}): {format_eur(fee.amount)}")
    lines.append(f"  Beim Inkassobüro eingegangen: {format_eur(st.paid_to_agency)}")
    lines.append(f"  Direkt an die Praxis gezahlt: {format_eur(st.paid_to_practice)}")
    for p in st.payments:
        line = f"  Zahlung vom {format_date(p.paid_on)}: {format_eur(p.amount)} – {_PAYMENT_TEXT[p.source]}"
        if p.source == "practice":
            line += f", {payment_label(p.delivery)}"
        if p.failure_reason:
            line += f" (Grund: {p.failure_reason})"
        lines.append(line)
    if st.outstanding is not None:
        lines.append(f"  Noch offen (inkl. Kosten): {format_eur(st.outstanding)}")
    if st.complete:
        lines.append("  Zahlungsstatus: vollständig ✅")
    lines.append(f"  Stand: {format_datetime(st.as_of)}")
    if st.note:
        lines.append(f"  Hinweis: {st.note}")
    return "\n".join(lines)


@claim_app.command("withdraw")
@friendly
def claim_withdraw(invoice: str = typer.Argument(..., help="Rechnungsnummer.")) -> None:
    """Versehentlich übergebene Forderung zurückziehen (nur solange nichts eingenommen wurde)."""
    app = make_app()
    typer.echo(
        _run(
            app,
            lambda: withdrawals.withdraw(
                app.uow(), finance=app.finance(), practice_id=app.practice_id, actor=OPERATOR, number=invoice
            ),
        )
    )


# A negative amount ("-5,00") must reach the amount check, not be taken for an unknown option.
@payment_app.command("add", context_settings={"ignore_unknown_options": True})
@friendly
def payment_add(
    invoice: str = typer.Argument(..., help="Rechnungsnummer."),
    amount: str = typer.Argument(..., help="Betrag, z. B. 50,00."),
    paid_on: str | None = typer.Option(None, "--date", help="Zahlungsdatum TT.MM.JJJJ (Standard: heute)."),
) -> None:
    """Zahlung empfangen: direkt an die Praxis gezahlter Betrag (wird an 1159 Finance gemeldet)."""
    app = make_app()
    outcome = _run(
        app,
        lambda: payments.record_and_send(
            app.uow(),
            finance=app.finance(),
            practice_id=app.practice_id,
            actor=OPERATOR,
            number=invoice,
            amount=amount,
            paid_on=paid_on,
        ),
    )
    typer.echo(outcome.message)


@friendly
def sync_cmd(
    once: bool = typer.Option(True, "--once/--loop", help="Einmal abgleichen (Standard) oder laufend."),
) -> None:
    """Mit 1159 Finance abgleichen: ausstehende Übermittlungen senden, Änderungen abholen."""
    app = make_app()
    if not once:
        from cli.run_cmds import run_worker

        run_worker(app, bot=False, mail=False)
        return
    settle_after_start()
    report = _run(app, lambda: run_once(app))
    typer.echo(
        f"Abgleich fertig: {report.cases_seen} geänderte Fälle gelesen, {report.cases_changed} aktualisiert, "
        f"{report.payments_added} neue Zahlungen beim Inkassobüro."
    )
