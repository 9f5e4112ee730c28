"""The practice's stored mail address (Praxisdaten) is the one the onboarding and the agency use;
PRACTICE_EMAIL only seeds it. Real SMTP (aiosmtpd), Dovecot and sandbox."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from core.domain.onboarding import OnboardingState
from core.services.people.access import OPERATOR
from core.services.setup import access_request, practice
from mail.message import parse
from tests.factories import make_app
from tests.integration.mail.mail_helpers import close_mail_apps, mail_app  # noqa: F401  (autouse)
from tests.peers.mailserver import PRACTICE_EMAIL, Dovecot, SmtpServer
from tests.peers.sandbox import SandboxHandle

STORED = "chef@example.test"  # a mailbox of its own on the test server, not PRACTICE_EMAIL
ELSEWHERE = "empfang@physio-rhein.de"  # a practice whose address is not on the test server at all


@pytest.fixture
def agency(sandbox_factory: Callable[..., SandboxHandle], smtp_server: SmtpServer) -> SandboxHandle:
    return sandbox_factory(
        practice_email=PRACTICE_EMAIL, smtp_host=smtp_server.host, smtp_port=smtp_server.port
    )


async def test_the_access_request_and_notices_go_out_from_the_stored_address(
    mailbox_clean: Dovecot, smtp_server: SmtpServer, sqlite_url: str, tmp_path: Path
) -> None:
    app = mail_app(sqlite_url, tmp_path, mailbox_clean, smtp_server, state=OnboardingState.NOT_REQUESTED)
    assert app.settings.practice_email == PRACTICE_EMAIL
    practice.set_field(app.uow(), practice_id=app.practice_id, actor=OPERATOR, field="email", value=ELSEWHERE)

    await access_request.request_access(
        app.uow(),
        practice_id=app.practice_id,
        actor=OPERATOR,
        via="cli",
        support_email=app.settings.support_email,
        mailer=app.mailer,
    )
    await app.mailer.send_notice(to="anna@example.test", subject="Test", text="Hallo")

    request, notice = (parse(m.data) for m in smtp_server.messages)
    assert request.from_addr == ELSEWHERE
    assert f"E-Mail: {ELSEWHERE}" in request.text
    assert request.message_id is not None and request.message_id.endswith("@physio-rhein.de>")
    assert "example.test" not in smtp_server.messages[0].data.decode("utf-8", "replace")
    assert notice.from_addr == ELSEWHERE


def test_the_sandbox_agency_writes_to_the_address_it_is_given(
    mailbox_clean: Dovecot, agency: SandboxHandle
) -> None:
    sent = agency.control("/mail/contract", {"to": STORED})

    assert sent["to"] == STORED
    assert [m.subject for m in mailbox_clean.messages(STORED)] == [
        "1159 Finance: Ihr Inkasso-Vertrag zur Unterschrift"
    ]
    assert mailbox_clean.messages(PRACTICE_EMAIL) == []


def test_without_a_stored_address_the_setting_is_the_fallback(sqlite_url: str, tmp_path: Path) -> None:
    app = make_app(sqlite_url, tmp_path, practice_email="praxis@example.test")
    try:
        assert (
            practice.mail_address(app.uow(), practice_id=1, fallback="praxis@example.test")
            == "praxis@example.test"
        )
    finally:
        app.close()
