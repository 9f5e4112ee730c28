"""The client's own transport against a loopback server that misbehaves: it hangs up, cuts an answer
short, garbles it or resets the line before it answers properly (each break is retried; none reaches
the caller), or it tries to set a cookie (never kept, never sent back)."""

from __future__ import annotations

import asyncio
import logging
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import date
from decimal import Decimal

import httpx
import pytest
from pydantic import SecretStr

from core.finance1159 import errors
from core.finance1159.client import Finance1159Client, make_http_client
from core.finance1159.wire import PaymentIn
from tests.leaks import shows_anywhere

Answer = Callable[[asyncio.StreamWriter], Awaitable[None]]
PAYMENT = PaymentIn(case_id=1, amount=Decimal("12.50"), date=date(2026, 11, 2), reference="Z-1")
BOOKED = b'{"error": false, "payment_id": 5}'
SECRET = "very-secret-key-771"


async def hang_up(writer: asyncio.StreamWriter) -> None:
    writer.close()


async def cut_short(writer: asyncio.StreamWriter) -> None:
    writer.write(b"HTTP/1.1 201 Created\r\nContent-Type: application/json\r\nContent-Length: 80\r\n\r\n{")
    await writer.drain()
    writer.close()


async def garble(writer: asyncio.StreamWriter) -> None:
    writer.write(b"NOT HTTP AT ALL\r\n\r\n")
    await writer.drain()
    writer.close()


async def reset(writer: asyncio.StreamWriter) -> None:
    sock = writer.get_extra_info("socket")
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
    writer.transport.abort()  # RST instead of FIN


async def book(writer: asyncio.StreamWriter, extra_header: str = "") -> None:
    head = (
        f"HTTP/1.1 201 Created\r\nConnection: close\r\nContent-Type: application/json\r\n{extra_header}"
        f"Content-Length: {len(BOOKED)}\r\n\r\n"
    )
    writer.write(head.encode() + BOOKED)
    await writer.drain()
    writer.close()


async def book_with_cookie(writer: asyncio.StreamWriter) -> None:
    await book(writer, "Set-Cookie: session=tracked-123; Path=/\r\n")


class Line:
    """Answers the n-th request with the n-th of `answers`, after reading the whole request."""

    def __init__(self, answers: list[Answer]) -> None:
        self.answers, self.requests = answers, 0
        self.heads: list[bytes] = []

    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        self.heads.append(head)
        lines = head.lower().split(b"\r\n")
        length = next((int(h.split(b":")[1]) for h in lines if h.startswith(b"content-length")), 0)
        await reader.readexactly(length)
        answer = self.answers[min(self.requests, len(self.answers) - 1)]
        self.requests += 1
        await answer(writer)


@pytest.fixture
async def line_url() -> AsyncIterator[Callable[[list[Answer]], Awaitable[tuple[Line, str]]]]:
    servers: list[asyncio.Server] = []

    async def start(answers: list[Answer]) -> tuple[Line, str]:
        line = Line(answers)
        server = await asyncio.start_server(line.serve, "127.0.0.1", 0)
        servers.append(server)
        port = server.sockets[0].getsockname()[1]
        return line, f"http://127.0.0.1:{port}/api/v1"

    yield start
    for server in servers:
        server.close()
        await server.wait_closed()


def client(base_url: str, max_attempts: int) -> Finance1159Client:
    http = make_http_client(base_url, concurrency=2, timeout=httpx.Timeout(2.0, connect=1.0))
    return Finance1159Client(
        http, client_id="praxis-1", api_key=SecretStr(SECRET), max_attempts=max_attempts, backoff_base=0.001,
        backoff_max=0.002,
    )  # fmt: skip


async def test_every_kind_of_broken_answer_is_retried_until_the_agency_answers(line_url) -> None:  # type: ignore[no-untyped-def]
    line, url = await line_url([hang_up, cut_short, garble, reset, book])
    async with client(url, max_attempts=5) as finance:
        assert await finance.report_payment(PAYMENT) == 5
        assert finance.request_count == 5
    assert line.requests == 5


@pytest.mark.parametrize("answer", [hang_up, cut_short, garble, reset])
async def test_a_line_that_stays_broken_ends_as_agency_unavailable_without_the_key_in_sight(  # type: ignore[no-untyped-def]
    line_url, answer: Answer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    line, url = await line_url([answer])
    async with client(url, max_attempts=3) as finance:
        with pytest.raises(errors.AgencyUnavailable) as caught:
            await finance.report_payment(PAYMENT)
    assert line.requests == 3 and "Timeout" not in str(caught.value)
    assert caught.value.exit_code == 3 and "nicht erreichbar" in caught.value.user_message
    # aiohttp's errors keep the request, headers included, in their repr: none may be reachable.
    assert not shows_anywhere(SECRET, caught.value)
    assert "retrying" in caplog.text and SECRET not in caplog.text


async def test_a_refused_connection_ends_as_agency_unavailable() -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    async with client(f"http://127.0.0.1:{port}/api/v1", max_attempts=2) as finance:
        with pytest.raises(errors.AgencyUnavailable) as caught:
            await finance.get_case(1)
        assert finance.request_count == 2
    assert "ClientConnectorError" in str(caught.value)  # named as what it was, not as a timeout


async def test_a_cookie_the_agency_sets_is_neither_kept_nor_sent_back(line_url) -> None:  # type: ignore[no-untyped-def]
    line, url = await line_url([book_with_cookie])
    async with client(url, max_attempts=1) as finance:
        assert await finance.report_payment(PAYMENT) == 5
        assert await finance.report_payment(PAYMENT) == 5
    assert len(line.heads) == 2 and all(b"cookie" not in head.lower() for head in line.heads)
