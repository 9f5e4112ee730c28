"""A monthly statement for another client of 1159 Finance (Kundennummer not ours): refused with a
German message, nothing of it kept, the mail left in the mailbox for a person."""

from __future__ import annotations

from email.message import EmailMessage
from pathlib import Path

import pytest
from fpdf import FPDF
from sqlmodel import select

from core.db.models import MailRecord, Statement
from core.domain.onboarding import OnboardingState
from core.services.accounting import statements
from mail.agency import act_on_agency_mail
from mail.intake import intake_once
from mail.message import parse
from mail.rules import MailRules, classify
from tests.factories import add_practice, make_app
from tests.integration.mail.mail_helpers import (
    close_mail_apps,  # noqa: F401  (autouse)
    corpus,
    folder_view,
    mail_app,
    notes,
    with_auth,
)
from tests.peers.mailserver import PRACTICE_EMAIL, Dovecot

CSV = "Fall-Nr;Rechnungsnummer;Buchungsdatum;Buchungsart;Betrag\n17;R-1;03.10.2026;Zahlung Schuldner;120,00\n"
REFUSED = (
    "Die Monatsabrechnung 10/2026 ist für die Kundennummer „P-99999“ bestimmt, diese Praxis hat bei "
    "1159 Finance die Kundennummer „demo-praxis“. Sie wurde nicht gespeichert; die Mail liegt unverändert "
    "im Postfach. Bitte 1159 Finance Bescheid geben und die Mail danach löschen."
)


@pytest.fixture
def box(mailbox_clean: Dovecot) -> Dovecot:
    return mailbox_clean


async def test_a_statement_for_another_client_is_refused_and_nothing_of_it_is_kept(
    box: Dovecot, database_url: str, tmp_path: Path
) -> None:
    app = mail_app(database_url, tmp_path, box, state=OnboardingState.ACTIVE)
    box.deliver(corpus("agency_statement_other_practice"), PRACTICE_EMAIL)
    box.deliver(corpus("agency_statement_genuine"), PRACTICE_EMAIL)  # names no client: ours

    report = await intake_once(app)
    again = await intake_once(app)

    assert (report.handled, report.failed) == (1, 1), report.outcomes
    assert "failed: statement 2026-10 for another client, not kept" in report.outcomes
    assert (again.handled, again.new) == (0, 0)
    with app.uow() as uow:
        kept = uow.session.exec(select(Statement)).all()
        record = uow.session.exec(
            select(MailRecord).where(MailRecord.message_key == "<abrechnung-p99999-2026-10@1159finance.com>")
        ).one()
    assert [s.message_key for s in kept] != [] and all("p99999" not in s.message_key for s in kept)
    assert len(kept) == 1 and len(kept[0].rows) == 3
    assert record.raw == b"" and record.outcome.startswith("failed")
    assert REFUSED in notes(app)
    assert len(folder_view(box)) == 1  # the foreign one stays where it is, for a person


def _statement_mail(pdf_line: str) -> bytes:
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=11)
    pdf.cell(text="1159 Finance GmbH - Monatsabrechnung 10/2026")
    pdf.ln()
    pdf.cell(text=pdf_line)
    msg = EmailMessage()
    msg["From"] = "abrechnung@1159finance.com"
    msg["To"] = PRACTICE_EMAIL
    msg["Subject"] = "1159 Finance: Monatsabrechnung 10/2026"
    msg["Message-ID"] = f"<{pdf_line.split()[-1]}@1159finance.com>"
    msg.set_content("Anbei Ihre Monatsabrechnung.")
    msg.add_attachment(bytes(pdf.output()), maintype="application", subtype="pdf",
                       filename="Monatsabrechnung_2026-10.pdf")  # fmt: skip
    msg.add_attachment(CSV.encode(), maintype="text", subtype="csv", filename="Monatsabrechnung_2026-10.csv")
    return with_auth(msg.as_bytes(), "1159finance.com")


@pytest.mark.parametrize(("pdf_line", "kept"), [("Mandant: fremde-praxis", 0), ("Mandant: demo-praxis", 1)])
def test_the_client_named_only_in_the_statements_pdf_is_checked_too(
    sqlite_url: str, tmp_path: Path, pdf_line: str, kept: int
) -> None:
    app = make_app(sqlite_url, tmp_path)
    add_practice(app, onboarding_state=OnboardingState.ACTIVE)
    mail = parse(_statement_mail(pdf_line))
    c = classify(mail, MailRules(agency_domain="1159finance.com", authserv_id="mx.praxis.test"),
                 staff_addresses=frozenset())  # fmt: skip
    assert c.kind == "agency_statement" and c.client_id is None

    outcome = act_on_agency_mail(app, c, mail, "key-1")

    with app.uow() as uow:
        assert len(uow.session.exec(select(Statement)).all()) == kept
    assert outcome.startswith("done" if kept else "failed")
    app.close()


def test_the_core_refuses_it_before_anything_is_written(sqlite_url: str, tmp_path: Path) -> None:
    app = make_app(sqlite_url, tmp_path)
    add_practice(app)
    with pytest.raises(statements.ForeignStatement) as refused:
        statements.receive_statement(
            app.uow(), practice_id=app.practice_id, month="2026-10", message_key="<x>",
            attachments=[("Monatsabrechnung_2026-10.csv", "text/csv", CSV.encode())], client_id="P-99999",
        )  # fmt: skip
    assert refused.value.user_message == REFUSED
    statements.receive_statement(
        app.uow(), practice_id=app.practice_id, month="2026-10", message_key="<y>",
        attachments=[("Monatsabrechnung_2026-10.csv", "text/csv", CSV.encode())], client_id="Demo-Praxis",
    )  # fmt: skip
    with app.uow() as uow:
        assert [s.message_key for s in uow.session.exec(select(Statement)).all()] == ["<y>"]
    app.close()
