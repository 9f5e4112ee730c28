"""Machinery for the whole-story test: the product's own processes on loopback, and waiting.

The product runs as it does for a practice: `inkasso run` workers and `inkasso dashboard` as
subprocesses configured only through the environment, `inkasso report monthly` as a command. The
peers (Dovecot + aiosmtpd relay, the fake Bot API on its own thread, the 1159 Finance sandbox)
come from tests/peers. Nothing waits a fixed time: every wait polls a condition with a deadline
and, when it runs out, says what it waited for and shows the tail of every process's log.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import httpx

from core.config import Settings
from tests.peers.botapi import BackgroundBotAPI, Call

__all__ = [
    "Chat",
    "Process",
    "ProcessGroup",
    "StoryTimeout",
    "inkasso_command",
    "product_env",
    "wait_until",
]

T = TypeVar("T")

# Settings the test sets itself; anything else of the product's is removed from the inherited
# environment, so a developer's shell (or CI's) cannot change what the story runs against.
_SETTING_NAMES = {name.upper() for name in Settings.model_fields}


class StoryTimeout(AssertionError):
    """A condition did not come true in time (an AssertionError, so pytest shows it as a failure)."""


def wait_until(
    check: Callable[[], T],
    *,
    what: str,
    timeout: float = 30.0,
    interval: float = 0.1,
    diagnostics: Callable[[], str] | None = None,
) -> T:
    """Poll `check` until it returns something truthy (returned) or `timeout` runs out.

    Exceptions from `check` count as "not yet" (a database table that does not exist yet, a
    server still starting); the last one is shown if the deadline passes.
    """
    deadline = time.monotonic() + timeout
    last_error: BaseException | None = None
    while True:
        try:
            result = check()
        except Exception as exc:  # not yet: keep the reason for the report
            last_error, result = exc, None
        if result:
            return result
        if time.monotonic() > deadline:
            reason = f"; last error: {last_error!r}" if last_error else ""
            extra = f"\n{diagnostics()}" if diagnostics else ""
            raise StoryTimeout(f"not within {timeout:.0f} s: {what}{reason}{extra}")
        time.sleep(interval)


def inkasso_command() -> list[str]:
    """The installed `inkasso` console script of the running interpreter's environment."""
    beside = Path(sys.executable).with_name("inkasso")
    if beside.exists():
        return [str(beside)]
    found = shutil.which("inkasso")
    if found:
        return [found]
    return [sys.executable, "-c", "from cli.main import app; app()"]


def product_env(settings: Mapping[str, str]) -> dict[str, str]:
    """The inherited environment without the product's settings, plus `settings` (upper-cased)."""
    env = {k: v for k, v in os.environ.items() if k.upper() not in _SETTING_NAMES}
    env.update({k.upper(): str(v) for k, v in settings.items()})
    # Loopback only: a proxy from the environment must never see the peers' traffic.
    env["NO_PROXY"] = env["no_proxy"] = "127.0.0.1,localhost"
    env["PYTHONUNBUFFERED"] = "1"
    env.setdefault("PYTHONDONTWRITEBYTECODE", "1")
    return env


@dataclass
class Process:
    """One product process in its own process group, its output in a log file."""

    name: str
    popen: subprocess.Popen[bytes]
    log: Path
    stopped: bool = False  # by us: not a crash

    @classmethod
    def start(cls, name: str, args: list[str], *, env: Mapping[str, str], cwd: Path) -> Process:
        log = cwd / f"{name}.log"
        with log.open("ab") as out:
            popen = subprocess.Popen(
                args,
                env=dict(env),
                cwd=cwd,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                # Own group: stopping it also ends children (the dashboard's streamlit).
                start_new_session=True,
            )
        return cls(name, popen, log)

    @property
    def alive(self) -> bool:
        return self.popen.poll() is None

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def tail(self, lines: int = 25) -> str:
        text = self.output().splitlines()[-lines:]
        state = "running" if self.alive else f"exited {self.popen.returncode}"
        return f"--- {self.name} ({state}), last {len(text)} lines of {self.log}:\n" + "\n".join(text)

    def stop(self, timeout: float = 15.0) -> int:
        """SIGTERM to the group (the worker stops its loops cleanly), SIGKILL after `timeout`."""
        self.stopped = True
        if self.alive:
            _signal_group(self.popen.pid, signal.SIGTERM)
            try:
                self.popen.wait(timeout)
            except subprocess.TimeoutExpired:
                _signal_group(self.popen.pid, signal.SIGKILL)
                self.popen.wait(5)
        _signal_group(self.popen.pid, signal.SIGKILL)  # leftovers of the group, if any
        return self.popen.returncode


