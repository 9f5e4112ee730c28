"""Chat claims end to end: the real PTB Application polls the fake Bot API, the product talks to
the 1159 Finance sandbox, the database is real."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import update
from sqlmodel import select

from core.bootstrap import App
from core.db.models import Claim, Confirmation
from core.domain.dates import utcnow
from core.services.people.access import WRONG_CHAT
from tests.integration.chat.bot_helpers import (
    MANAGER,
    PRACTICE_CHAT,
    STAFF,
    BotRun,
    audit_actions,
    buttons,
    counts,
    message_id,
    overdue_invoice,
    running_bot,
    seed_practice,
    text,
    wire_app,
)
from tests.peers.botapi import FakeBotAPI
from tests.peers.sandbox import SandboxHandle


async def _app(url: str, tmp_path: Path, sandbox: SandboxHandle, fake: FakeBotAPI) -> AsyncIterator[App]:
    app = wire_app(url, tmp_path, sandbox, fake)
    seed_practice(app)
    overdue_invoice(app, "R-1", amount="120,00")
    yield app
    await app.aclose()
    app.close()


@pytest.fixture
async def app(
    sqlite_url: str, tmp_path: Path, sandbox: SandboxHandle, fake_botapi: FakeBotAPI
) -> AsyncIterator[App]:
    async for app in _app(sqlite_url, tmp_path, sandbox, fake_botapi):
        yield app


@pytest.fixture
async def pg_app(
    postgres_url: str, tmp_path: Path, sandbox: SandboxHandle, fake_botapi: FakeBotAPI
) -> AsyncIterator[App]:
    async for app in _app(postgres_url, tmp_path, sandbox, fake_botapi):
        yield app


@pytest.fixture
async def bot(app: App, fake_botapi: FakeBotAPI) -> AsyncIterator[BotRun]:
    async with running_bot(app, fake_botapi) as running:
        yield running


async def _overview(
    bot: BotRun, number: str = "R-1", user: int = STAFF, chat: int | None = None
) -> tuple[int, str, str]:
    answer = await bot.say(
        f"/forderung {number}", user=user, chat=chat, chat_type="private" if chat is None else "group"
    )
    (create, ok), (cancel, no) = buttons(answer)
    assert (create, cancel) == ("Forderung anlegen", "Abbrechen")
    return message_id(answer), ok, no


async def test_forderung_shows_the_overview_and_only_the_button_creates_the_case(
    bot: BotRun, app: App, sandbox: SandboxHandle
) -> None:
    answer = await bot.say("/forderung R-1")
    overview = text(answer)
    assert overview.startswith("Übersicht – Forderung R-1")
    assert "Offener Betrag: 120,00 €" in overview and "Fallgebühr: kostenlos" in overview
    assert "Krankengymnastik" not in overview  # health data never shown as sent
    assert counts(app).claims == 0 and sandbox.state()["cases"] == 0
    (_, ok), _ = buttons(answer)
    assert ok.startswith("ok:") and len(ok.encode()) <= 64

    done = await bot.press(ok, message_id(answer))
    assert "ist an 1159 Finance übergeben (Fall" in text(done)
    assert sandbox.state()["cases"] == 1
    assert ("claim.create", f"telegram:{STAFF}") in audit_actions(app)
    removed = bot.fake.calls_of("editMessageReplyMarkup")
    assert [c["message_id"] for c in removed] == [message_id(answer)]


async def test_a_second_press_never_acts_twice(bot: BotRun, app: App, sandbox: SandboxHandle) -> None:
    mid, ok, no = await _overview(bot)
    first = await bot.press(ok, mid)
    again = await bot.press(ok, mid)
    cancel_after = await bot.press(no, mid)
    assert "übergeben (Fall" in text(first)
    assert "schon verwendet" in text(again) and "nichts doppelt" in text(again)
    assert "schon verwendet" in text(cancel_after)
    assert sandbox.state()["cases"] == 1 and counts(app).claims == 1


async def test_a_second_overview_cannot_hand_over_twice(
    bot: BotRun, app: App, sandbox: SandboxHandle
) -> None:
    mid1, ok1, _ = await _overview(bot)
    mid2, ok2, _ = await _overview(bot)
    await bot.press(ok1, mid1)
    second = await bot.press(ok2, mid2)
    assert "bereits an 1159 Finance übergeben" in text(second)
    assert sandbox.state()["cases"] == 1 and counts(app).claims == 1


async def test_an_expired_button_changes_nothing(bot: BotRun, app: App, sandbox: SandboxHandle) -> None:
    mid, ok, _ = await _overview(bot)
    with app.uow() as uow:  # eleven minutes later
        uow.session.exec(update(Confirmation).values(expires_at=utcnow() - timedelta(minutes=1)))
        uow.commit()
    answer = await bot.press(ok, mid)
    assert "abgelaufen" in text(answer) and "neu senden" in text(answer)
    assert counts(app).claims == 0 and sandbox.state()["cases"] == 0


async def test_abbrechen_hands_nothing_over_and_spends_the_button(bot: BotRun, app: App) -> None:
    mid, ok, no = await _overview(bot)
    cancelled = await bot.press(no, mid)
    assert "Abgebrochen" in text(cancelled) and "nichts übergeben" in text(cancelled)
    assert ("claim.create.cancel", f"telegram:{STAFF}") in audit_actions(app)
    late = await bot.press(ok, mid)
    assert "schon verwendet" in text(late)
    assert counts(app).claims == 0


async def test_someone_elses_button_is_refused_and_stays_usable_for_its_owner(
    bot: BotRun, app: App, sandbox: SandboxHandle
) -> None:
    mid, ok, _ = await _overview(bot, user=STAFF, chat=PRACTICE_CHAT)
    foreign = await bot.press(ok, mid, user=MANAGER, chat=PRACTICE_CHAT)
    assert "ungültig" in text(foreign)
    assert bot.fake.calls_of("editMessageReplyMarkup") == []
    elsewhere = await bot.press(ok, mid, user=STAFF, chat=MANAGER)  # forged: not the owner's chat
    assert text(elsewhere) == WRONG_CHAT
    owner = await bot.press(ok, mid, user=STAFF, chat=PRACTICE_CHAT)
    # the answer, or the practice chat's notice of the same case if that arrives last in this chat
    assert "übergeben (Fall 1)" in text(owner) or "angelegt (Fall 1)" in text(owner)
    assert sandbox.state()["cases"] == 1


async def test_zahlung_answers_with_the_open_amount_and_passes_it_to_1159_finance(
    bot: BotRun, app: App, sandbox: SandboxHandle
) -> None:
    mid, ok, _ = await _overview(bot)
    await bot.press(ok, mid)
    answer = await bot.say("/zahlung R-1 50,00")
    assert "Zahlung über 50,00 €" in text(answer)
    assert "Noch offen: 70,00 €" in text(answer)
    assert "An 1159 Finance gemeldet" in text(answer)
    assert sandbox.state()["payments"] == 1
    assert ("payment.record", f"telegram:{STAFF}") in audit_actions(app)


async def test_zahlung_with_a_date_and_a_separate_euro_sign(bot: BotRun, app: App) -> None:
    day = (utcnow() - timedelta(days=3)).date().strftime("%d.%m.%Y")
    answer = await bot.say(f"/zahlung R-1 20,50 € {day}")
    assert f"Zahlung über 20,50 € vom {day}" in text(answer) and "Noch offen: 99,50 €" in text(answer)
    assert "nicht bei 1159 Finance" in text(answer)  # not handed over: nothing to pass on


async def test_status_shows_fees_payments_outstanding_and_as_of(
    bot: BotRun, app: App, sandbox: SandboxHandle
) -> None:
    mid, ok, _ = await _overview(bot)
    await bot.press(ok, mid)
    with app.uow() as uow:
        case_id = uow.session.exec(select(Claim.case_id)).one()
    assert case_id is not None
    sandbox.pay(case_id, "30.00")
    await bot.say("/zahlung R-1 10,00")
    answer = text(await bot.say("/status R-1"))
    assert answer.startswith("Forderung R-1 – ")
    assert f"(Fall {case_id})" in answer
    assert "Gebühren beim Schuldner:" in answer
    assert "Beim Inkassobüro eingegangen: 30,00 €" in answer
    assert "Direkt an die Praxis gezahlt: 10,00 €" in answer
    assert "Noch offen (inkl. Kosten):" in answer and "Stand: " in answer


async def test_status_of_an_invoice_not_handed_over_says_how(bot: BotRun) -> None:
    answer = text(await bot.say("/status R-1"))
    assert "noch nicht an 1159 Finance übergeben" in answer and "/forderung R-1" in answer


async def test_zurueckziehen_is_for_managers_and_needs_the_button(
    bot: BotRun, app: App, sandbox: SandboxHandle
) -> None:
    mid, ok, _ = await _overview(bot)
    await bot.press(ok, mid)
    staff = await bot.say("/zurueckziehen R-1", user=STAFF)
    assert "nur Praxisleitungen" in text(staff) and not buttons(staff)
    ask = await bot.say("/zurueckziehen R-1", user=MANAGER)
    assert "wirklich zurückziehen?" in text(ask)
    assert [label for label, _ in buttons(ask)] == ["Zurückziehen", "Abbrechen"]
    assert sandbox.state()["by_status"].get("withdrawn", 0) == 0
    done = await bot.press(buttons(ask)[0][1], message_id(ask), user=MANAGER)
    assert "zurückgezogen" in text(done)
    assert sandbox.state()["by_status"].get("withdrawn") == 1
    assert ("claim.withdraw", f"telegram:{MANAGER}") in audit_actions(app)


async def test_faelle_lists_open_cases_with_totals(bot: BotRun, app: App) -> None:
    overdue_invoice(app, "R-2", amount="80,00")
    for number in ("R-1", "R-2"):
        mid, ok, _ = await _overview(bot, number)
        await bot.press(ok, mid)
    answer = text(await bot.say("/faelle"))
    assert "Offene Inkasso-Fälle: 2" in answer and "R-1" in answer and "R-2" in answer
    assert "Summe Hauptforderungen: 200,00 €" in answer


async def test_on_postgresql_only_one_press_and_one_overview_hand_over(
    pg_app: App, fake_botapi: FakeBotAPI, sandbox: SandboxHandle
) -> None:
    async with running_bot(pg_app, fake_botapi) as bot:
        mid1, ok1, _ = await _overview(bot)
        mid2, ok2, _ = await _overview(bot)
        before = len(bot.sent_to(STAFF))
        fake_botapi.push_callback(STAFF, ok1, mid1, user_id=STAFF)
        fake_botapi.push_callback(STAFF, ok1, mid1, user_id=STAFF)
        fake_botapi.push_callback(STAFF, ok2, mid2, user_id=STAFF)
        await bot.settle()
        answers = [text(c) for c in bot.sent_to(STAFF)[before:]]
        assert len(answers) == 3
        assert sum("übergeben (Fall" in a for a in answers) == 1
        assert sum("schon verwendet" in a or "bereits an 1159 Finance übergeben" in a for a in answers) == 2
    assert sandbox.state()["cases"] == 1 and counts(pg_app).claims == 1


async def test_when_1159_finance_is_down_the_bot_says_so_and_keeps_the_payment(
    bot: BotRun, app: App, sandbox: SandboxHandle
) -> None:
    mid, ok, _ = await _overview(bot)
    await bot.press(ok, mid)
    sandbox.faults(error_rate=1.0)
    status = text(await bot.say("/status R-1"))
    assert "Angezeigt wird der letzte bekannte Stand" in status
    paid = text(await bot.say("/zahlung R-1 20,00"))
    assert "Noch offen: 100,00 €" in paid and "Wird an 1159 Finance weitergegeben" in paid
    assert counts(app).payments == 1


async def test_a_slow_answer_from_1159_finance_does_not_hold_up_other_chats(
    bot: BotRun, app: App, sandbox: SandboxHandle
) -> None:
    mid, ok, _ = await _overview(bot)
    await bot.press(ok, mid)
    sandbox.faults(latency_ms=800)
    before = len(bot.sent_to(STAFF))
    bot.fake.push_text(STAFF, "/status R-1", user_id=STAFF)
    await asyncio.sleep(0.1)
    help_text = text(await bot.say("/hilfe", user=MANAGER))
    assert help_text.startswith("Praxis-Inkasso") and len(bot.sent_to(STAFF)) == before  # still waiting
    status = text(await bot.next_to(STAFF, before))
    assert status.startswith("Forderung R-1")
