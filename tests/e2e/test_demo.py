"""`inkasso demo` brings the product up on embedded defaults, stops cleanly, and reuses its data."""

from __future__ import annotations

import http.server
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from tests.peers.ports import free_port

ROOT = Path(__file__).resolve().parents[2]


def _start(workdir: Path, dashboard_port: int, sandbox_port: int) -> subprocess.Popen[str]:
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "FINANCE1159_", "TELEGRAM_"))
    }
    env |= {
        "FINANCE1159_BASE_URL": f"http://127.0.0.1:{sandbox_port}/api/v1",
        "NO_PROXY": "127.0.0.1,localhost",
        "SYNC_INTERVAL_SECONDS": "1",
        "OUTBOX_INTERVAL_SECONDS": "0.5",
    }
    return subprocess.Popen(
        [str(Path(sys.executable).parent / "inkasso"), "demo", "--port", str(dashboard_port)],
        cwd=workdir,
        env={**env, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        stdin=subprocess.DEVNULL,
    )


def _wait(url: str, timeout: float = 60) -> httpx.Response:
    deadline = time.monotonic() + timeout
    while True:
        try:
            response = httpx.get(url, timeout=2)
            if response.status_code == 200:
                return response
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            raise AssertionError(f"{url} did not answer within {timeout} s")
        time.sleep(0.2)


def _stop(process: subprocess.Popen[str]) -> str:
    process.send_signal(signal.SIGINT)
    output, _ = process.communicate(timeout=30)
    return output


def _run_once(workdir: Path) -> tuple[str, dict[str, object]]:
    dashboard_port, sandbox_port = free_port(), free_port()
    process = _start(workdir, dashboard_port, sandbox_port)
    try:
        _wait(f"http://127.0.0.1:{dashboard_port}/_stcore/health")
        deadline = time.monotonic() + 60
        state: dict[str, object] = {}
        while time.monotonic() < deadline:  # the worker's outbox hands the demo claims over
            state = _wait(f"http://127.0.0.1:{sandbox_port}/_sandbox/state").json()
            if state.get("cases"):
                break
            time.sleep(0.5)
    finally:
        output = _stop(process)
    assert process.returncode == 0, output
    return output, state


def test_the_demo_comes_up_hands_claims_over_stops_on_ctrl_c_and_reuses_its_data(tmp_path: Path) -> None:
    first, state = _run_once(tmp_path)
    assert "Dashboard:" in first and "Login: chef /" in first
    assert "von Hand ausgelöst" in first  # no mail server: the onboarding walked by hand, and said so
    assert state.get("cases"), state
    assert "Demo beendet" in first and "Traceback" not in first
    password = (tmp_path / "data" / "demo-zugang.txt").read_text(encoding="utf-8").strip()
    assert f"Login: chef / {password}" in first

    second, _ = _run_once(tmp_path)
    assert "Vorhandene Demo-Daten" in second and f"Login: chef / {password}" in second
    assert "Traceback" not in second


class _Foreign(http.server.BaseHTTPRequestHandler):
    """Another program on the demo's old fixed port: answers every request with 403."""

    def do_GET(self) -> None:  # noqa: N802 (the stdlib's name)
        self.send_response(403)
        self.end_headers()

    do_POST = do_GET

    def log_message(self, *args: object) -> None:
        pass


@contextmanager
def _occupied(port: int) -> Iterator[None]:
    """`port` held by a foreign server (or already held by something else, which serves as well)."""
    try:
        server = http.server.ThreadingHTTPServer(("127.0.0.1", port), _Foreign)
    except OSError:
        yield
        return
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield
    finally:
        server.shutdown()
        server.server_close()


def _start_plain(workdir: Path, *args: str) -> subprocess.Popen[str]:
    """`inkasso demo` as a practice starts it: no FINANCE1159_BASE_URL set."""
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "FINANCE1159_", "TELEGRAM_"))
    }
    env |= {"NO_PROXY": "127.0.0.1,localhost", "OUTBOX_INTERVAL_SECONDS": "0.5", "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        [str(Path(sys.executable).parent / "inkasso"), "demo", *args],
        cwd=workdir, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        stdin=subprocess.DEVNULL,
    )  # fmt: skip


def test_the_demo_starts_its_own_sandbox_on_a_free_port_when_8159_is_taken(tmp_path: Path) -> None:
    with _occupied(8159):
        process = _start_plain(tmp_path, "--ohne-dashboard")
        try:
            assert process.stdout is not None
            agency = ""
            for line in process.stdout:
                if "1159 Finance:" in line:
                    agency = line.split()[2]
                    break
            assert agency.startswith("http://127.0.0.1:") and ":8159/" not in agency, agency
            state_url = agency.replace("/api/v1", "/_sandbox/state")
            deadline, cases = time.monotonic() + 60, []
            while time.monotonic() < deadline and not cases:
                cases = _wait(state_url).json().get("cases") or []
                time.sleep(0.5)
        finally:
            output = _stop(process)
        assert process.returncode == 0, output
        assert cases and "Traceback" not in output
        inkasso = str(Path(sys.executable).parent / "inkasso")
        env = {k: v for k, v in os.environ.items() if not k.startswith("FINANCE1159_")}
        refused = subprocess.run(
            [inkasso, "demo", "--ohne-dashboard", "--sandbox-port", "8159"],
            cwd=tmp_path, capture_output=True, text=True, timeout=60, env={**env, "PYTHONPATH": str(ROOT)},
        )  # fmt: skip
    assert refused.returncode == 1
    assert "Port 8159 ist schon belegt" in refused.stderr + refused.stdout
    assert "Traceback" not in refused.stderr
