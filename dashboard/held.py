"""The App that `core.bootstrap` wires, held once per process, with the event loop its clients use.

Streamlit reruns page scripts on every click; the App (engine, 1159 Finance client, mailer) must
outlive them. Its async clients belong to one event loop, so that loop runs in a thread of its
own and every core coroutine of the dashboard runs on it (`run_async`).
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine
from dataclasses import dataclass
from typing import TypeVar

import streamlit as st

from core.bootstrap import App, build
from core.config import Settings

__all__ = ["Held", "held", "run_async"]

T = TypeVar("T")
# A click must not wait for 1159 Finance longer than a person waits for a page.
MAX_FINANCE_ATTEMPTS = 3
_CLOSE_SECONDS = 10.0


@dataclass(frozen=True)
class Held:
    app: App
    loop: asyncio.AbstractEventLoop


def _release(value: object) -> None:
    """Close the App's clients on their loop, then stop the loop (a cache entry was dropped)."""
    if not isinstance(value, Held):
        return
    try:
        asyncio.run_coroutine_threadsafe(value.app.aclose(), value.loop).result(_CLOSE_SECONDS)
    finally:
        value.loop.call_soon_threadsafe(value.loop.stop)
        value.app.close()


@st.cache_resource(show_spinner=False, on_release=_release)
def _held(database_url: str) -> Held:
    # Keyed by the URL: tests and several databases in one process never share an engine.
    settings = Settings(database_url=database_url)
    attempts = min(settings.finance1159_max_attempts, MAX_FINANCE_ATTEMPTS)
    app = build(settings.model_copy(update={"finance1159_max_attempts": attempts}))
    loop = asyncio.new_event_loop()
    threading.Thread(target=_serve, args=(loop,), name="dashboard-async", daemon=True).start()
    return Held(app, loop)


def _serve(loop: asyncio.AbstractEventLoop) -> None:
    try:
        loop.run_forever()
    finally:
        loop.close()


def held() -> Held:
    """The held App and loop for the settings of this process (raises if they cannot be built)."""
    return _held(Settings().database_url)


def run_async(coroutine: Coroutine[object, object, T]) -> T:
    """Run a core coroutine on the held App's event loop and wait for its result."""
    return asyncio.run_coroutine_threadsafe(coroutine, held().loop).result()