def _signal_group(pgid: int, sig: signal.Signals) -> None:
    try:
        os.killpg(pgid, sig)
    except (ProcessLookupError, PermissionError):
        pass


@dataclass
class ProcessGroup:
    """Every process of one story; their log tails are the diagnostics of a failed wait."""

    cwd: Path
    env: dict[str, str]
    processes: list[Process] = field(default_factory=list)

    def start(self, name: str, *args: str, env: Mapping[str, str] | None = None) -> Process:
        proc = Process.start(name, [*inkasso_command(), *args], env=env or self.env, cwd=self.cwd)
        self.processes.append(proc)
        return proc

    def run(
        self, *args: str, timeout: float = 60.0, stdin: str | None = None
    ) -> subprocess.CompletedProcess[str]:
        """An `inkasso` command to its end; output captured as text."""
        return subprocess.run(
            [*inkasso_command(), *args],
            env=self.env,
            cwd=self.cwd,
            input=stdin,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    def diagnostics(self) -> str:
        return "\n".join(p.tail() for p in self.processes)

    def wait(self, check: Callable[[], T], *, what: str, timeout: float = 30.0, interval: float = 0.1) -> T:
        """`wait_until` that also fails early, with logs, if one of the processes died."""

        def guarded() -> T:
            dead = [p for p in self.processes if not p.alive and not p.stopped]
            if dead:
                raise StoryTimeout(f"{dead[0].name} exited while waiting for: {what}\n{self.diagnostics()}")
            return check()

        return wait_until(
            guarded, what=what, timeout=timeout, interval=interval, diagnostics=self.diagnostics
        )

    def stop_all(self) -> None:
        for proc in reversed(self.processes):
            proc.stop()


@dataclass
class Chat:
    """The practice's Telegram group as the test sees it through the Bot API stand-in."""

    api: BackgroundBotAPI
    chat_id: int

    def say(self, user_id: int, text: str) -> None:
        self.api.push_text(self.chat_id, text, user_id=user_id, chat_type="supergroup")

    def press(self, user_id: int, data: str, message_id: int) -> None:
        self.api.push_callback(self.chat_id, data, message_id, user_id=user_id, chat_type="supergroup")

    def sent(self) -> list[Call]:
        """Every sendMessage the bot made to this chat, in order."""
        return [c for c in self.api.calls_of("sendMessage") if _int(c.raw.get("chat_id")) == self.chat_id]

    def texts(self) -> list[str]:
        return [str(c.raw.get("text", "")) for c in self.sent()]

    def find(self, *needles: str, after: int = 0) -> list[Call]:
        """Messages (from index `after` on) whose text contains every needle."""
        return [c for c in self.sent()[after:] if all(n in str(c.raw.get("text", "")) for n in needles)]


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def button(call: Call, prefix: str) -> str | None:
    """The callback data of the first inline button under `call` whose data starts with `prefix`."""
    markup = call.params.get("reply_markup") or {}
    for row in markup.get("inline_keyboard", []):
        for b in row:
            if str(b.get("callback_data", "")).startswith(prefix):
                return str(b["callback_data"])
    return None


def wait_http(url: str, *, timeout: float = 30.0, group: ProcessGroup | None = None) -> None:
    """Until GET `url` answers 200 (e.g. Streamlit's /_stcore/health)."""

    def ok() -> bool:
        return httpx.get(url, timeout=2).status_code == 200

    if group is not None:
        group.wait(ok, what=f"GET {url} answers 200", timeout=timeout, interval=0.2)
    else:
        wait_until(ok, what=f"GET {url} answers 200", timeout=timeout, interval=0.2)
