"""The whole onboarding by mail: request sent → the sandbox mails the contract → recognised →
signed → the sandbox mails the confirmation → aktiv. Real SMTP (aiosmtpd), Dovecot and sandbox."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

import httpx
import pytest
from sqlmodel import select

from core.db.models import Statement
from core.domain.onboarding import OnboardingAction, OnboardingState
from core.services.people.access import OPERATOR
from core.services.setup import access_request, onboarding
from mail.intake import intake_once
from mail.message import parse
from tests.integration.mail.mail_helpers import (
    DONE,
    close_mail_apps,  # noqa: F401  (autouse)
    events,
    folder_view,
    mail_app,
    notes,
    records,
    state,
)
from tests.peers.mailserver import PRACTICE_EMAIL, Dovecot, SmtpServer
from tests.peers.sandbox import SandboxHandle


@pytest.fixture
def agency(sandbox_factory: Callable[..., SandboxHandle], smtp_server: SmtpServer) -> SandboxHandle:
    """A sandbox mailing the practice through the test SMTP server (which adds Authentication-Results)."""
    return sandbox_factory(
        practice_email=PRACTICE_EMAIL, smtp_host=smtp_server.host, smtp_port=smtp_server.port
    )


async def test_the_whole_onboarding_runs_by_mail(
    mailbox_clean: Dovecot, smtp_server: SmtpServer, agency: SandboxHandle, sqlite_url: str, tmp_path: Path
) -> None:
    app = mail_app(sqlite_url, tmp_path, mailbox_clean, smtp_server, state=OnboardingState.NOT_REQUESTED)

    requested = await access_request.request_access(
        app.uow(),
        practice_id=app.practice_id,
        actor=OPERATOR,
        via="cli",
        support_email=app.settings.support_email,
        mailer=app.mailer,
    )
    assert requested.mailed and requested.state == OnboardingState.REQUESTED
    [sent] = smtp_server.messages
    assert sent.rcpt_tos == [app.settings.support_email]
    request_mail = parse(sent.data)
    assert "Freischaltung" in request_mail.subject and request_mail.message_id == requested.message_id

    agency.control("/mail/contract")
    await intake_once(app)
    assert state(app) == OnboardingState.CONTRACT_RECEIVED
    [link_note] = [n for n in notes(app) if "/_sandbox/sign/" in n]
    link = next(word for word in link_note.split() if "/_sandbox/sign/" in word)

    assert httpx.get(link).status_code == 200  # the practice signs at the agency
    assert agency.state()["signed"] == 1
    onboarding.transition(
        app.uow(), practice_id=app.practice_id, actor=OPERATOR, action=OnboardingAction.SIGNED, via="cli"
    )

    agency.control("/mail/activation")
    await intake_once(app)

    status = onboarding.status(app.uow(), practice_id=app.practice_id)
    assert status.state == OnboardingState.ACTIVE
    assert status.contract_start == date.fromisoformat(agency.state()["contract_start"])
    assert [e.via for e in events(app)] == ["cli", "mail", "cli", "mail"]
    assert [r.kind for r in records(app, "out")] == ["access_request"]
    assert [r.kind for r in records(app)] == ["agency_contract", "agency_activation"]
    assert folder_view(mailbox_clean) == [] and len(folder_view(mailbox_clean, DONE)) == 2


async def test_a_forged_contract_sent_through_the_same_server_changes_nothing(
    mailbox_clean: Dovecot, smtp_server: SmtpServer, agency: SandboxHandle, sqlite_url: str, tmp_path: Path
) -> None:
    app = mail_app(sqlite_url, tmp_path, mailbox_clean, smtp_server)
    smtp_server.auth_verdict = "fail"  # the receiving server found no valid signature

    agency.control("/mail/contract")
    report = await intake_once(app)

    assert report.ignored == 1 and report.downloaded == 0
    assert state(app) == OnboardingState.REQUESTED and notes(app) == []
    [(subject, flags)] = folder_view(mailbox_clean)
    assert "Vertrag" in subject and "\\Seen" not in flags


async def test_the_sandbox_statement_is_kept_with_its_pdf_text(
    mailbox_clean: Dovecot, smtp_server: SmtpServer, agency: SandboxHandle, sqlite_url: str, tmp_path: Path
) -> None:
    app = mail_app(sqlite_url, tmp_path, mailbox_clean, smtp_server, state=OnboardingState.ACTIVE,
                   finance1159_client_id=agency.client_id)  # fmt: skip

    agency.control("/mail/statement", {"month": "2026-10"})
    report = await intake_once(app)

    assert report.handled == 1, report.outcomes
    with app.uow() as uow:
        [kept] = uow.session.exec(select(Statement)).all()
    assert kept.month == "2026-10" and kept.parse_error == ""
    assert kept.csv_name == "Monatsabrechnung_2026-10.csv" and kept.pdf_data and kept.pdf_text
    assert any("Monatsabrechnung" in n for n in notes(app))
