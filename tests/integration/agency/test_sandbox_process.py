"""`inkasso sandbox` as its own process: it serves the API on uvicorn's own loop, keeps its state in
its data folder across a restart, and stops cleanly on Ctrl+C or SIGTERM (no traceback; the exit
status says which signal)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from tests.peers.ports import free_port, wait_port

CLIENT_ID, API_KEY = "praxis-proc", "proc-key-not-secret"


def start(data: Path, port: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "FINANCE1159_CLIENT_ID": CLIENT_ID, "FINANCE1159_API_KEY": API_KEY}
    inkasso = Path(sys.executable).parent / "inkasso"
    process = subprocess.Popen(
        [str(inkasso), "sandbox", "--port", str(port), "--data", str(data)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    wait_port("127.0.0.1", port, timeout=30)
    return process


def cases(port: int) -> int:
    answer = httpx.get(
        f"http://127.0.0.1:{port}/api/v1/cases",
        headers={"X-Auth-Id": CLIENT_ID, "X-Auth-Key": API_KEY},
        timeout=5,
    )
    assert answer.status_code == 200 and answer.json()["error"] is False
    return int(answer.json()["total"])


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM])
def test_the_sandbox_process_serves_keeps_its_state_and_stops_cleanly(tmp_path: Path, stop: int) -> None:
    port = free_port()
    process = start(tmp_path / "sandbox", port)
    try:
        assert cases(port) == 0
        bulk = httpx.post(f"http://127.0.0.1:{port}/_sandbox/bulk_cases", json={"count": 3}, timeout=30)
        bulk.raise_for_status()
        assert cases(port) == 3
        wrong = httpx.get(
            f"http://127.0.0.1:{port}/api/v1/cases",
            headers={"X-Auth-Id": CLIENT_ID, "X-Auth-Key": "wrong"},
            timeout=5,
        )
        assert (wrong.status_code, wrong.json()["message"]) == (403, "AUTHENTICATION_FAILED")
        process.send_signal(stop)
        output = process.communicate(timeout=15)[0].decode()
        # uvicorn shuts down gracefully, then ends by the signal as a well-behaved program does
        # (exit status 128 + 2 after Ctrl+C, killed by SIGTERM).
        assert process.returncode in (128 + stop, -stop), output
        assert "Traceback" not in output and "Error" not in output
    finally:
        if process.poll() is None:
            process.kill()
        process.communicate(timeout=15)
    process = start(tmp_path / "sandbox", port)  # the same folder: the cases are still there
    try:
        assert cases(port) == 3
    finally:
        process.terminate()
        process.communicate(timeout=15)
