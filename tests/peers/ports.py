"""Loopback ports and scratch directories shared by the peer fixtures."""

from __future__ import annotations

import socket
import tempfile
import time
from pathlib import Path

__all__ = ["free_port", "peer_dir", "port_open", "wait_port", "wait_port_closed"]


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port that was free a moment ago.

    Servers such as aiosmtpd's Controller cannot be started with port 0 (their self-check connects
    to the configured port), so we ask the kernel for a free one and hand it over.
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def port_open(host: str, port: int, timeout: float = 0.2) -> bool:
    """True when something accepts TCP connections on host:port."""
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def wait_port(host: str, port: int, timeout: float = 10.0) -> None:
    """Block until host:port accepts connections; TimeoutError after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not port_open(host, port):
        if time.monotonic() > deadline:
            raise TimeoutError(f"nothing listens on {host}:{port} after {timeout:.1f} s")
        time.sleep(0.01)


def wait_port_closed(host: str, port: int, timeout: float = 10.0) -> None:
    """Block until host:port refuses connections, e.g. after stopping a server."""
    deadline = time.monotonic() + timeout
    while port_open(host, port):
        if time.monotonic() > deadline:
            raise TimeoutError(f"{host}:{port} still accepts connections after {timeout:.1f} s")
        time.sleep(0.01)


def peer_dir(prefix: str) -> Path:
    """A private directory for a server's state, outside pytest's basetemp.

    Not tmp_path_factory: every pytest session resets /tmp/pytest-of-<user> to 0700 (locking out
    the unprivileged mail processes) and prunes old session dirs, so a concurrent run on the same
    machine could pull the ground from under a running server.
    """
    return Path(tempfile.mkdtemp(prefix=f"praxis-{prefix}-"))
