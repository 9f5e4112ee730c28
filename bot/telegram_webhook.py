"""Webhook mode for the Telegram door: a small Starlette server feeding PTB's update queue.

Telegram POSTs each update to TELEGRAM_WEBHOOK_URL (behind a TLS proxy or load balancer); this
server listens on TELEGRAM_WEBHOOK_PORT, all interfaces, at that URL's path, and accepts only
requests carrying the secret token given to setWebhook. The secret is derived from the bot
token, so every replica behind a load balancer expects the same one.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import json
import logging
import socket
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route
from telegram import Update

from core.config import Settings

__all__ = ["HEADER", "MAX_BODY", "WebhookServer", "make_asgi", "secret_for", "start"]

if TYPE_CHECKING:
    from bot.telegram_app import BotApplication

log = logging.getLogger(__name__)

MAX_BODY = 1_000_000
HEADER = "X-Telegram-Bot-Api-Secret-Token"


def secret_for(token: str) -> str:
    """Telegram allows A-Z, a-z, 0-9, _ and -; a hex digest fits."""
    return hashlib.sha256(b"praxis-inkasso-webhook:" + token.encode()).hexdigest()[:48]


class _QuietServer(uvicorn.Server):
    """uvicorn without its own signal handlers: the worker owns SIGINT/SIGTERM and sets `stop`."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


class WebhookServer:
    """The running server; `stop()` shuts it down."""

    def __init__(self, server: uvicorn.Server, task: asyncio.Task[None], port: int) -> None:
        self.server, self.task, self.port = server, task, port

    async def stop(self) -> None:
        self.server.should_exit = True
        await self.task


def make_asgi(application: BotApplication, path: str, secret: str) -> Starlette:
    async def receive(request: Request) -> Response:
        if not hmac.compare_digest(request.headers.get(HEADER, ""), secret):
            return PlainTextResponse("forbidden", status_code=403)
        body = await request.body()
        if len(body) > MAX_BODY:
            return PlainTextResponse("too large", status_code=413)
        try:
            data: Any = json.loads(body)
            update = Update.de_json(data, application.bot)
        except (ValueError, TypeError, KeyError):
            return PlainTextResponse("bad update", status_code=400)
        await application.update_queue.put(update)
        return PlainTextResponse("ok")

    async def health(request: Request) -> Response:
        return PlainTextResponse("ok")

    return Starlette(routes=[Route(path, receive, methods=["POST"]), Route("/healthz", health)])


async def start(application: BotApplication, settings: Settings, *, host: str = "0.0.0.0") -> WebhookServer:
    """Serve the webhook endpoint, then tell Telegram where it is."""
    url = settings.telegram_webhook_url or ""
    token = application.bot.token
    secret = secret_for(token)
    path = urlparse(url).path or "/"
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, settings.telegram_webhook_port))
    port = sock.getsockname()[1]
    config = uvicorn.Config(
        make_asgi(application, path, secret), log_level="warning", lifespan="off", access_log=False
    )
    server = _QuietServer(config)
    task = asyncio.create_task(server.serve(sockets=[sock]))
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.01)
    await application.bot.set_webhook(url, secret_token=secret, allowed_updates=["message", "callback_query"])
    log.info("telegram webhook listening on port %s", port)
    return WebhookServer(server, task, port)
