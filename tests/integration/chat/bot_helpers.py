"""Shared pieces of the bot tests: the product wired to the sandbox and the fake Bot API,
a running bot (real PTB Application, polling), and small conversation helpers."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from pydantic import SecretStr
from sqlmodel import col, func, select
from telegram import Update
from telegram.ext import TypeHandler

from bot.telegram_app import BotContext, build_application
from bot.telegram_run import serve
from core.bootstrap import App, build
from core.config import Settings
from core.db.models import AuditEvent, Claim, Payment
from core.domain.dates import today
from core.domain.onboarding import OnboardingState
from core.services.people.access import Role
from tests.factories import add_invoice, add_practice, add_user
from tests.peers.botapi import Call, FakeBotAPI
from tests.peers.sandbox import SandboxHandle, make_finance_client

STAFF, MANAGER, STRANGER = 1001, 1002, 6666
PRACTICE_CHAT = -100_777
GROUP = -100_888


def wire_app(
    database_url: str, data_dir: Path, sandbox: SandboxHandle, fake: FakeBotAPI | None, **extra: Any
) -> App:
    """The product on `database_url`, talking to the sandbox (and the fake Bot API if given)."""
    settings = Settings(
        database_url=database_url,
        data_dir=data_dir,
        finance1159_base_url=sandbox.base_url,
        finance1159_client_id=sandbox.client_id,
        finance1159_api_key=SecretStr(sandbox.api_key),
        telegram_bot_token=SecretStr(fake.token) if fake else None,
        telegram_api_base_url=fake.base if fake else "http://127.0.0.1:9",
        practice_chat_id=PRACTICE_CHAT,
        **extra,
    )
    return build(settings, finance=make_finance_client(sandbox))


def seed_practice(app: App, *, state: OnboardingState = OnboardingState.ACTIVE) -> None:
    """An active practice (contract 30 days old: hand-overs free), one staff and one manager user."""
    add_practice(app, onboarding_state=state, contract_start=today() - timedelta(days=30))
    add_user(app, role=Role.STAFF, telegram_id=STAFF, name="Anna Empfang")
    add_user(app, role=Role.MANAGER, telegram_id=MANAGER, name="Dr. Berg")


def overdue_invoice(app: App, number: str = "R-1", **kwargs: Any) -> None:
    """An invoice that may be handed over: 45 days overdue, reminded, hand-over announced."""
    add_invoice(app, number=number, reminder=True, announced=True, **kwargs)


@dataclass
class Counts:
    claims: int
    payments: int
    audit: int


def counts(app: App) -> Counts:
    with app.uow() as uow:
        s = uow.session
        return Counts(
            s.exec(select(func.count()).select_from(Claim)).one(),
            s.exec(select(func.count()).select_from(Payment)).one(),
            s.exec(select(func.count()).select_from(AuditEvent)).one(),
        )


def audit_actions(app: App) -> list[tuple[str, str]]:
    with app.uow() as uow:
        rows = uow.session.exec(select(AuditEvent).order_by(col(AuditEvent.id))).all()
        return [(r.action, r.actor) for r in rows]


class BotRun:
    """A running bot (real PTB Application polling the fake, as `run_bot` runs it) plus helpers."""

    def __init__(self, app: App, fake: FakeBotAPI) -> None:
        self.app, self.fake = app, fake
        self.stop = asyncio.Event()
        self.task: asyncio.Task[None] | None = None
        self.handled = 0

    async def _count(self, update: Update, context: BotContext) -> None:
        """Runs after the product's handlers (group 1): one more update fully handled."""
        self.handled += 1

    async def start(self) -> None:
        application = build_application(self.app)
        application.add_handler(TypeHandler(Update, self._count), group=1)
        self.task = asyncio.create_task(
            serve(application, self.app, self.stop, poll_timeout=1, notify_interval=0.05)
        )
        await self.fake.wait_for("getUpdates")

    async def close(self) -> None:
        self.stop.set()
        self.fake.close()
        if self.task is not None:
            await asyncio.wait_for(self.task, 10)

    def sent_to(self, chat_id: int) -> list[Call]:
        return [c for c in self.fake.calls_of("sendMessage") if c["chat_id"] == chat_id]

    async def next_to(self, chat_id: int, before: int, timeout: float = 10.0) -> Call:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while len(sent := self.sent_to(chat_id)) <= before:
            if loop.time() > deadline:
                raise TimeoutError(f"no answer to chat {chat_id}; calls: {self.fake.methods()}")
            await asyncio.sleep(0.002)
        return sent[before]

    async def say(
        self, text: str, user: int = STAFF, chat: int | None = None, chat_type: str = "private"
    ) -> Call:
        """Send `text` and return the bot's (first) answer in that chat."""
        chat_id = chat if chat is not None else user
        before = len(self.sent_to(chat_id))
        self.fake.push_text(chat_id, text, user_id=user, chat_type=chat_type)
        return await self.next_to(chat_id, before)

    async def press(self, data: str, message_id: int, user: int = STAFF, chat: int | None = None) -> Call:
        """Press a button with `data` under the bot's message `message_id`; return the answer."""
        chat_id = chat if chat is not None else user
        before = len(self.sent_to(chat_id))
        self.fake.push_callback(chat_id, data, message_id, user_id=user)
        return await self.next_to(chat_id, before)

    async def settle(self, timeout: float = 10.0) -> None:
        """Wait until every update pushed so far was handled (handlers of other chats run concurrently)."""
        loop = asyncio.get_running_loop()
        deadline, calm = loop.time() + timeout, 0
        while calm < 3:
            delivered = sum(len(c.result or []) for c in self.fake.calls_of("getUpdates"))
            idle = self.fake._updates.empty() and self.handled >= delivered
            calm = calm + 1 if idle else 0
            if loop.time() > deadline:
                raise TimeoutError(f"{delivered - self.handled} updates still being handled")
            await asyncio.sleep(0.01)


def text(call: Call) -> str:
    return str(call.raw["text"])


def buttons(call: Call) -> list[tuple[str, str]]:
    markup = call.get("reply_markup") or {}
    return [(b["text"], b["callback_data"]) for row in markup.get("inline_keyboard", []) for b in row]


def message_id(call: Call) -> int:
    return int(call.result["message_id"])


@asynccontextmanager
async def running_bot(app: App, fake: FakeBotAPI) -> AsyncIterator[BotRun]:
    bot = BotRun(app, fake)
    await bot.start()
    try:
        yield bot
    finally:
        await bot.close()
