"""Where `inkasso demo`'s sandbox runs: always one the demo starts itself, on a free port.

A program already listening on the port (an older demo, something else entirely) is never used:
with other credentials every claim would be refused with 403 and wait an hour, unseen."""

from __future__ import annotations

import asyncio
import os
import socket
from urllib.parse import urlparse

import typer

from core.config import DEFAULT_SANDBOX_URL, Settings
from core.ops import doctor_peers
from core.ops.doctor import Level

__all__ = ["check_agency", "choose_sandbox_port", "port_is_free"]

_LOCAL = ("127.0.0.1", "localhost")


def port_is_free(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def choose_sandbox_port(settings: Settings, requested: int | None) -> int | None:
    """The port for the demo's own sandbox (and FINANCE1159_BASE_URL pointed at it), or None when
    the settings name a remote agency. `--sandbox-port`, else a port set in FINANCE1159_BASE_URL,
    else a free one; a port in use stops the demo with a German message."""
    url = urlparse(settings.finance1159_base_url)
    if url.hostname not in _LOCAL:
        if requested is not None:
            raise _refuse(
                f"--sandbox-port passt nicht zu FINANCE1159_BASE_URL={settings.finance1159_base_url}."
            )
        return None
    chosen = url.port if settings.finance1159_base_url != DEFAULT_SANDBOX_URL else None
    port = requested or chosen or _free_port()
    if not port_is_free(port):
        raise _refuse(
            f"Port {port} ist schon belegt, die Demo startet dort keine eigene 1159-Finance-Sandbox "
            "und benutzt auch keine fremde. Bitte mit --sandbox-port einen freien Port wählen "
            "oder die Option weglassen (dann wird ein freier Port gesucht)."
        )
    os.environ["FINANCE1159_BASE_URL"] = f"http://127.0.0.1:{port}{url.path or '/api/v1'}"
    return port


def check_agency(settings: Settings) -> None:
    """One harmless authenticated read; the demo stops with doctor's German advice when it fails."""
    found = asyncio.run(doctor_peers.agency(settings))
    if found.level is Level.PROBLEM:
        raise _refuse(f"1159 Finance: {found.message}")


def _refuse(message: str) -> typer.Exit:
    typer.echo(message, err=True)
    return typer.Exit(1)
