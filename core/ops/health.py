"""`inkasso run --health-port PORT`: /healthz and /metrics on 127.0.0.1 only.

/healthz answers 200 while every part of the worker runs and no peer refuses it, 503 naming
what fails otherwise. A tiny HTTP/1.0 responder on asyncio: two read-only paths do not need a
web framework, and it cannot take over the worker's signal handling as a server framework would.
"""

from __future__ import annotations

import asyncio
import logging

from prometheus_client import CONTENT_TYPE_LATEST

from core.bootstrap import App
from core.domain.errors import InvalidInput, Refused
from core.ops import problems
from core.ops.metrics import registry_for, render
from core.ops.supervision import Health

__all__ = ["BadPort", "HOST", "REASONS", "parse_port", "readiness", "start"]

log = logging.getLogger(__name__)
HOST = "127.0.0.1"  # never on the network: a reverse proxy may forward it on purpose
REASONS = {200: "OK", 404: "Not Found", 405: "Method Not Allowed", 503: "Service Unavailable"}


def readiness(app: App, health: Health) -> tuple[int, str]:
    """(200, what runs) or (503, what fails: parts and the peers refusing the worker)."""
    failing = [f"{name} ({why})" for name, why in sorted(health.failing().items())]
    try:
        failing += [
            f"{p.source} (Zugang abgelehnt)" for p in problems.active(app.uow(), practice_id=app.practice_id)
        ]
    except Exception as exc:  # the database down is worth a 503 too
        failing.append(f"datenbank ({type(exc).__name__})")
    if failing:
        return 503, "gestört: " + ", ".join(failing) + "\n"
    return 200, "läuft: " + ", ".join(sorted(health.parts)) + "\n"


async def start(app: App, health: Health, port: int) -> asyncio.Server:
    """Listen on 127.0.0.1:`port`; a port that cannot be had is refused in German."""
    registry = registry_for(app, health)

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            request = await asyncio.wait_for(reader.readline(), 5)
            while (await asyncio.wait_for(reader.readline(), 5)) not in (b"\r\n", b"\n", b""):
                pass  # the headers: nothing in them matters here
            method, _, rest = request.decode("latin-1").partition(" ")
            path = rest.split(" ", 1)[0].split("?", 1)[0]
            if method != "GET":
                code, body, kind = 405, b"", "text/plain"
            elif path == "/healthz":
                code, text = await asyncio.to_thread(readiness, app, health)
                body, kind = text.encode(), "text/plain; charset=utf-8"
            elif path == "/metrics":
                code, body, kind = 200, await asyncio.to_thread(render, registry), CONTENT_TYPE_LATEST
            else:
                code, body, kind = 404, b"", "text/plain"
            head = (
                f"HTTP/1.0 {code} {REASONS[code]}\r\nContent-Type: {kind}\r\nContent-Length: {len(body)}\r\n"
            )
            writer.write(head.encode() + b"Connection: close\r\n\r\n" + body)
            await writer.drain()
        except (TimeoutError, ConnectionError, UnicodeDecodeError):
            pass
        except Exception:
            log.exception("health request failed")
        finally:
            writer.close()

    try:
        return await asyncio.start_server(answer, HOST, port)
    except OSError as exc:
        raise Refused(
            f"Port {port} für --health-port ist nicht verfügbar ({exc.strerror or exc}). "
            "Bitte einen freien Port wählen, z. B. 9108.",
            f"health port {port}: {exc}",
        ) from None


class BadPort(InvalidInput):
    exit_code = 2  # a usage error, like any malformed option


def parse_port(text: str) -> int:
    """The value of --health-port: a whole number from 1 to 65535."""
    if not text.strip().isdigit() or not 1 <= int(text) <= 65535:
        raise BadPort(
            f"--health-port „{text}“ ist kein Port. Bitte eine Zahl von 1 bis 65535 angeben, z. B. 9108.",
            f"bad health port {text!r}",
        )
    return int(text)
