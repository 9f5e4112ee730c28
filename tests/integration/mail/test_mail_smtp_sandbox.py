"""The mails the sandbox agency really sends are recognised by mail.rules, files included."""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from core.services.accounting.statement_csv import parse_statement_csv, pdf_text
from mail.message import parse
from mail.rules import MailRules, classify
from tests.integration.mail.mail_helpers import with_auth
from tests.peers.sandbox import SandboxHandle

RULES = MailRules(agency_domain="1159finance.test", authserv_id="mx.praxis.test")
STAFF = frozenset({"anna@example.test"})


def received(raw: bytes) -> bytes:
    """The mail as the practice's MX stores it: its verdict on top (only evidence is trusted)."""
    return with_auth(raw, "1159finance.test")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class RawRecorder:
    raw: list[bytes] = field(default_factory=list)

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:  # noqa: N802
        self.raw.append(envelope.original_content or b"")
        return "250 OK"


@pytest.fixture
def inbox() -> Iterator[tuple[int, RawRecorder]]:
    recorder = RawRecorder()
    port = _free_port()
    controller = Controller(recorder, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield port, recorder
    finally:
        controller.stop()


@pytest.fixture
def agency(sandbox_factory: Callable[..., SandboxHandle], inbox: tuple[int, RawRecorder]) -> SandboxHandle:
    return sandbox_factory(
        smtp_host="127.0.0.1",
        smtp_port=inbox[0],
        practice_email="praxis@example.org",
        mail_domain="1159finance.test",
        case_fee=Decimal("2.50"),
    )


def test_the_sandbox_contract_mail_is_recognised_with_its_link_and_client_id(
    agency: SandboxHandle, inbox: tuple[int, RawRecorder]
) -> None:
    agency.control("/mail/contract", {})
    result = classify(parse(received(inbox[1].raw[-1])), RULES, staff_addresses=STAFF)
    assert (result.kind, result.trusted) == ("agency_contract", True)
    assert result.signing_link is not None and result.signing_link.startswith(agency.root)
    assert result.client_id == agency.client_id


def test_the_sandbox_activation_mail_is_recognised_with_its_contract_start(
    agency: SandboxHandle, inbox: tuple[int, RawRecorder]
) -> None:
    agency.control("/mail/activation", {})
    result = classify(parse(received(inbox[1].raw[-1])), RULES, staff_addresses=STAFF)
    assert result.kind == "agency_activation"
    assert result.contract_start is not None
    assert result.contract_start.isoformat() == agency.state()["contract_start"][:10]


def test_the_sandbox_statement_is_recognised_and_its_files_read(
    agency: SandboxHandle, inbox: tuple[int, RawRecorder]
) -> None:
    agency.control("/mail/statement", {"month": "2026-10"})
    result = classify(parse(received(inbox[1].raw[-1])), RULES, staff_addresses=STAFF)
    assert (result.kind, result.month) == ("agency_statement", "2026-10")
    assert result.csv_attachment is not None and result.pdf_attachment is not None
    parse_statement_csv(result.csv_attachment.payload)  # an empty month still has its header
    assert "Monatsabrechnung 10/2026" in (pdf_text(result.pdf_attachment.payload) or "")
