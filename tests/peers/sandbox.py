"""The local 1159 Finance sandbox as a pytest peer: a real HTTP server on loopback.

Fixtures:
- `sandbox`: a `SandboxHandle` on a fresh (reset) sandbox; the server itself starts once per session.
- `finance_client`: a `Finance1159Client` aimed at it, with short timeouts and tiny backoff.
- `sandbox_factory`: starts extra sandboxes (own data dir, config overrides), stopped after the test.
"""

from __future__ import annotations

import dataclasses
import socket
import threading
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from core.finance1159.client import Finance1159Client, make_http_client
from core.finance1159.sandbox.config import SandboxConfig
from core.finance1159.sandbox.server import make_server
from core.finance1159.wire import from_json

CLIENT_ID = "test-praxis"
API_KEY = "test-key-4f9c2b"  # also searched for in logs and error texts by the leak tests


class SandboxHandle:
    """A running sandbox: where it listens, its credentials, and its /_sandbox controls."""

    def __init__(self, root: str, config: SandboxConfig) -> None:
        self.root = root
        self.base_url = f"{root}/api/v1"
        self.config = config
        self.client_id = config.client_id
        self.api_key = config.api_key
        self.data_dir = config.data_dir
        self._http = httpx.Client(base_url=f"{root}/_sandbox", timeout=30)

    def control(self, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        response = self._http.post(path, json=body or {})
        response.raise_for_status()
        return from_json(response.content)

    def advance(self, days: int) -> dict[str, Any]:
        return self.control("/clock", {"days": days})

    def faults(self, **faults: float) -> dict[str, Any]:
        return self.control("/faults", faults)

    def state(self) -> dict[str, Any]:
        response = self._http.get("/state")
        response.raise_for_status()
        return from_json(response.content)

    def reset(self) -> dict[str, Any]:
        return self.control("/reset")

    def pay(self, case_id: int, amount: Decimal | str) -> dict[str, Any]:
        """The debtor pays the agency exactly `amount`; sent as a JSON number."""
        response = self._http.post(
            f"/cases/{case_id}/pay",
            content=f'{{"amount": {amount}}}',
            headers={"Content-Type": "application/json"},
        )
        response.raise_for_status()
        return from_json(response.content)

    def close(self) -> None:
        self._http.close()


@contextmanager
def running_sandbox(config: SandboxConfig) -> Iterator[SandboxHandle]:
    """Starts the sandbox in a thread with its own event loop on a free loopback port."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    # asyncio sets TCP_NODELAY only on sockets made with proto=IPPROTO_TCP; without it every
    # answer after the first waits 40 ms for a delayed ACK (headers and body are two writes).
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind(("127.0.0.1", 0))  # bound by us and handed over: no race for the port
    port = sock.getsockname()[1]
    config = dataclasses.replace(config, public_url=f"http://127.0.0.1:{port}")
    server = make_server(config, "127.0.0.1", port)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True, name="sandbox")
    thread.start()
    handle = SandboxHandle(f"http://127.0.0.1:{port}", config)
    try:
        _wait_started(server, thread)
        yield handle
    finally:
        handle.close()
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


def _wait_started(server: Any, thread: threading.Thread) -> None:
    for _ in range(1000):
        if server.started:
            return
        if not thread.is_alive():
            raise RuntimeError("the sandbox did not start")
        threading.Event().wait(0.01)
    raise TimeoutError("the sandbox did not start within 10 s")


def make_config(data_dir: Path, **overrides: Any) -> SandboxConfig:
    options = {"client_id": CLIENT_ID, "api_key": API_KEY, "seed": 1159, **overrides}
    return SandboxConfig(data_dir=data_dir, **options)


@pytest.fixture(scope="session")
def _sandbox_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxHandle]:
    with running_sandbox(make_config(tmp_path_factory.mktemp("sandbox"), timeout_seconds=2.0)) as handle:
        yield handle


@pytest.fixture
def sandbox(_sandbox_server: SandboxHandle) -> Iterator[SandboxHandle]:
    """The session's sandbox, reset to empty books, day 0 and no faults."""
    _sandbox_server.reset()
    yield _sandbox_server
    _sandbox_server.reset()


@pytest.fixture
def sandbox_factory(tmp_path: Path) -> Iterator[Callable[..., SandboxHandle]]:
    """`sandbox_factory(data_dir=None, **config_overrides)` starts another sandbox for this test."""
    stack: list[Any] = []

    def start(data_dir: Path | None = None, **overrides: Any) -> SandboxHandle:
        manager = running_sandbox(make_config(data_dir or tmp_path / f"sandbox{len(stack)}", **overrides))
        stack.append(manager)
        return manager.__enter__()

    yield start
    for manager in reversed(stack):
        manager.__exit__(None, None, None)


def make_finance_client(
    handle: SandboxHandle, *, read_timeout: float = 1.0, **kwargs: Any
) -> Finance1159Client:
    """A client for the sandbox with test-sized timeouts and backoff (milliseconds, not seconds)."""
    http = make_http_client(handle.base_url, concurrency=8, timeout=httpx.Timeout(read_timeout, connect=1.0))
    options = {"max_attempts": 5, "backoff_base": 0.001, "backoff_max": 0.01, **kwargs}
    return Finance1159Client(http, client_id=handle.client_id, api_key=SecretStr(handle.api_key), **options)


@pytest.fixture
async def finance_client(sandbox: SandboxHandle) -> AsyncIterator[Finance1159Client]:
    client = make_finance_client(sandbox)
    yield client
    await client.aclose()
