"""The reminder letter that creates the legal basis (core/services/collection/reminder_letters.py)."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlmodel import select
from typer.testing import CliRunner

from cli.main import app as cli_app
from core.bootstrap import App
from core.db.models import AuditEvent, Invoice
from core.domain.dates import format_date, today
from core.domain.errors import InvalidInput, PreconditionFailed
from core.domain.onboarding import OnboardingState
from core.services.collection import claim_preview, reminder_letters
from core.services.people.access import OPERATOR
from tests.factories import add_invoice, add_patient, add_practice, make_app
from tests.integration.collection.claims_helpers import cli_env

TREATMENT = "Manuelle Lymphdrainage Knie links"


def pdf_text(data: bytes) -> str:
    """The PDF's text with its whitespace (line breaks, justified gaps) as single spaces."""
    pages = PdfReader(io.BytesIO(data)).pages
    return " ".join(" ".join((page.extract_text() or "") for page in pages).split())


def _invoice(app: App, **changes: object) -> Invoice:
    patient = add_patient(app, first_name="Ayşe", last_name="Doğan")
    return add_invoice(app, number="R-77", patient=patient, service_text=TREATMENT, **changes)  # type: ignore[arg-type]


def test_the_letter_announces_the_hand_over_names_the_data_the_deadline_and_the_right_to_object(
    app: App,
) -> None:
    _invoice(app, due_days_ago=30, amount="120,00")
    made = reminder_letters.letter(app.uow(), practice_id=app.practice_id, actor=OPERATOR, number="R-77")
    text = pdf_text(made.pdf)
    assert made.deadline == today() + timedelta(days=14) and made.file_name == "Mahnung-R-77.pdf"
    assert "Rechnung R-77" in text and "Ayşe Doğan" in text and "120,00 €" in text
    assert f"bis zum {format_date(made.deadline)}" in text
    assert "übergeben wir die Forderung zur Einziehung an 1159 Finance" in text
    letter_day = format_date(today())
    for passed in ("Schuldner", "Anschrift", "Geburtsdatum: 17.05.1970", f"Mahnung vom: {letter_day}"):
        assert passed in text
    assert "Art. 21 DSGVO" in text and "widersprechen" in text
    assert TREATMENT not in text


def test_a_letter_for_an_invoice_not_yet_due_or_already_paid_is_refused(app: App) -> None:
    add_invoice(app, number="R-1", due_days_ago=-3)
    add_invoice(app, number="R-2", amount="50,00", paid="50,00")
    for number, reason in (("R-1", "noch nicht überfällig"), ("R-2", "nicht mehr offen")):
        with pytest.raises(PreconditionFailed) as refused:
            reminder_letters.letter(app.uow(), practice_id=app.practice_id, actor=OPERATOR, number=number)
        assert reason in refused.value.user_message


@pytest.fixture(name="active_app")
def _active_app(database_url: str, tmp_path: Path) -> Iterator[App]:
    """The product on SQLite and PostgreSQL, its practice active at 1159 Finance."""
    app = make_app(database_url, tmp_path)
    add_practice(app, onboarding_state=OnboardingState.ACTIVE)
    yield app
    app.close()


def test_marking_it_sent_records_the_reminder_which_counts_once_its_deadline_passed(active_app: App) -> None:
    app = active_app
    _invoice(app, due_days_ago=40)
    sent = today() - timedelta(days=14)
    message = reminder_letters.mark_sent(
        app.uow(), practice_id=app.practice_id, actor=OPERATOR, number="R-77", sent_on=sent
    )
    assert f"ab dem {format_date(today() + timedelta(days=1))}" in message
    with app.uow() as uow:
        invoice = uow.session.exec(select(Invoice).where(Invoice.number == "R-77")).one()
        assert (invoice.reminder_date, invoice.handover_announced) == (sent, True)
        assert uow.session.exec(select(AuditEvent).where(AuditEvent.action == "reminder.sent")).one()
    with pytest.raises(PreconditionFailed) as refused:
        claim_preview.preview(app.uow(), practice_id=app.practice_id, actor=OPERATOR, number="R-77")
    assert "Zahlungsfrist der Mahnung" in refused.value.user_message
    tomorrow = today() + timedelta(days=1)
    shown = claim_preview.preview(
        app.uow(), practice_id=app.practice_id, actor=OPERATOR, number="R-77", on=tomorrow
    )
    assert shown.legal_basis == f"Mahnung vom {format_date(sent)} mit Ankündigung der Inkasso-Übergabe"


def test_a_send_date_in_the_future_is_refused_and_nothing_changes(sqlite_app: App) -> None:
    _invoice(sqlite_app, due_days_ago=40)
    with pytest.raises(InvalidInput) as refused:
        reminder_letters.mark_sent(
            sqlite_app.uow(), practice_id=sqlite_app.practice_id, actor=OPERATOR, number="R-77",
            sent_on=today() + timedelta(days=1),
        )  # fmt: skip
    assert "liegt in der Zukunft" in refused.value.user_message
    with sqlite_app.uow() as uow:
        invoice = uow.session.exec(select(Invoice).where(Invoice.number == "R-77")).one()
        assert (invoice.reminder_date, invoice.handover_announced) == (None, False)


def test_the_command_line_writes_the_letter_and_records_its_dispatch(sqlite_app: App, tmp_path: Path) -> None:
    _invoice(sqlite_app, due_days_ago=40)
    env, runner, target = cli_env(sqlite_app), CliRunner(), tmp_path / "brief.pdf"
    written = runner.invoke(cli_app, ["reminder", "letter", "R-77", "--out", str(target)], env=env)
    assert written.exit_code == 0, written.output
    assert "Mahnung zu Rechnung R-77 geschrieben" in written.output
    assert "Art. 21 DSGVO" in pdf_text(target.read_bytes())
    ahead = runner.invoke(cli_app, ["reminder", "sent", "R-77", "--date", "01.01.2099"], env=env)
    assert ahead.exit_code == 1 and "liegt in der Zukunft" in ahead.output
    sent = runner.invoke(cli_app, ["reminder", "sent", "R-77"], env=env)
    assert sent.exit_code == 0 and "als versendet am" in sent.output
    with sqlite_app.uow() as uow:
        invoice = uow.session.exec(select(Invoice).where(Invoice.number == "R-77")).one()
        assert (invoice.reminder_date, invoice.handover_announced) == (today(), True)
