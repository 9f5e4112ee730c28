"""`inkasso run` as a practice runs it for months: no single door stops the worker. Telegram
answering 429 and then 401, the agency refusing the credentials: the other parts go on, and a
lasting refusal is one problem (banner, one chat message), not an hour of silence. Real PTB
against the Bot API stand-in, the 1159 Finance sandbox, a real database."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from pydantic import SecretStr
from sqlmodel import select

from cli.run_cmds import worker
from core import outbox
from core.bootstrap import App, build
from core.db.models import Notification, OutboxItem
from core.domain.dates import utcnow
from core.finance1159.client import Finance1159Client, make_http_client
from core.ops import problems
from core.ops.supervision import Health, Part, Ready, supervise
from core.services.collection import claims, delivery
from core.worker import run_once
from tests.integration.chat.bot_helpers import overdue_invoice, seed_practice, text, wire_app
from tests.integration.collection.claims_helpers import STAFF, agency_cases, claim_of, dead_url
from tests.integration.mail.mail_helpers import mail_app
from tests.peers.botapi import TOKEN, FakeBotAPI
from tests.peers.dovecot import Dovecot
from tests.peers.sandbox import SandboxHandle, make_finance_client

QUICK = {"outbox_interval_seconds": 0.05, "sync_interval_seconds": 0.1, "notify_interval_seconds": 0.05}


async def until(check: Callable[[], object], what: str, timeout: float = 10.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not check():
        if loop.time() > deadline:
            raise TimeoutError(f"not within {timeout} s: {what}")
        await asyncio.sleep(0.02)


def agency_client(
    sandbox: SandboxHandle, *, api_key: str | None = None, url: str | None = None
) -> Finance1159Client:
    """A client for the sandbox, or with a key a practice typed wrong, or at a port nobody serves."""
    http = make_http_client(url or sandbox.base_url, concurrency=2, timeout=httpx.Timeout(2))
    key = SecretStr(api_key or sandbox.api_key)
    options = {"max_attempts": 2, "backoff_base": 0.001, "backoff_max": 0.01}
    return Finance1159Client(http, client_id=sandbox.client_id, api_key=key, **options)


def hand_over(app: App, number: str) -> None:
    overdue_invoice(app, number)
    claims.queue(app.uow(), practice_id=app.practice_id, actor=STAFF, number=number)


def sources(app: App) -> list[str]:
    return [p.source for p in problems.active(app.uow(), practice_id=app.practice_id)]


async def test_telegram_answering_429_then_401_on_start_up_stops_neither_the_worker_nor_a_claim(
    sqlite_url: str,
    tmp_path: Path,
    sandbox: SandboxHandle,
    fake_botapi: FakeBotAPI,
    caplog: pytest.LogCaptureFixture,
) -> None:
    app = wire_app(sqlite_url, tmp_path, sandbox, fake_botapi, **QUICK)
    seed_practice(app)
    hand_over(app, "R-1")
    fake_botapi.fail("getMe", "Too Many Requests: retry after 1", error_code=429, retry_after=1)
    stop, health = asyncio.Event(), Health()
    caplog.set_level(logging.DEBUG)
    running = asyncio.create_task(worker(app, stop, mail=False, health=health))
    try:
        await fake_botapi.wait_for("getMe")
        first = asyncio.get_running_loop().time()
        fake_botapi.fail("getMe", "Unauthorized", error_code=401, times=1000)
        await fake_botapi.wait_for("getMe", count=2, timeout=5)
        assert asyncio.get_running_loop().time() - first >= 0.9  # Telegram's retry_after was honoured
        await until(lambda: claim_of(app, "R-1").case_id is not None, "the claim reaches the agency")
        await until(lambda: sources(app) == [problems.TELEGRAM], "the refused token recorded")
        assert [c["reference"] for c in agency_cases(sandbox)] == ["R-1"]
        assert not running.done()
        assert "telegram" in health.failing() and health.parts["outbox"].running
        with app.uow() as uow:  # no chat message about a refused token: the chat itself is Telegram
            told = uow.session.exec(select(Notification.text).where(Notification.kind == "failure")).all()
        assert told == []
    finally:
        stop.set()
        await asyncio.wait_for(running, 10)
        app.close()
    assert TOKEN.split(":", 1)[1] not in caplog.text


async def test_the_agency_refusing_the_credentials_is_one_problem_told_once_and_fixed_by_a_restart(
    sqlite_url: str, tmp_path: Path, sandbox: SandboxHandle, fake_botapi: FakeBotAPI
) -> None:
    settings = wire_app(sqlite_url, tmp_path, sandbox, fake_botapi, **QUICK).settings
    app = build(settings, finance=agency_client(sandbox, api_key="falsch"))
    seed_practice(app)
    hand_over(app, "R-1")
    hand_over(app, "R-2")
    stop = asyncio.Event()
    running = asyncio.create_task(worker(app, stop, mail=False))

    def told(needle: str) -> list[str]:
        return [text(c) for c in fake_botapi.calls_of("sendMessage") if needle in text(c)]

    try:
        await until(lambda: told("Anmeldung abgelehnt"), "the practice chat is told")
        for _ in range(3):  # more refused tries: each claim again, as a later round would
            await delivery.run_once(app.uow(), finance=app.finance(), include_postponed=True)
        await asyncio.sleep(0.3)  # several notification rounds
        assert sources(app) == [problems.AGENCY]
        assert len(told("Anmeldung abgelehnt")) == 1 and told("API-Schlüssel prüfen")
        with app.uow() as uow:
            waiting = uow.session.exec(select(OutboxItem)).all()
        assert {i.state for i in waiting} == {"pending"}
        assert all(i.next_attempt_at <= utcnow() + timedelta(minutes=5) for i in waiting)  # not an hour
    finally:
        stop.set()
        await asyncio.wait_for(running, 10)

    # The key is corrected and the worker started again: the claims go out at once, the problem ends.
    fixed = build(settings, finance=make_finance_client(sandbox))
    stop = asyncio.Event()
    running = asyncio.create_task(worker(fixed, stop, mail=False))
    try:
        await until(lambda: len(agency_cases(sandbox)) == 2, "both claims reach the agency")
        await until(lambda: told("Wieder in Ordnung"), "the practice chat hears it is fixed")
        assert sources(fixed) == []
    finally:
        stop.set()
        await asyncio.wait_for(running, 10)
        fixed.close()
        app.close()


async def test_a_part_that_keeps_failing_is_started_again_while_the_others_go_on(
    sqlite_url: str, tmp_path: Path, sandbox: SandboxHandle
) -> None:
    app = wire_app(sqlite_url, tmp_path, sandbox, None)
    starts, rounds = 0, 0

    async def broken(stop: asyncio.Event, ready: Ready) -> None:
        nonlocal starts
        starts += 1
        raise RuntimeError("database on fire")

    async def steady(stop: asyncio.Event, ready: Ready) -> None:
        nonlocal rounds
        while not stop.is_set():
            rounds += 1
            ready()
            await asyncio.sleep(0.01)

    stop, health = asyncio.Event(), Health()
    tasks = [
        asyncio.create_task(supervise(app, Part(name, run), stop, health))
        for name, run in (("broken", broken), ("steady", steady))
    ]
    await until(lambda: starts >= 2, "the broken part is started again", timeout=5)
    assert rounds > 10 and health.failing() == {"broken": "RuntimeError"}
    stop.set()
    await asyncio.wait_for(asyncio.gather(*tasks), 5)
    assert all(t.exception() is None for t in tasks)
    app.close()


async def test_one_round_now_also_sends_a_claim_that_waits_out_a_backoff(
    sqlite_url: str, tmp_path: Path, sandbox: SandboxHandle
) -> None:
    app = wire_app(sqlite_url, tmp_path, sandbox, None)
    seed_practice(app)
    hand_over(app, "R-1")
    offline = agency_client(sandbox, url=dead_url())  # the agency unreachable: the claim is postponed
    assert await delivery.run_once(app.uow(), finance=offline) == 0
    await offline.aclose()
    assert outbox.due_items(app.uow()) == []  # waiting out its backoff
    await run_once(app)  # what `inkasso run --once` does
    assert claim_of(app, "R-1").case_id is not None
    await app.aclose()
    app.close()


async def test_the_mailbox_refusing_the_login_is_a_problem_until_it_accepts_it_again(
    mailbox_clean: Dovecot, sqlite_url: str, tmp_path: Path
) -> None:
    from mail.intake import intake_loop

    refused = mail_app(sqlite_url, tmp_path, mailbox_clean, imap_password="falsch")
    stop = asyncio.Event()
    running = asyncio.create_task(intake_loop(refused, stop))
    try:
        await until(lambda: sources(refused) == [problems.MAILBOX], "the refused login recorded")
    finally:
        stop.set()
        await asyncio.wait_for(running, 10)
    fixed = build(refused.settings.model_copy(update={"imap_password": SecretStr(mailbox_clean.password)}))
    stop = asyncio.Event()
    running = asyncio.create_task(intake_loop(fixed, stop))
    try:
        await until(lambda: sources(fixed) == [], "the problem cleared once the login works")
    finally:
        stop.set()
        await asyncio.wait_for(running, 10)
        fixed.close()
