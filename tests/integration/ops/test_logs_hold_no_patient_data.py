"""Logs never hold patient or health data: a distinctive treatment text, patient name and birth
date are planted, a story with failures runs (an import refused for a NUL byte, a statement the
database refuses, a claim handed over to the sandbox, agency errors, chat commands through the Bot
API stand-in), and no log record, log file line or audit entry may contain them."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
import typer
from sqlmodel import select

from cli.common import friendly
from core.bootstrap import App
from core.db.engine import is_postgres
from core.db.models import AuditEvent, Invoice, Patient
from core.domain.errors import ImportRefused
from core.services.invoicing.invoice_import import import_invoices
from core.services.people.access import OPERATOR, WRONG_CHAT
from tests.factories import export_row, write_csv
from tests.integration.chat.bot_helpers import (
    GROUP,
    buttons,
    message_id,
    running_bot,
    seed_practice,
    text,
    wire_app,
)
from tests.peers.botapi import FakeBotAPI
from tests.peers.sandbox import SandboxHandle

TREATMENT = "Xylophonbehandlung Quarzsonde 4711"
FIRST, LAST, BIRTH = "Wendeline", "Quastenflosser", "29.02.1964"
PLANTED = (TREATMENT, FIRST, LAST, BIRTH, "1964-02-29", "Quastenflosser".lower())


@pytest.fixture
def log_file(tmp_path: Path) -> Iterator[Path]:
    """The log file as `inkasso run` writes it (same format, tracebacks included), at DEBUG."""
    path = tmp_path / "inkasso.log"
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.setLevel(logging.DEBUG)
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield path
    finally:
        root.removeHandler(handler)
        handler.close()


def _import(app: App, tmp_path: Path, *, nul: bool) -> None:
    row = export_row(
        "R-1",
        Vorname=FIRST,
        Nachname=LAST,
        Geburtsdatum=BIRTH,
        Leistung=TREATMENT,
        reminder=True,
        announced=True,
    )
    rows = [row, export_row("R-2", Leistung=TREATMENT + "\x00", Nachname=LAST)] if nul else [row]
    import_invoices(
        app.uow(), practice_id=app.practice_id, actor=OPERATOR, path=write_csv(tmp_path / "export.csv", rows)
    )


def _failing_statements(app: App) -> list[str]:
    """Statements the database refuses, with planted values in their parameters, through the CLI's
    handler for unexpected errors (it logs the exception with its traceback)."""

    def insert(service_text: str) -> None:
        with app.uow() as uow:
            patient = uow.session.exec(select(Patient)).first()
            assert patient is not None
            existing = uow.session.exec(select(Invoice)).first()
            assert existing is not None
            uow.session.add(
                Invoice(
                    practice_id=app.practice_id,
                    patient_id=patient.id,  # type: ignore[arg-type]
                    number="R-1",  # taken: the database refuses the row
                    invoice_date=existing.invoice_date,
                    due_date=existing.due_date,
                    amount=existing.amount,
                    service_text=service_text,
                )
            )
            uow.commit()

    texts = [f"{TREATMENT} {FIRST} {LAST} {BIRTH}"]
    if is_postgres(app.engine):
        texts.append(TREATMENT + "\x00")  # PostgreSQL refuses NUL in text
    for value in texts:
        with pytest.raises(typer.Exit):
            friendly(insert)(value)
    return texts


def _audit_text(app: App) -> str:
    with app.uow() as uow:
        rows = uow.session.exec(select(AuditEvent)).all()
        return "\n".join(f"{r.actor} {r.action} {r.subject} {r.details}" for r in rows)


async def test_no_log_or_audit_entry_holds_the_treatment_the_name_or_the_birth_date(
    database_url: str,
    tmp_path: Path,
    sandbox: SandboxHandle,
    fake_botapi: FakeBotAPI,
    caplog: pytest.LogCaptureFixture,
    log_file: Path,
) -> None:
    caplog.set_level(logging.DEBUG)
    app = wire_app(database_url, tmp_path, sandbox, fake_botapi)
    seed_practice(app)
    with pytest.raises(ImportRefused) as refused:
        _import(app, tmp_path, nul=True)
    _import(app, tmp_path, nul=False)
    assert len(_failing_statements(app)) >= 1
    async with running_bot(app, fake_botapi) as bot:
        overview = await bot.say("/forderung R-1")
        created = await bot.press(buttons(overview)[0][1], message_id(overview))
        assert "übergeben (Fall" in text(created)
        assert text(await bot.say("/status R-1", chat=GROUP, chat_type="group")) == WRONG_CHAT
        sandbox.faults(error_rate=1.0)  # the agency fails every request now
        try:
            await bot.say("/zahlung R-1 10,00")
            await bot.say("/status R-1")
        finally:
            sandbox.faults()
        await bot.say("/status R-1")
        await bot.say("/faelle")
    audit = _audit_text(app)
    await app.aclose()
    app.close()

    records = caplog.records
    assert records, "the story must have logged something"
    formatter = logging.Formatter("%(name)s %(message)s")
    logged = "\n".join(formatter.format(r) for r in records)
    assert "unexpected error in insert" in logged  # the refused statements were logged, with traceback
    outputs = {
        "log records": logged,
        "log file": log_file.read_text(encoding="utf-8"),
        "audit": audit,
        "import refusal for the log": refused.value.log_message,
    }
    for where, content in outputs.items():
        for value in PLANTED:
            assert value not in content, f"{value!r} in {where}"
