"""The intake as `inkasso run` runs it: IDLE or polling, a Dovecot restart and a connection cut in
the middle of a fetch — nothing lost, nothing done twice, and the loop keeps running."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from email.message import EmailMessage
from pathlib import Path

import pytest
from sqlmodel import select

from core.bootstrap import App
from core.db.models import Statement
from core.domain.onboarding import OnboardingState
from mail import imap
from mail.intake import Intake, PassReport, intake_loop
from tests.integration.mail.mail_helpers import (
    DONE,
    close_mail_apps,  # noqa: F401  (autouse)
    corpus,
    folder_view,
    mail_app,
    records,
    state,
    with_auth,
)
from tests.peers.mailserver import PRACTICE_EMAIL, Dovecot, mail_settings_for
from tests.peers.ports import free_port
from tests.peers.sandbox import SandboxHandle

CSV = (
    "\ufeffFall-Nr;Rechnungsnummer;Buchungsdatum;Buchungsart;Betrag\r\n"
    "17;R-1;03.10.2026;Zahlung Schuldner;{n},00\r\n"
)


def statement_mail(n: int, *, padding: int = 0) -> bytes:
    msg = EmailMessage()
    msg["From"] = "1159 Finance GmbH <abrechnung@1159finance.com>"
    msg["To"] = PRACTICE_EMAIL
    msg["Subject"] = "1159 Finance: Monatsabrechnung 10/2026"
    msg["Message-ID"] = f"<statement-{n}@1159finance.com>"
    msg.set_content("anbei Ihre Monatsabrechnung" + "." * padding)
    msg.add_attachment(
        CSV.format(n=n + 1).encode(), maintype="text", subtype="csv", filename="Monatsabrechnung_2026-10.csv"
    )
    return with_auth(msg.as_bytes(), "1159finance.com")


def private_mail(n: int) -> bytes:
    return corpus("private_mail").replace(b"Message-ID: <", f"Message-ID: <p{n}-".encode(), 1)


@asynccontextmanager
async def running(app: App, **kwargs: float) -> AsyncIterator[asyncio.Task[None]]:
    stop = asyncio.Event()
    task = asyncio.create_task(intake_loop(app, stop, **kwargs))
    try:
        yield task
    finally:
        stop.set()
        await asyncio.wait_for(task, timeout=10)


async def until(check: Callable[[], bool], timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise TimeoutError("condition not met in time")
        await asyncio.sleep(0.05)


def statements(app: App) -> list[Statement]:
    with app.uow() as uow:
        return list(uow.session.exec(select(Statement)).all())


async def test_idle_wakes_the_loop_when_a_mail_arrives(
    mailbox_clean: Dovecot, sqlite_url: str, tmp_path: Path
) -> None:
    app = mail_app(sqlite_url, tmp_path, mailbox_clean)
    async with running(app):
        await asyncio.sleep(0.5)  # connected and idling
        started = time.monotonic()
        await asyncio.to_thread(mailbox_clean.deliver, corpus("agency_contract_genuine"), PRACTICE_EMAIL)
        await until(lambda: state(app) == OnboardingState.CONTRACT_RECEIVED, timeout=10)
        assert time.monotonic() - started < 5  # woken by IDLE, not by the 25-minute re-issue


async def test_without_idle_the_loop_polls(
    mailbox_clean: Dovecot, sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(imap.ImapConnection, "idle_supported", property(lambda self: False))
    app = mail_app(sqlite_url, tmp_path, mailbox_clean, imap_poll_seconds=1)
    async with running(app):
        await asyncio.sleep(0.3)
        await asyncio.to_thread(mailbox_clean.deliver, corpus("agency_contract_genuine"), PRACTICE_EMAIL)
        await until(lambda: state(app) == OnboardingState.CONTRACT_RECEIVED, timeout=5)


async def test_idle_is_reissued_before_the_server_timeout(
    mailbox_clean: Dovecot, sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    waits: list[float] = []
    real_wait = imap.ImapConnection.wait

    def counting(self: imap.ImapConnection, seconds: float, should_stop: Callable[[], bool]) -> bool:
        waits.append(seconds)
        return real_wait(self, seconds, should_stop)

    monkeypatch.setattr(imap.ImapConnection, "wait", counting)
    app = mail_app(sqlite_url, tmp_path, mailbox_clean)
    async with running(app, idle_seconds=0.3):
        await until(lambda: len(waits) >= 3, timeout=5)
    assert set(waits) == {0.3} and app.settings.imap_idle_seconds < 29 * 60


async def test_a_dovecot_restart_mid_run_loses_nothing_and_doubles_nothing(
    mailbox_clean: Dovecot, sqlite_url: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, "mail")
    app = mail_app(sqlite_url, tmp_path, mailbox_clean, state=OnboardingState.ACTIVE)
    box = mailbox_clean
    for n in range(10):
        box.deliver(statement_mail(n), PRACTICE_EMAIL)
        box.deliver(private_mail(n), PRACTICE_EMAIL)
    async with running(app) as task:
        await until(lambda: len(statements(app)) == 10)
        for n in range(10, 40):
            box.deliver(statement_mail(n), PRACTICE_EMAIL)
            box.deliver(private_mail(n), PRACTICE_EMAIL)
        await asyncio.sleep(0.05)  # the loop is busy with the new mail now
        # From the main thread, so the restarted Dovecot still dies with pytest (PR_SET_PDEATHSIG);
        # the worker's IMAP thread meanwhile runs into the dropped connection.
        box.restart()
        for n in range(40, 45):
            box.deliver(statement_mail(n), PRACTICE_EMAIL)
        await until(lambda: len(folder_view(box, DONE)) == 45, timeout=30)
        assert not task.done()

    assert sorted(s.message_key for s in statements(app)) == sorted(
        f"<statement-{n}@1159finance.com>" for n in range(45)
    )
    assert len(records(app)) == 45 and all(r.outcome.startswith("done") for r in records(app))
    inbox = folder_view(box)
    assert len(inbox) == 40 and all("\\Seen" not in flags for _, flags in inbox)
    assert "reconnecting" in caplog.text


class CuttingProxy:
    """A TCP proxy to Dovecot that, when armed, cuts the connection in the middle of a body fetch."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.port = free_port()
        self.armed = True
        self.cuts = 0
        self._server = socket.create_server(("127.0.0.1", self.port))
        self._server.settimeout(0.2)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(2)
        self._server.close()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                client, _ = self._server.accept()
            except TimeoutError:
                continue
            upstream = socket.create_connection(("127.0.0.1", self.target_port))
            fetching = threading.Event()
            threading.Thread(target=self._up, args=(client, upstream, fetching), daemon=True).start()
            threading.Thread(target=self._down, args=(upstream, client, fetching), daemon=True).start()

    def _up(self, src: socket.socket, dst: socket.socket, fetching: threading.Event) -> None:
        while data := _recv(src):
            if self.armed and b"BODY.PEEK[]" in data:
                fetching.set()
            if not _send(dst, data):
                break
        _close(src, dst)

    def _down(self, src: socket.socket, dst: socket.socket, fetching: threading.Event) -> None:
        sent_while_fetching = 0
        while data := _recv(src):
            if fetching.is_set() and self.armed:
                sent_while_fetching += len(data)
                if sent_while_fetching > 20_000:  # well into the literal: cut
                    self.armed = False
                    self.cuts += 1
                    break
            if not _send(dst, data):
                break
        _close(src, dst)


def _recv(sock: socket.socket) -> bytes:
    try:
        return sock.recv(65536)
    except OSError:
        return b""


def _send(sock: socket.socket, data: bytes) -> bool:
    try:
        sock.sendall(data)
        return True
    except OSError:
        return False


def _close(*socks: socket.socket) -> None:
    for sock in socks:
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        sock.close()


@pytest.fixture
def proxy(mailbox_clean: Dovecot) -> Iterator[CuttingProxy]:
    server = CuttingProxy(mailbox_clean.imap_port)
    yield server
    server.close()


async def test_a_connection_cut_in_the_middle_of_a_fetch_is_recovered_once(
    mailbox_clean: Dovecot,
    proxy: CuttingProxy,
    sqlite_url: str,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, "mail")
    app = mail_app(sqlite_url, tmp_path, mailbox_clean, state=OnboardingState.ACTIVE, imap_port=proxy.port)
    mailbox_clean.deliver(statement_mail(1, padding=200_000), PRACTICE_EMAIL)

    async with running(app) as task:
        await until(lambda: len(folder_view(mailbox_clean, DONE)) == 1, timeout=15)
        assert not task.done()

    assert proxy.cuts == 1
    assert len(statements(app)) == 1 and len(records(app)) == 1
    assert "reconnecting" in caplog.text


async def test_inkasso_run_watches_the_mailbox_and_stops_cleanly(
    mailbox_clean: Dovecot, sandbox: SandboxHandle, sqlite_url: str, tmp_path: Path
) -> None:
    app = mail_app(sqlite_url, tmp_path, mailbox_clean)
    env = {k.upper(): v for k, v in mail_settings_for(mailbox_clean).items()}
    env.update(
        PATH=os.environ["PATH"],
        DATABASE_URL=sqlite_url,
        DATA_DIR=str(tmp_path),
        FINANCE1159_BASE_URL=sandbox.base_url,
        FINANCE1159_CLIENT_ID=sandbox.client_id,
        FINANCE1159_API_KEY=sandbox.api_key,
    )
    inkasso = Path(sys.executable).parent / "inkasso"
    worker = subprocess.Popen([str(inkasso), "run"], cwd=tmp_path, env=env, stderr=subprocess.PIPE, text=True)
    try:
        mailbox_clean.deliver(corpus("agency_contract_genuine"), PRACTICE_EMAIL)
        await until(lambda: state(app) == OnboardingState.CONTRACT_RECEIVED, timeout=20)
    finally:
        worker.send_signal(signal.SIGTERM)
        _, stderr = worker.communicate(timeout=15)
    assert worker.returncode == 0, stderr
    assert "mailbox praxis@example.test@127.0.0.1 connected (IDLE)" in stderr


async def test_a_quiet_mailbox_is_not_polled_in_a_busy_loop(
    mailbox_clean: Dovecot, sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    passes: list[float] = []
    real_pass = Intake.run_pass

    async def counting(self: Intake, conn: imap.ImapConnection) -> PassReport:
        passes.append(time.monotonic())
        return await real_pass(self, conn)

    monkeypatch.setattr(Intake, "run_pass", counting)
    mailbox_clean.deliver(corpus("private_mail"), PRACTICE_EMAIL)
    app = mail_app(sqlite_url, tmp_path, mailbox_clean)
    async with running(app):
        await asyncio.sleep(1.5)
    assert len(passes) == 1


async def test_two_workers_on_one_mailbox_act_on_each_mail_once(
    mailbox_clean: Dovecot, database_url: str, tmp_path: Path
) -> None:
    first = mail_app(database_url, tmp_path, mailbox_clean, state=OnboardingState.ACTIVE)
    second = mail_app(database_url, tmp_path, mailbox_clean, state=OnboardingState.ACTIVE)
    async with running(first), running(second):
        await asyncio.sleep(0.3)
        for n in range(20):
            mailbox_clean.deliver(statement_mail(n), PRACTICE_EMAIL)
            mailbox_clean.deliver(private_mail(n), PRACTICE_EMAIL)
        await until(lambda: len(folder_view(mailbox_clean, DONE)) >= 20, timeout=30)  # == below
        await asyncio.sleep(0.5)  # time for a second, wrong move or action to show up

    assert len(statements(first)) == 20 and len(records(first)) == 20
    assert len(folder_view(mailbox_clean, DONE)) == 20 and len(folder_view(mailbox_clean)) == 20
