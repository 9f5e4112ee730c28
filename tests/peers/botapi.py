"""A fake Telegram Bot API: a real HTTP server (Starlette + uvicorn) in the test's event loop.

python-telegram-bot talks to it exactly as to api.telegram.org: point the product's
`TELEGRAM_API_BASE_URL` at `fake.base`, or PTB's builder at `fake.base_url` / `fake.base_file_url`.
Tests push updates (`push_text`, `push_callback`, `push_document`) and inspect what the bot sent
(`calls_of`, `wait_for`).

Fixtures (function scope): `fake_botapi` (async) yields a started `FakeBotAPI` with token `TOKEN`
in the test's loop; `fake_botapi_background` (sync) yields a `BackgroundBotAPI` serving from a thread.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import socket
import threading
import time
from collections.abc import AsyncIterator, Callable, Coroutine, Iterator
from dataclasses import dataclass, field
from typing import Any, TypeVar

import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

__all__ = ["TOKEN", "BackgroundBotAPI", "Call", "FakeBotAPI"]

TOKEN = "123456:TEST-token"
T = TypeVar("T")


@dataclass
class Call:
    """One request the bot made. `params` holds JSON-decoded values, `raw` the strings as sent.

    PTB form-encodes strings raw and everything else as JSON, so decoding every field turns a
    text of "42" into the int 42; compare texts with `raw["text"]` when that matters.
    Uploaded files appear in both as {"filename", "content_type", "bytes"}.
    """

    method: str
    params: dict[str, Any]
    raw: dict[str, Any]
    result: Any = None

    def __getitem__(self, key: str) -> Any:
        return self.params[key]

    def get(self, key: str, default: Any = None) -> Any:
        return self.params.get(key, default)


@dataclass
class _Failure:
    error_code: int
    description: str
    retry_after: int | None
    times: int


@dataclass
class FakeBotAPI:
    """The Bot API methods the product uses, recording every call; unknown methods answer 404."""

    token: str = TOKEN
    bot_id: int = 123456
    username: str = "praxis_test_bot"
    calls: list[Call] = field(default_factory=list)
    files: dict[str, tuple[str, bytes]] = field(default_factory=dict)  # file_id -> (file_path, content)
    port: int = 0

    def __post_init__(self) -> None:
        self._updates: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self._update_ids = itertools.count(1)
        self._message_ids = itertools.count(1000)
        self._file_ids = itertools.count(1)
        self._chat_types: dict[int, str] = {}
        self._failures: dict[str, _Failure] = {}
        self._closing = asyncio.Event()
        self._new_call = asyncio.Event()
        self._server: uvicorn.Server | None = None
        self._task: asyncio.Task[None] | None = None
        self.app = Starlette(
            routes=[
                Route("/bot{token}/{method}", self._dispatch, methods=["GET", "POST"]),
                Route("/file/bot{token}/{path:path}", self._download, methods=["GET"]),
            ]
        )

    # -- where the bot should point --------------------------------------------------------------
    @property
    def base(self) -> str:
        """Like https://api.telegram.org: the value for the product's TELEGRAM_API_BASE_URL."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def base_url(self) -> str:
        return f"{self.base}/bot"

    @property
    def base_file_url(self) -> str:
        return f"{self.base}/file/bot"

    # -- lifecycle -------------------------------------------------------------------------------
    async def start(self) -> None:
        """Serve on a free loopback port in the running event loop."""
        # Binding the socket ourselves avoids the race of picking a "free" port first.
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        self.port = sock.getsockname()[1]
        config = uvicorn.Config(self.app, log_level="warning", lifespan="off", ws="none", access_log=False)
        self._server = uvicorn.Server(config)
        self._task = asyncio.create_task(self._server.serve(sockets=[sock]))
        while not self._server.started:
            if self._task.done():
                self._task.result()  # raises the startup error
            await asyncio.sleep(0.005)

    def close(self) -> None:
        """Release pending long polls at once; without this, shutdown waits for their timeout."""
        self._closing.set()

    async def stop(self) -> None:
        self.close()
        if self._server is not None and self._task is not None:
            self._server.should_exit = True
            await self._task
        self._server = self._task = None

    async def __aenter__(self) -> FakeBotAPI:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # -- what the test does ----------------------------------------------------------------------
    def push_update(self, payload: dict[str, Any]) -> dict[str, Any]:
        update = {"update_id": next(self._update_ids), **payload}
        self._updates.put_nowait(update)
        return update

    def _user(self, user_id: int, first_name: str) -> dict[str, Any]:
        return {"id": user_id, "is_bot": False, "first_name": first_name}

    def _incoming(self, chat_id: int, user_id: int | None, chat_type: str, **content: Any) -> dict[str, Any]:
        self._chat_types[chat_id] = chat_type
        return {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": chat_type},
            "from": self._user(user_id if user_id is not None else chat_id, "Anna"),
            **content,
        }

    def push_text(
        self, chat_id: int, text: str, user_id: int | None = None, chat_type: str = "private"
    ) -> dict[str, Any]:
        """A person writes `text`; a leading /command gets its bot_command entity. Returns the update."""
        entities = []
        if text.startswith("/"):
            entities = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
        message = self._incoming(chat_id, user_id, chat_type, text=text, entities=entities)
        return self.push_update({"message": message})

    def push_callback(
        self, chat_id: int, data: str, message_id: int, user_id: int | None = None, chat_type: str = "private"
    ) -> dict[str, Any]:
        """A person presses the inline button with `data` under the bot's message `message_id`."""
        self._chat_types[chat_id] = chat_type
        uid = next(self._update_ids)
        query = {
            "id": f"cbq{uid}",
            "chat_instance": f"ci{chat_id}",
            "data": data,
            "from": self._user(user_id if user_id is not None else chat_id, "Anna"),
            "message": self._bot_message(chat_id, message_id=message_id, text="…"),
        }
        update = {"update_id": uid, "callback_query": query}
        self._updates.put_nowait(update)
        return update

    def push_document(
        self,
        chat_id: int,
        content: bytes,
        file_name: str,
        user_id: int | None = None,
        caption: str | None = None,
        mime_type: str = "application/octet-stream",
        chat_type: str = "private",
    ) -> dict[str, Any]:
        """A person sends a file; the bot can fetch it through getFile and the download URL."""
        document = self.add_file(content, file_name, mime_type)
        extra = {"caption": caption} if caption is not None else {}
        message = self._incoming(chat_id, user_id, chat_type, document=document, **extra)
        return self.push_update({"message": message})

    def add_file(
        self, content: bytes, file_name: str, mime_type: str = "application/octet-stream"
    ) -> dict[str, Any]:
        n = next(self._file_ids)
        file_id = f"FILE{n}"
        self.files[file_id] = (f"documents/file_{n}_{file_name}", content)
        return {
            "file_id": file_id,
            "file_unique_id": f"U{n}",
            "file_name": file_name,
            "mime_type": mime_type,
            "file_size": len(content),
        }

    def fail(
        self,
        method: str,
        description: str,
        error_code: int = 400,
        times: int = 1,
        retry_after: int | None = None,
    ) -> None:
        """Answer the next `times` calls of `method` with a Bot API error (e.g. 403 blocked, 429)."""
        self._failures[method.lower()] = _Failure(error_code, description, retry_after, times)

    def calls_of(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method.lower() == method.lower()]

    def methods(self) -> list[str]:
        return [c.method for c in self.calls]

    async def wait_for(self, method: str, count: int = 1, timeout: float = 5.0) -> list[Call]:
        """Wait until `count` calls of `method` were recorded; returns all calls of it."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while len(calls := self.calls_of(method)) < count:
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError(f"{count}x {method} not seen within {timeout} s; calls: {self.methods()}")
            # No await between the check above and clear(), so no call can slip through unseen.
            self._new_call.clear()
            try:
                await asyncio.wait_for(self._new_call.wait(), remaining)
            except TimeoutError:
                pass
        return calls

    # -- HTTP ------------------------------------------------------------------------------------
    async def _read(self, request: Request) -> tuple[dict[str, Any], dict[str, Any]]:
        if "application/json" in request.headers.get("content-type", ""):
            body = await request.json()
            return dict(body), dict(body)
        params: dict[str, Any] = {}
        raw: dict[str, Any] = {}
        async with request.form() as form:
            for key, value in form.multi_items():
                if isinstance(value, UploadFile):
                    upload = {"filename": value.filename, "content_type": value.content_type}
                    params[key] = raw[key] = {**upload, "bytes": await value.read()}
                    continue
                raw[key] = value
                try:
                    params[key] = json.loads(value)
                except ValueError:
                    params[key] = value
        return params, raw

    async def _dispatch(self, request: Request) -> Response:
        if request.path_params["token"] != self.token:
            return _error(401, "Unauthorized")
        method = request.path_params["method"]
        params, raw = await self._read(request)
        call = Call(method, params, raw)
        self.calls.append(call)
        self._new_call.set()
        failure = self._failures.get(method.lower())
        if failure is not None:
            failure.times -= 1
            if failure.times <= 0:
                del self._failures[method.lower()]
            return _error(failure.error_code, failure.description, failure.retry_after)
        handler = getattr(self, "_m_" + method.lower(), None)
        if handler is None:
            return _error(404, "Not Found")
        try:
            call.result = await handler(params)
        except _BadRequest as exc:
            return _error(400, f"Bad Request: {exc}")
        return JSONResponse({"ok": True, "result": call.result})

    async def _download(self, request: Request) -> Response:
        if request.path_params["token"] != self.token:
            return _error(401, "Unauthorized")
        for path, content in self.files.values():
            if path == request.path_params["path"]:
                return Response(content, media_type="application/octet-stream")
        return _error(404, "Not Found")

    # -- Bot API methods -------------------------------------------------------------------------
    def _bot_message(self, chat_id: int, message_id: int | None = None, **content: Any) -> dict[str, Any]:
        return {
            "message_id": message_id if message_id is not None else next(self._message_ids),
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": self._chat_types.get(chat_id, "private")},
            "from": {
                "id": self.bot_id,
                "is_bot": True,
                "first_name": "Praxis-Inkasso",
                "username": self.username,
            },
            **content,
        }

    def _reply(self, p: dict[str, Any], message_id: int | None = None, /, **content: Any) -> dict[str, Any]:
        if "reply_markup" in p:
            content["reply_markup"] = p["reply_markup"]
        return self._bot_message(int(p["chat_id"]), message_id, **content)

    async def _m_getme(self, p: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": "Praxis-Inkasso",
            "username": self.username,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }

    async def _m_getupdates(self, p: dict[str, Any]) -> list[dict[str, Any]]:
        """Long poll: answer as soon as an update is pushed, or [] after `timeout` or on close()."""
        timeout = float(p.get("timeout") or 0)
        get = asyncio.ensure_future(self._updates.get())
        closing = asyncio.ensure_future(self._closing.wait())
        done, _ = await asyncio.wait(
            {get, closing}, timeout=max(timeout, 0.01), return_when="FIRST_COMPLETED"
        )
        closing.cancel()
        if get not in done:
            get.cancel()
            return []
        out = [get.result()]
        while not self._updates.empty():
            out.append(self._updates.get_nowait())
        return out

    async def _m_deletewebhook(self, p: dict[str, Any]) -> bool:
        return True

    async def _m_setwebhook(self, p: dict[str, Any]) -> bool:
        return True

    async def _m_setmycommands(self, p: dict[str, Any]) -> bool:
        return True

    async def _m_deletemycommands(self, p: dict[str, Any]) -> bool:
        return True

    async def _m_sendchataction(self, p: dict[str, Any]) -> bool:
        return True

    async def _m_deletemessage(self, p: dict[str, Any]) -> bool:
        return True

    async def _m_answercallbackquery(self, p: dict[str, Any]) -> bool:
        return True

    async def _m_sendmessage(self, p: dict[str, Any]) -> dict[str, Any]:
        return self._reply(p, text=str(p.get("text", "")))

    async def _m_editmessagetext(self, p: dict[str, Any]) -> dict[str, Any] | bool:
        if "inline_message_id" in p:
            return True
        return self._reply(p, int(p["message_id"]), text=str(p.get("text", "")))

    async def _m_editmessagereplymarkup(self, p: dict[str, Any]) -> dict[str, Any] | bool:
        if "inline_message_id" in p:
            return True
        return self._reply(p, int(p["message_id"]), text="…")

    async def _m_senddocument(self, p: dict[str, Any]) -> dict[str, Any]:
        sent = p.get("document")
        if isinstance(sent, dict):
            document = self.add_file(sent["bytes"], sent["filename"] or "document", sent["content_type"])
        elif isinstance(sent, str) and sent in self.files:
            path, _ = self.files[sent]
            document = {"file_id": sent, "file_unique_id": "U" + sent, "file_name": path.rsplit("/", 1)[-1]}
        else:
            raise _BadRequest("wrong file identifier/HTTP URL specified")
        content: dict[str, Any] = {"document": document}
        if "caption" in p:
            content["caption"] = str(p["caption"])
        return self._reply(p, **content)

    async def _m_getfile(self, p: dict[str, Any]) -> dict[str, Any]:
        file_id = str(p.get("file_id"))
        if file_id not in self.files:
            raise _BadRequest("invalid file_id")
        path, content = self.files[file_id]
        return {
            "file_id": file_id,
            "file_unique_id": "U" + file_id,
            "file_size": len(content),
            "file_path": path,
        }


class _BadRequest(Exception):
    pass


def _error(code: int, description: str, retry_after: int | None = None) -> JSONResponse:
    body: dict[str, Any] = {"ok": False, "error_code": code, "description": description}
    if retry_after is not None:
        body["parameters"] = {"retry_after": retry_after}
    return JSONResponse(body, status_code=code)


class BackgroundBotAPI:
    """A FakeBotAPI on its own event loop in a thread, for sync tests (e.g. a bot subprocess
    driven by Playwright's sync API). Same helpers; `wait_for` blocks instead of awaiting.
    """

    def __init__(self, token: str = TOKEN) -> None:
        self.token = token
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="fake-botapi", daemon=True)
        self.fake: FakeBotAPI

    def _run(self, coro: Coroutine[Any, Any, T], timeout: float | None = 10.0) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout)

    def _call(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run `fn` on the server's loop: asyncio queues and events are not thread-safe."""

        async def call() -> T:
            return fn(*args, **kwargs)

        return self._run(call())

    def start(self) -> None:
        self._thread.start()

        async def make() -> FakeBotAPI:
            fake = FakeBotAPI(self.token)
            await fake.start()
            return fake

        self.fake = self._run(make())

    def stop(self) -> None:
        self._run(self.fake.stop())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._loop.close()

    @property
    def base(self) -> str:
        return self.fake.base

    @property
    def base_url(self) -> str:
        return self.fake.base_url

    @property
    def base_file_url(self) -> str:
        return self.fake.base_file_url

    def push_text(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        return self._call(self.fake.push_text, *args, **kwargs)

    def push_callback(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        return self._call(self.fake.push_callback, *args, **kwargs)

    def push_document(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        return self._call(self.fake.push_document, *args, **kwargs)

    def fail(self, *args: Any, **kwargs: Any) -> None:
        self._call(self.fake.fail, *args, **kwargs)

    def calls_of(self, method: str) -> list[Call]:
        return self._call(self.fake.calls_of, method)

    def methods(self) -> list[str]:
        return self._call(self.fake.methods)

    def wait_for(self, method: str, count: int = 1, timeout: float = 5.0) -> list[Call]:
        return self._run(self.fake.wait_for(method, count, timeout), timeout + 5)


@pytest.fixture
async def fake_botapi() -> AsyncIterator[FakeBotAPI]:
    """A started FakeBotAPI (token TOKEN) in the test's event loop; stopped after the test."""
    async with FakeBotAPI() as fake:
        yield fake


@pytest.fixture
def fake_botapi_background() -> Iterator[BackgroundBotAPI]:
    """A started BackgroundBotAPI (own thread and loop), for sync tests; stopped after the test."""
    server = BackgroundBotAPI()
    server.start()
    try:
        yield server
    finally:
        server.stop()
