"""Mails carry patient data: without TLS they go only to a relay on this machine (loopback);
to any other host they are refused with a logged reason and nothing is sent."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP as SMTPServer
from aiosmtpd.smtp import Envelope, Session

from core.config import MailSecurity, Settings
from core.smtp.compose import notification
from core.smtp.transport import MailRefused, check_login, is_loopback, send


class Inbox:
    def __init__(self) -> None:
        self.received: list[Envelope] = []

    async def handle_DATA(self, server: SMTPServer, session: Session, envelope: Envelope) -> str:  # noqa: N802
        self.received.append(envelope)
        return "250 OK"


def _own_address() -> str:
    """This machine's address on its network (not loopback), where the server also listens."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.connect(("10.255.255.255", 9))  # no packet is sent; only picks the outgoing interface
        return str(probe.getsockname()[0])


@pytest.fixture
def inbox() -> Iterator[tuple[Inbox, int]]:
    with socket.socket() as sock:
        sock.bind(("0.0.0.0", 0))
        port = int(sock.getsockname()[1])
    handler = Inbox()
    controller = Controller(handler, hostname="0.0.0.0", port=port)
    controller.start()
    try:
        yield handler, port
    finally:
        controller.stop()


def _settings(host: str, port: int) -> Settings:
    return Settings(
        _env_file=None,
        smtp_host=host,
        smtp_port=port,
        smtp_security=MailSecurity.PLAIN,
        practice_email="praxis@praxis.test",
    )


def _message() -> object:
    return notification("team@praxis.test", "praxis@praxis.test", "Forderung R-1", "Grüße")


async def test_plain_smtp_to_another_host_is_refused_and_sends_nothing(
    inbox: tuple[Inbox, int],
) -> None:
    handler, port = inbox
    address = _own_address()
    assert not is_loopback(address), "the test needs a non-loopback address of this machine"
    with pytest.raises(MailRefused) as refused:
        await send(_message(), _settings(address, port))  # type: ignore[arg-type]
    assert "SMTP_SECURITY=ssl oder starttls" in refused.value.user_message
    assert "not a loopback relay" in refused.value.log_message
    with pytest.raises(MailRefused):
        await check_login(_settings(address, port))
    assert handler.received == []


async def test_plain_smtp_to_a_relay_on_this_machine_delivers(inbox: tuple[Inbox, int]) -> None:
    handler, port = inbox
    await send(_message(), _settings("127.0.0.1", port))  # type: ignore[arg-type]
    assert len(handler.received) == 1


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("localhost", True),
        ("127.0.0.1", True),
        ("127.5.5.5", True),
        ("::1", True),
        ("[::1]", True),
        ("mail.praxis.de", False),
        ("192.0.2.2", False),
        ("localhost.evil.example", False),
    ],
)
def test_only_loopback_names_and_addresses_count_as_this_machine(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback
