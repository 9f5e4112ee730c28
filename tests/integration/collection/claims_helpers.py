"""Helpers for the claims, payments, outbox, status and sync tests.

- `recording_sandbox`: a sandbox of its own whose every API request body is kept (`handle.requests`).
- `product(...)`: the product wired against a database and a sandbox, the practice active.
- `ready_invoice(...)`: an overdue invoice that may be handed over (reminder announcing it).
- `cli(...)`: runs `inkasso` as a subprocess with the environment pointed at both peers.
- `agency_cases(...)`, `agency_payments(...)`: what the sandbox holds, read over its API.
"""

from __future__ import annotations

import dataclasses
import os
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlmodel import select
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from core.bootstrap import App
from core.db.models import Claim, Invoice, OutboxItem, Payment
from core.domain.onboarding import OnboardingState
from core.finance1159.client import Finance1159Client
from core.finance1159.sandbox.server import make_server
from core.finance1159.wire import from_json
from core.services.people.access import Actor, Role
from tests.factories import add_invoice, add_practice, make_app
from tests.peers.sandbox import SandboxHandle, _wait_started, make_config, make_finance_client

VENV_BIN = Path(sys.executable).parent
STAFF = Actor(Role.STAFF, "telegram:4711", name="Anna")
MANAGER = Actor(Role.MANAGER, "telegram:1", name="Chefin")


@dataclass
class Recorded:
    method: str
    path: str
    body: bytes


class Recorder:
    """ASGI middleware keeping every /api/ request as the sandbox received it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.requests: list[Recorded] = []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith("/api/"):
            await self.app(scope, receive, send)
            return
        entry = Recorded(scope["method"], scope["path"], b"")
        self.requests.append(entry)

        async def recording_receive() -> Message:
            message = await receive()
            if message["type"] == "http.request":
                entry.body += message.get("body", b"")
            return message

        await self.app(scope, recording_receive, send)


@dataclass
class RecordingSandbox:
    handle: SandboxHandle
    recorder: Recorder
    requests: list[Recorded] = field(default_factory=list)

    def calls(self, method: str, suffix: str) -> list[Recorded]:
        return [r for r in self.recorder.requests if r.method == method and r.path.endswith(suffix)]


@contextmanager
def recording_sandbox(data_dir: Path, **overrides: Any) -> Iterator[RecordingSandbox]:
    """Like tests.peers.sandbox.running_sandbox, with a Recorder in front of the app."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = dataclasses.replace(make_config(data_dir, **overrides), public_url=f"http://127.0.0.1:{port}")
    server = make_server(config, "127.0.0.1", port)
    recorder = Recorder(server.config.app)
    server.config.app = recorder
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True, name="rec-sandbox")
    thread.start()
    handle = SandboxHandle(f"http://127.0.0.1:{port}", config)
    try:
        _wait_started(server, thread)
        yield RecordingSandbox(handle, recorder)
    finally:
        handle.close()
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


@pytest.fixture(scope="module")
def _recording_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RecordingSandbox]:
    with recording_sandbox(tmp_path_factory.mktemp("rec-sandbox"), timeout_seconds=2.0) as rec:
        yield rec


@pytest.fixture
def recorded(_recording_server: RecordingSandbox) -> Iterator[RecordingSandbox]:
    """A recording sandbox with empty books and an empty recording."""
    _recording_server.handle.reset()
    _recording_server.recorder.requests.clear()
    yield _recording_server
    _recording_server.handle.reset()


def settings_for(handle: SandboxHandle) -> dict[str, Any]:
    return {
        "finance1159_base_url": handle.base_url,
        "finance1159_client_id": handle.client_id,
        "finance1159_api_key": handle.api_key,
    }


def product(
    database_url: str,
    data_dir: Path,
    handle: SandboxHandle,
    *,
    onboarding_state: OnboardingState = OnboardingState.ACTIVE,
    **settings: Any,
) -> App:
    """The product on `database_url`, talking to `handle`, its practice in `onboarding_state`."""
    app = make_app(database_url, data_dir, **settings_for(handle), **settings)
    add_practice(app, onboarding_state=onboarding_state)
    return app


def client(handle: SandboxHandle, **kwargs: Any) -> Finance1159Client:
    return make_finance_client(handle, **kwargs)


def ready_invoice(app: App, number: str = "R-1", **kwargs: Any) -> Invoice:
    """Overdue, unpaid, with a reminder that announced the hand-over: may be handed over."""
    options: dict[str, Any] = {"due_days_ago": 45, "amount": "120,00", "reminder": True, "announced": True}
    return add_invoice(app, number=number, **{**options, **kwargs})


def claim_of(app: App, number: str) -> Claim:
    with app.uow() as uow:
        invoice = uow.session.exec(select(Invoice).where(Invoice.number == number)).one()
        claim = uow.session.exec(select(Claim).where(Claim.invoice_id == invoice.id)).one()
        return claim


def invoice_of(app: App, number: str) -> Invoice:
    with app.uow() as uow:
        return uow.session.exec(select(Invoice).where(Invoice.number == number)).one()


def all_claims(app: App) -> list[Claim]:
    with app.uow() as uow:
        return list(uow.session.exec(select(Claim)).all())


def all_payments(app: App, source: str | None = None) -> list[Payment]:
    with app.uow() as uow:
        query = select(Payment)
        if source is not None:
            query = query.where(Payment.source == source)
        return list(uow.session.exec(query).all())


def outbox_items(app: App) -> list[OutboxItem]:
    with app.uow() as uow:
        return list(uow.session.exec(select(OutboxItem).order_by(OutboxItem.id)).all())  # type: ignore[arg-type]


def _api(handle: SandboxHandle, path: str, **params: Any) -> dict[str, Any]:
    headers = {"X-Auth-Id": handle.client_id, "X-Auth-Key": handle.api_key}
    response = httpx.get(f"{handle.base_url}{path}", params=params, headers=headers, timeout=10)
    response.raise_for_status()
    return from_json(response.content)  # type: ignore[no-any-return]


def _all(handle: SandboxHandle, path: str, key: str, **params: Any) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    page = 1
    while True:
        body = _api(handle, path, page=page, per_page=100, **params)
        items.extend(body[key])
        if page * 100 >= body["total"]:
            return items
        page += 1


def agency_cases(handle: SandboxHandle, **params: Any) -> list[dict[str, Any]]:
    """Every case the sandbox holds for the test client (over the API, not the fault path's view)."""
    return _all(handle, "/cases", "cases", **params)


def agency_payments(handle: SandboxHandle, **params: Any) -> list[dict[str, Any]]:
    return _all(handle, "/payments", "payments", **params)


def cases_by_reference(handle: SandboxHandle) -> dict[str, int]:
    counts: dict[str, int] = {}
    for case in agency_cases(handle):
        counts[case["reference"]] = counts.get(case["reference"], 0) + 1
    return counts


def cli_env(app: App, base_url: str | None = None, **extra: str) -> dict[str, str]:
    """The environment for an `inkasso` subprocess using the same database and sandbox as `app`."""
    s = app.settings
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FINANCE1159_", "DATABASE_", "SMTP_"))}
    env.update(
        {
            "DATABASE_URL": app.engine.url.render_as_string(hide_password=False),
            "DATA_DIR": str(s.data_dir),
            "FINANCE1159_BASE_URL": base_url or s.finance1159_base_url,
            "FINANCE1159_CLIENT_ID": s.finance1159_client_id,
            "FINANCE1159_API_KEY": s.finance1159_api_key.get_secret_value(),
            "FINANCE1159_MAX_ATTEMPTS": "3",
            "FINANCE1159_BACKOFF_BASE": "0.01",
            "FINANCE1159_BACKOFF_MAX": "0.05",
            "IMAP_HOST": "",
            "TELEGRAM_BOT_TOKEN": "",
            "PYTHONUNBUFFERED": "1",
            **extra,
        }
    )
    env.pop("IMAP_HOST")
    env.pop("TELEGRAM_BOT_TOKEN")
    return env


def cli(env: dict[str, str], *args: str, cwd: Path, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """`inkasso ARGS` in `cwd` (so no .env of the repository is read)."""
    return subprocess.run(
        [str(VENV_BIN / "inkasso"), *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )


def dead_url() -> str:
    """An API base URL on a loopback port where nothing listens."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/api/v1"


def euros(text: str) -> Decimal:
    return Decimal(text)


WORKER_SCRIPT = """
import asyncio, os, sys, time
from datetime import timedelta
from core.bootstrap import build
from core.finance1159.client import make_client
from core.services.collection import delivery

async def main() -> None:
    app = build()
    finance = make_client(app.settings)
    print("ready", flush=True)
    go = os.environ.get("WORKER_GO_FILE")
    while go and not os.path.exists(go):
        time.sleep(0.005)
    delivered = await delivery.run_once(
        app.uow(), finance=finance, worker=sys.argv[1], limit=1000,
        lease=timedelta(seconds=app.settings.outbox_lease_seconds),
    )
    print("delivered", delivered, flush=True)
    await finance.aclose()

asyncio.run(main())
"""


def start_worker(env: dict[str, str], name: str, *, cwd: Path) -> subprocess.Popen[str]:
    """A worker process that delivers every due outbox item once (the collection's delivery.run_once)."""
    return subprocess.Popen(
        [sys.executable, "-c", WORKER_SCRIPT, name],
        env=env,
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        stdin=subprocess.DEVNULL,
    )


def kill(worker: subprocess.Popen[str]) -> None:
    """SIGKILL: no handler, no cleanup, no commit."""
    worker.send_signal(signal.SIGKILL)
    worker.communicate(timeout=10)
    assert worker.returncode == -signal.SIGKILL


def wait_for(predicate: Any, *, timeout: float = 20.0, what: str = "condition") -> None:
    import time

    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError(f"waited {timeout} s for {what}")
        time.sleep(0.02)
