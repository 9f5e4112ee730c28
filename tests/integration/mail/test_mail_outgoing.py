"""Sending: the access request (TLS variants, failures, the CLI), recorded mails, pending replies."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.main import app as cli
from core.domain.errors import IllegalTransition, PeerUnavailable
from core.domain.onboarding import OnboardingState
from core.services.people.access import OPERATOR
from core.services.setup import access_request
from core.smtp import mailer
from mail.compose import command_reply
from mail.intake import intake_once
from mail.message import parse
from tests.integration.mail.mail_helpers import (
    close_mail_apps,  # noqa: F401  (autouse)
    corpus,
    mail_app,
    records,
    state,
)
from tests.peers.mailserver import PRACTICE_EMAIL, Dovecot, SmtpServer, mail_settings_for
from tests.peers.ports import free_port


@pytest.fixture(autouse=True)
def quick_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(mailer, "SMTP_BACKOFF_SECONDS", 0.01)


async def _request(app: object) -> access_request.AccessRequested:
    return await access_request.request_access(
        app.uow(),  # type: ignore[attr-defined]
        practice_id=app.practice_id,  # type: ignore[attr-defined]
        actor=OPERATOR,
        via="cli",
        support_email=app.settings.support_email,  # type: ignore[attr-defined]
        mailer=app.mailer,  # type: ignore[attr-defined]
    )


@pytest.mark.parametrize("security", ["starttls", "ssl"])
async def test_the_access_request_goes_out_over_tls_with_login_and_is_recorded(
    security: str, dovecot: Dovecot, sqlite_url: str, tmp_path: Path
) -> None:
    server = SmtpServer(dovecot, security=security)  # type: ignore[arg-type]
    server.start()
    try:
        app = mail_app(sqlite_url, tmp_path, dovecot, server, state=OnboardingState.NOT_REQUESTED)
        result = await _request(app)
    finally:
        server.stop()

    assert result.mailed and state(app) == OnboardingState.REQUESTED
    assert server.logins == [PRACTICE_EMAIL]
    [received] = server.messages
    mail = parse(received.data)
    assert mail.from_addr == PRACTICE_EMAIL and "Physiotherapie Testhof" in mail.text
    [record] = records(app, "out")
    assert (record.kind, record.outcome, record.message_key) == ("access_request", "sent", result.message_id)
    assert parse(record.raw).message_id == result.message_id


async def test_an_unreachable_mail_server_leaves_the_onboarding_unchanged(
    dovecot: Dovecot, sqlite_url: str, tmp_path: Path
) -> None:
    app = mail_app(
        sqlite_url,
        tmp_path,
        dovecot,
        state=OnboardingState.NOT_REQUESTED,
        smtp_host="127.0.0.1",
        smtp_port=free_port(),
        smtp_security="plain",
    )

    with pytest.raises(PeerUnavailable) as refused:
        await _request(app)

    assert "nicht erreichbar" in refused.value.user_message
    assert state(app) == OnboardingState.NOT_REQUESTED
    [record] = records(app, "out")
    assert record.outcome.startswith("failed")
    assert await app.mailer.flush_pending() == 0  # a failed request is not sent behind the person's back


async def test_a_reply_kept_while_the_server_is_down_is_sent_once_later(
    dovecot: Dovecot, smtp_server: SmtpServer, sqlite_url: str, tmp_path: Path
) -> None:
    down = mail_app(sqlite_url, tmp_path, dovecot, smtp_host="127.0.0.1", smtp_port=free_port())
    reply = command_reply("anna@example.test", PRACTICE_EMAIL, "Status 1234", "Offen.", "<q@example.test>")

    message_id = await down.mailer.send_reply(reply, kind="command_reply")
    assert [r.outcome for r in records(down, "out")] == ["pending"]

    up = mail_app(sqlite_url, tmp_path, dovecot, smtp_server)
    assert await up.mailer.flush_pending() == 1
    assert await up.mailer.flush_pending() == 0
    [received] = smtp_server.messages
    assert received.rcpt_tos == ["anna@example.test"] and parse(received.data).message_id == message_id
    assert [r.outcome for r in records(up, "out")] == ["sent"]


def _cli_env(settings: dict[str, str], sqlite_url: str, tmp_path: Path) -> dict[str, str]:
    env = {k.upper(): v for k, v in settings.items()}
    env.update(DATABASE_URL=sqlite_url, DATA_DIR=str(tmp_path))
    return env


def test_the_cli_request_mails_support_when_smtp_is_set_up(
    dovecot: Dovecot,
    smtp_server: SmtpServer,
    sqlite_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    mail_app(sqlite_url, tmp_path, dovecot, smtp_server, state=OnboardingState.NOT_REQUESTED)
    monkeypatch.chdir(tmp_path)  # no .env from the working copy

    result = CliRunner().invoke(
        cli,
        ["onboarding", "request"],
        env=_cli_env(mail_settings_for(dovecot, smtp_server), sqlite_url, tmp_path),
    )

    assert result.exit_code == 0, result.output
    assert "per E-Mail an support@1159finance.com" in result.output
    assert len(smtp_server.messages) == 1


def test_the_cli_request_without_smtp_tells_whom_to_write(
    dovecot: Dovecot, sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = mail_app(sqlite_url, tmp_path, dovecot, state=OnboardingState.NOT_REQUESTED)
    monkeypatch.chdir(tmp_path)

    result = CliRunner().invoke(
        cli, ["onboarding", "request"], env=_cli_env({"smtp_host": ""}, sqlite_url, tmp_path)
    )

    assert result.exit_code == 0, result.output
    assert "kein Mailserver" in result.output and "support@1159finance.com" in result.output
    assert state(app) == OnboardingState.REQUESTED


async def test_without_telegram_notifications_are_mailed_once(
    mailbox_clean: Dovecot, smtp_server: SmtpServer, sqlite_url: str, tmp_path: Path
) -> None:
    app = mail_app(sqlite_url, tmp_path, mailbox_clean, smtp_server, mail_notify_to="chef@example.test")
    mailbox_clean.deliver(corpus("agency_contract_genuine"), PRACTICE_EMAIL)

    await intake_once(app)
    await intake_once(app)

    [note] = smtp_server.messages
    mail = parse(note.data)
    assert note.rcpt_tos == ["chef@example.test"] and mail.subject.startswith(
        "Praxis-Inkasso: Inkasso-Onboarding"
    )
    assert "https://partner.1159finance.com/vertrag/Zk3x9QpL2m" in mail.text
    assert [r.kind for r in records(app, "out")] == ["notification"]


async def test_a_request_that_is_not_possible_now_sends_no_mail(
    dovecot: Dovecot, smtp_server: SmtpServer, sqlite_url: str, tmp_path: Path
) -> None:
    app = mail_app(sqlite_url, tmp_path, dovecot, smtp_server, state=OnboardingState.ACTIVE)

    with pytest.raises(IllegalTransition):
        await _request(app)

    assert smtp_server.messages == [] and records(app, "out") == []
    assert state(app) == OnboardingState.ACTIVE
