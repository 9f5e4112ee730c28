"""ASGI middleware that injects latency, server errors and lost answers into API requests."""

from __future__ import annotations

import asyncio
import contextlib

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from core.finance1159.sandbox.runtime import Runtime

__all__ = ["FaultInjection"]


class FaultInjection:
    """Applies the runtime's Faults to /api/ requests only; the controls stay reliable."""

    def __init__(self, app: ASGIApp, runtime: Runtime) -> None:
        self.app = app
        self.runtime = runtime

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith("/api/"):
            await self.app(scope, receive, send)
            return
        self.runtime.api_requests += 1
        faults = self.runtime.faults
        if faults.latency_ms:
            await asyncio.sleep(faults.latency_ms / 1000)
        roll = faults.rng.random()
        if roll < faults.error_rate:
            if faults.rng.random() < 0.5:
                await _bare(send, 503)  # refused before doing anything
            else:
                # Done, but the answer is lost: the retry must not create a second case or payment.
                await self.app(scope, receive, _swallow)
                await _bare(send, 500, b"Internal Server Error")
            return
        if roll < faults.error_rate + faults.timeout_rate:
            held: list[Message] = []

            async def hold(message: Message) -> None:
                held.append(message)

            await self.app(scope, receive, hold)  # the write happens; the answer comes too late
            await asyncio.sleep(faults.timeout_seconds)
            with contextlib.suppress(Exception):  # the client has long hung up
                for message in held:
                    await send(message)
            return
        await self.app(scope, receive, send)


async def _swallow(message: Message) -> None:
    return None


async def _bare(send: Send, status: int, body: bytes = b"") -> None:
    headers = [(b"content-length", str(len(body)).encode())]
    if body:
        headers.append((b"content-type", b"text/plain"))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
