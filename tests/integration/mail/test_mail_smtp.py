"""Sending through a real aiosmtpd server on loopback: plain, STARTTLS with login, implicit TLS, failures."""

from __future__ import annotations

import logging
import socket
import ssl
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP as SMTPServer
from aiosmtpd.smtp import AuthResult, Envelope, LoginPassword, Session
from pydantic import SecretStr

from core.config import MailSecurity, Settings
from core.domain.errors import PeerUnavailable, Refused
from core.smtp.compose import notification
from core.smtp.transport import MailRefused, MailServerUnavailable, send
from mail.message import parse

USER, PASSWORD = "praxis", "geheim-123"


@dataclass
class Recorder:
    """Keeps what arrived; `answers` lets a test make DATA fail with given replies, in order."""

    received: list[Envelope] = field(default_factory=list)
    answers: list[str] = field(default_factory=list)
    attempts: int = 0

    async def handle_DATA(self, server: SMTPServer, session: Session, envelope: Envelope) -> str:  # noqa: N802
        self.attempts += 1
        if self.answers:
            return self.answers.pop(0)
        self.received.append(envelope)
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _authenticator(server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> AuthResult:
    ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (
        USER.encode(),
        PASSWORD.encode(),
    )
    return AuthResult(success=ok, handled=False)


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("smtp-cert")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-keyout",
            str(key),
            "-out",
            str(cert),
            "-days",
            "2",
            "-subj",
            "/CN=localhost",
            "-addext",
            "subjectAltName=DNS:localhost,IP:127.0.0.1",
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


def _server_context(certificate: tuple[Path, Path]) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(*map(str, certificate))
    return context


def _run(handler: Recorder, **options: Any) -> Iterator[int]:
    port = _free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port, **options)
    controller.start()
    try:
        yield port
    finally:
        controller.stop()


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
def plain_server(recorder: Recorder) -> Iterator[int]:
    yield from _run(recorder)


@pytest.fixture
def starttls_server(recorder: Recorder, certificate: tuple[Path, Path]) -> Iterator[int]:
    yield from _run(
        recorder,
        tls_context=_server_context(certificate),
        require_starttls=True,
        auth_required=True,
        authenticator=_authenticator,
    )


@pytest.fixture
def ssl_server(recorder: Recorder, certificate: tuple[Path, Path]) -> Iterator[int]:
    yield from _run(recorder, ssl_context=_server_context(certificate), server_hostname="localhost")


def _settings(port: int, security: MailSecurity, **extra: Any) -> Settings:
    return Settings(
        _env_file=None,
        smtp_host="localhost",
        smtp_port=port,
        smtp_security=security,
        practice_email="praxis@praxis.test",
        **extra,
    )


def _message() -> Any:
    return notification("team@praxis.test", "praxis@praxis.test", "Forderung 1234 vollständig", "Grüße")


async def test_a_mail_is_delivered_over_plain_smtp(plain_server: int, recorder: Recorder) -> None:
    message = _message()
    message_id = await send(message, _settings(plain_server, MailSecurity.PLAIN))
    assert message_id == message["Message-ID"]
    [envelope] = recorder.received
    assert envelope.rcpt_tos == ["team@praxis.test"]
    arrived = parse(envelope.original_content or b"")
    assert (arrived.subject, arrived.message_id) == ("Forderung 1234 vollständig", message_id)


async def test_starttls_with_login_and_a_self_signed_ca(
    starttls_server: int, recorder: Recorder, certificate: tuple[Path, Path], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    settings = _settings(
        starttls_server,
        MailSecurity.STARTTLS,
        smtp_user=USER,
        smtp_password=SecretStr(PASSWORD),
        smtp_cafile=str(certificate[0]),
    )
    await send(_message(), settings)
    assert len(recorder.received) == 1
    assert PASSWORD not in caplog.text


async def test_implicit_tls_delivers(
    ssl_server: int, recorder: Recorder, certificate: tuple[Path, Path]
) -> None:
    await send(_message(), _settings(ssl_server, MailSecurity.SSL, smtp_cafile=str(certificate[0])))
    assert len(recorder.received) == 1


async def test_a_wrong_password_is_refused_without_retrying(
    starttls_server: int, certificate: tuple[Path, Path], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    settings = _settings(
        starttls_server,
        MailSecurity.STARTTLS,
        smtp_user=USER,
        smtp_password=SecretStr("falsch-und-geheim"),
        smtp_cafile=str(certificate[0]),
    )
    with pytest.raises(MailRefused) as caught:
        await send(_message(), settings, backoff_seconds=0.01)
    assert "Anmeldung" in caught.value.user_message and isinstance(caught.value, Refused)
    assert "falsch-und-geheim" not in caplog.text + str(caught.value) + caught.value.user_message


async def test_an_untrusted_certificate_is_refused(starttls_server: int) -> None:
    settings = _settings(
        starttls_server, MailSecurity.STARTTLS, smtp_user=USER, smtp_password=SecretStr(PASSWORD)
    )
    with pytest.raises(MailRefused) as caught:
        await send(_message(), settings, backoff_seconds=0.01)
    assert "Zertifikat" in caught.value.user_message


async def test_a_transient_421_is_retried_and_then_succeeds(plain_server: int, recorder: Recorder) -> None:
    recorder.answers = ["421 Bitte später"]
    await send(_message(), _settings(plain_server, MailSecurity.PLAIN), backoff_seconds=0.01)
    assert recorder.attempts == 2 and len(recorder.received) == 1


async def test_a_lasting_421_becomes_peer_unavailable(plain_server: int, recorder: Recorder) -> None:
    recorder.answers = ["421 Bitte später"] * 3
    with pytest.raises(MailServerUnavailable) as caught:
        await send(_message(), _settings(plain_server, MailSecurity.PLAIN), attempts=3, backoff_seconds=0.01)
    assert recorder.attempts == 3 and isinstance(caught.value, PeerUnavailable)
    assert caught.value.exit_code == 3 and "nicht erreichbar" in caught.value.user_message


async def test_a_554_is_refused_at_once(plain_server: int, recorder: Recorder) -> None:
    recorder.answers = ["554 Transaction failed"]
    with pytest.raises(MailRefused) as caught:
        await send(_message(), _settings(plain_server, MailSecurity.PLAIN), backoff_seconds=0.01)
    assert recorder.attempts == 1 and "554" in caught.value.user_message


async def test_nobody_listening_becomes_peer_unavailable() -> None:
    settings = _settings(_free_port(), MailSecurity.PLAIN)
    with pytest.raises(MailServerUnavailable):
        await send(_message(), settings, attempts=2, backoff_seconds=0.01, timeout=2)


async def test_a_missing_smtp_host_is_refused() -> None:
    with pytest.raises(MailRefused):
        await send(_message(), Settings(_env_file=None, smtp_host=None))
