"""Receiving the agency's monthly statement: kept always, parsed, reconciled, once per mail."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlmodel import select

from core.bootstrap import App
from core.db.models import AuditEvent, Notification, Statement
from core.finance1159.sandbox import statement as sandbox_statement
from core.finance1159.sandbox.runtime import Runtime
from core.services.accounting import statement_list, statements
from core.services.collection import claims, payments, status
from core.services.people.access import OPERATOR
from tests.factories import make_app
from tests.integration.books.books_helpers import MONTH, STATEMENT_CSV, build_october
from tests.integration.collection.claims_helpers import STAFF, client, product, ready_invoice
from tests.peers.sandbox import SandboxHandle

PDF = b"%PDF-1.4 not really a pdf"


@pytest.fixture
def app(sqlite_url: str, tmp_path: Path) -> Iterator[App]:
    app = make_app(sqlite_url, tmp_path)
    yield app
    app.close()


@pytest.fixture
def any_app(database_url: str, tmp_path: Path) -> Iterator[App]:
    app = make_app(database_url, tmp_path)
    yield app
    app.close()


def _csv(text: str) -> bytes:
    return b"\xef\xbb\xbf" + text.encode()


def test_a_matching_statement_is_kept_parsed_and_reconciled_without_differences(any_app: App) -> None:
    app = any_app
    build_october(app)
    kept = statements.receive_statement(
        app.uow(),
        practice_id=app.practice_id,
        month="10/2026",
        message_key="<stmt-1@1159finance.com>",
        attachments=[
            ("Monatsabrechnung_2026-10.pdf", "application/pdf", PDF),
            ("Monatsabrechnung_2026-10.csv", "text/csv", _csv(STATEMENT_CSV)),
        ],
    )
    assert kept.month == MONTH and kept.parse_error == ""
    assert kept.pdf_data == PDF and kept.csv_data == _csv(STATEMENT_CSV)
    assert len(kept.rows) == 10
    assert kept.reconciliation["ok"] is True and kept.reconciliation["matched"] == 10
    with app.uow() as uow:
        note = uow.session.exec(select(Notification).where(Notification.kind == "statement")).one()
        assert note.text.startswith("📄 Monatsabrechnung 10/2026 eingegangen")
        assert "stimmt" in note.text
        assert uow.session.exec(select(AuditEvent).where(AuditEvent.action == "statement.receive")).one()


def test_the_same_mail_twice_is_kept_once(app: App) -> None:
    build_october(app)
    for _ in range(2):
        statements.receive_statement(
            app.uow(),
            practice_id=app.practice_id,
            month=MONTH,
            message_key="<same@1159finance.com>",
            attachments=[("Monatsabrechnung_2026-10.csv", "text/csv", _csv(STATEMENT_CSV))],
        )
    with app.uow() as uow:
        assert len(uow.session.exec(select(Statement)).all()) == 1
        assert len(uow.session.exec(select(Notification)).all()) == 1


def test_an_unreadable_csv_is_kept_raw_with_a_german_parse_error(app: App) -> None:
    build_october(app)
    broken = _csv(
        "Fall-Nr;Rechnungsnummer;Buchungsdatum;Buchungsart;Betrag\n17;R-101;32.10.2026;Zinsen;abc\n"
    )
    kept = statements.receive_statement(
        app.uow(),
        practice_id=app.practice_id,
        month=MONTH,
        message_key="<broken@x>",
        attachments=[("Monatsabrechnung_2026-10.csv", "text/csv", broken)],
    )
    assert kept.csv_data == broken and kept.rows == []
    assert "Zeile 2" in kept.parse_error and "Buchungsdatum" in kept.parse_error
    assert kept.reconciliation == {}
    listed = statement_list.list_statements(app.uow(), practice_id=app.practice_id, actor=OPERATOR)
    assert listed[0].parse_error and listed[0].rows == 0


def test_an_unknown_attachment_is_kept_and_named(app: App) -> None:
    kept = statements.receive_statement(
        app.uow(),
        practice_id=build_october(app)["R-101"].practice_id,
        month=MONTH,
        message_key="<xlsx@x>",
        attachments=[("Abrechnung.xlsx", "application/vnd.ms-excel", b"PK\x03\x04data")],
    )
    assert kept.csv_name == "Abrechnung.xlsx" and kept.csv_data == b"PK\x03\x04data"
    assert "unbekannt" in kept.parse_error


def test_a_statement_that_differs_lists_every_difference(app: App) -> None:
    build_october(app)
    text = (
        STATEMENT_CSV.replace("20.10.2026;Zahlung Schuldner;100,00", "21.10.2026;Zahlung Schuldner;100,00")
        .replace("Mahngebühr;5,00", "Mahngebühr;7,50")
        .replace("19;R-103;28.10.2026;Fallgebühr;2,50\n", "")
        + "21;R-999;15.10.2026;Zahlung Schuldner;10,00\n"
    )
    kept = statements.receive_statement(
        app.uow(),
        practice_id=app.practice_id,
        month=MONTH,
        message_key="<diff@x>",
        attachments=[("Monatsabrechnung_2026-10.csv", "text/csv", _csv(text))],
    )
    rec = kept.reconciliation
    assert rec["ok"] is False and rec["matched"] == 7
    kinds = sorted(d["what"] for d in rec["differences"])
    assert kinds == ["amount", "date", "only_ours", "only_statement"]
    texts = " ".join(d["text"] for d in rec["differences"])
    assert "Datum abweichend (bei uns 20.10.2026, bei 1159 Finance 21.10.2026)" in texts
    assert "Betrag abweichend (bei uns 5,00 €, bei 1159 Finance 7,50 €)" in texts
    assert "R-999" in texts and "nur in der Abrechnung von 1159 Finance" in texts
    assert "R-103, Fallgebühr" in texts and "fehlt in der Abrechnung" in texts
    with app.uow() as uow:
        note = uow.session.exec(select(Notification)).one()
        assert "4 Abweichung(en)" in note.text


async def test_the_sandbox_agencys_own_statement_reconciles_with_our_mirrored_records(
    sqlite_url: str, tmp_path: Path, sandbox: SandboxHandle
) -> None:
    """Contract: what the (sandbox) agency books for a month equals what our records say."""
    app = product(sqlite_url, tmp_path, sandbox)
    ready_invoice(app, "R-1", amount="300,00")
    ready_invoice(app, "R-2", amount="80,00")
    async with client(sandbox) as finance:
        first = await claims.create(
            app.uow(), finance=finance, practice_id=app.practice_id, actor=STAFF, number="R-1"
        )
        await claims.create(
            app.uow(), finance=finance, practice_id=app.practice_id, actor=STAFF, number="R-2"
        )
        assert first.case_id is not None
        sandbox.advance(10)  # the agency's first letter and its fees
        sandbox.pay(first.case_id, "50.00")
        await payments.record_and_send(
            app.uow(), finance=finance, practice_id=app.practice_id, actor=STAFF, number="R-2", amount="20,00"
        )
        for number in ("R-1", "R-2"):
            await status.refresh(app.uow(), finance=finance, practice_id=app.practice_id, number=number)
    runtime = Runtime(sandbox.config)
    today = runtime.clock.today()
    months = sorted(
        {
            today.strftime("%Y-%m"),
            (today - timedelta(days=10)).strftime("%Y-%m"),
            date.today().strftime("%Y-%m"),
        }
    )
    kinds: set[str] = set()
    for month in months:
        rows = sandbox_statement.bookings(runtime, month)
        kinds |= {r.kind for r in rows}
        kept = statements.receive_statement(
            app.uow(),
            practice_id=app.practice_id,
            month=month,
            message_key=f"<sandbox-statement-{month}>",
            attachments=[(f"Monatsabrechnung_{month}.csv", "text/csv", sandbox_statement.to_csv(rows))],
        )
        assert kept.parse_error == ""
        assert kept.reconciliation["differences"] == [], month
        assert kept.reconciliation["matched"] == len(rows)
    assert kinds >= {"Zahlung Schuldner", "Zahlung Gläubiger", "Inkassokosten"}
    app.close()
