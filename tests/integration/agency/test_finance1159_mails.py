"""The sandbox's agency mails over real SMTP (aiosmtpd on loopback), statement matching its books."""

from __future__ import annotations

import email
import email.policy
import re
from collections.abc import Callable, Iterator
from datetime import date
from decimal import Decimal
from email.message import EmailMessage
from typing import Any

import httpx
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from core.finance1159.wire import ClaimIn, DebtorIn, PaymentIn
from core.services.accounting.statement_csv import parse_statement_csv
from tests.peers.ports import free_port
from tests.peers.sandbox import SandboxHandle, make_finance_client


class Recorder:
    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:  # noqa: N802
        raw = envelope.original_content or b""
        self.messages.append(email.message_from_bytes(raw, policy=email.policy.default))
        return "250 OK"


@pytest.fixture
def smtp() -> Iterator[tuple[Controller, Recorder]]:
    recorder = Recorder()
    controller = Controller(recorder, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller, recorder
    controller.stop()


@pytest.fixture
def mail_sandbox(
    sandbox_factory: Callable[..., SandboxHandle], smtp: tuple[Controller, Recorder]
) -> SandboxHandle:
    controller, _ = smtp
    return sandbox_factory(
        smtp_host="127.0.0.1",
        smtp_port=controller.port,
        practice_email="praxis@example.org",
        mail_domain="1159finance.test",
        case_fee=Decimal("2.50"),
    )


def send(handle: SandboxHandle, kind: str, **body: Any) -> dict[str, Any]:
    return handle.control(f"/mail/{kind}", body)


def text_of(msg: EmailMessage) -> str:
    part = msg.get_body(preferencelist=("plain",))
    assert part is not None
    return str(part.get_content())


def test_the_contract_mail_carries_a_signing_link_that_records_the_signature(
    mail_sandbox: SandboxHandle, smtp: tuple[Controller, Recorder]
) -> None:
    send(mail_sandbox, "contract")
    msg = smtp[1].messages[-1]
    assert msg["From"].addresses[0].addr_spec == "vertrag@1159finance.test"
    assert msg["To"] == "praxis@example.org"
    assert msg["Subject"] == "1159 Finance: Ihr Inkasso-Vertrag zur Unterschrift"
    assert msg.get_body(preferencelist=("html",)) is not None
    body = text_of(msg)
    assert mail_sandbox.client_id in body
    link = re.search(r"http://\S+/_sandbox/sign/\S+", body)
    assert link is not None and link.group(0).startswith(mail_sandbox.root)
    page = httpx.get(link.group(0))
    assert page.status_code == 200 and "Vertrag unterschrieben" in page.text
    assert mail_sandbox.state()["signed"] == 1


def test_the_activation_mail_names_the_contract_start(
    mail_sandbox: SandboxHandle, smtp: tuple[Controller, Recorder]
) -> None:
    send(mail_sandbox, "activation")
    msg = smtp[1].messages[-1]
    assert msg["Subject"] == "1159 Finance: Ihre Inkasso-Schnittstelle ist aktiv"
    start = mail_sandbox.state()["contract_start"]
    assert f"Vertragsbeginn: {date.fromisoformat(start):%d.%m.%Y}" in text_of(msg)


async def test_the_statement_lists_the_months_bookings_as_documented(
    mail_sandbox: SandboxHandle, smtp: tuple[Controller, Recorder]
) -> None:
    async with make_finance_client(mail_sandbox) as client:
        debtor = DebtorIn(first_name="Max", last_name="Muster", street="Weg 1", zip="50667", city="Köln")
        created = await client.create_claim(
            ClaimIn(
                reference="R-2026-0042",
                debtor=debtor,
                invoice_date=date(2026, 8, 1),
                due_date=date(2026, 8, 31),
                principal=Decimal("120.00"),
            )
        )
        mail_sandbox.advance(2)
        mail_sandbox.pay(created.case_id, "60.00")
        today = date.fromisoformat(mail_sandbox.state()["now"][:10])
        await client.report_payment(
            PaymentIn(case_id=created.case_id, amount=Decimal("10.50"), date=today, reference="Z-1")
        )
        case = await client.get_case(created.case_id)
    month = f"{today:%Y-%m}"
    send(mail_sandbox, "statement", month=month)
    msg = smtp[1].messages[-1]
    assert msg["From"].addresses[0].addr_spec == "abrechnung@1159finance.test"
    assert msg["Subject"] == f"1159 Finance: Monatsabrechnung {today:%m/%Y}"
    files: dict[str | None, bytes] = {
        part.get_filename(): bytes(part.get_payload(decode=True)) for part in msg.iter_attachments()
    }
    assert set(files) == {f"Monatsabrechnung_{month}.pdf", f"Monatsabrechnung_{month}.csv"}
    assert files[f"Monatsabrechnung_{month}.pdf"].startswith(b"%PDF")
    csv_bytes = files[f"Monatsabrechnung_{month}.csv"]
    assert csv_bytes.startswith(b"\xef\xbb\xbf")
    lines = csv_bytes.decode("utf-8-sig").splitlines()
    assert lines[0] == "Fall-Nr;Rechnungsnummer;Buchungsdatum;Buchungsart;Betrag"
    kinds = {"collection_fee": "Inkassokosten", "expenses": "Auslagen"}
    bookings = [(f.date, kinds[f.type], f.amount) for f in case.fees]
    bookings += [
        (today, "Zahlung Schuldner", Decimal("60.00")),
        (today, "Zahlung Gläubiger", Decimal("10.50")),
    ]
    # No contract start on record, so no free months: the configured Fallgebühr is due.
    bookings.append((case.created_at.date(), "Fallgebühr", Decimal("2.50")))
    expected = {
        f"1;R-2026-0042;{day:%d.%m.%Y};{kind};{str(value).replace('.', ',')}"
        for day, kind, value in bookings
        if f"{day:%Y-%m}" == month
    }
    assert set(lines[1:]) == expected and len(lines) == len(expected) + 1
    parsed = parse_statement_csv(csv_bytes)  # the product's own reader accepts it
    assert len(parsed.rows) == len(expected)


def test_a_statement_month_must_be_yyyy_mm(mail_sandbox: SandboxHandle) -> None:
    with pytest.raises(httpx.HTTPStatusError):
        send(mail_sandbox, "statement", month="10/2026")


def test_without_an_smtp_server_the_mail_control_answers_503(sandbox: SandboxHandle) -> None:
    response = httpx.post(f"{sandbox.root}/_sandbox/mail/contract")
    assert response.status_code == 503 and response.json()["sent"] is False
