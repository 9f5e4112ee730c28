"""Chats carry what the practice allows: only the private chat and the practice chat get answers,
and CHAT_PRIVACY decides what patient data they show (through the real PTB Application and the
Bot API stand-in)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path

import pytest
from sqlmodel import func, select

from bot.commands import CommandLayer, Sender
from core.bootstrap import App
from core.db.models import Confirmation
from core.services.people.access import WRONG_CHAT, Role
from tests.factories import add_patient, add_user
from tests.integration.chat.bot_helpers import (
    GROUP,
    PRACTICE_CHAT,
    STAFF,
    BotRun,
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

NAME, STREET, BIRTH = ("Quirina", "Zwetschkenbaum"), "Holunderweg 77", "03.09.1961"
PERSONAL = (NAME[0], NAME[1], STREET, BIRTH, "Brombeerhausen")


def _seed(app: App) -> None:
    seed_practice(app)
    patient = add_patient(
        app,
        first_name=NAME[0],
        last_name=NAME[1],
        street=STREET,
        zip="04109",
        city="Brombeerhausen",
        birth_date=date(1961, 9, 3),
        email="quirina@example.org",
    )
    overdue_invoice(app, "R-1", patient=patient)


@pytest.fixture
async def minimal(
    sqlite_url: str, tmp_path: Path, sandbox: SandboxHandle, fake_botapi: FakeBotAPI
) -> AsyncIterator[BotRun]:
    app = wire_app(sqlite_url, tmp_path, sandbox, fake_botapi)  # CHAT_PRIVACY left at its default
    _seed(app)
    async with running_bot(app, fake_botapi) as running:
        yield running
    await app.aclose()
    app.close()


@pytest.fixture
async def full(
    sqlite_url: str, tmp_path: Path, sandbox: SandboxHandle, fake_botapi: FakeBotAPI
) -> AsyncIterator[BotRun]:
    app = wire_app(sqlite_url, tmp_path, sandbox, fake_botapi, chat_privacy="full")
    _seed(app)
    async with running_bot(app, fake_botapi) as running:
        yield running
    await app.aclose()
    app.close()


def _shows_no_personal_data(shown: str) -> None:
    for value in PERSONAL:
        assert value not in shown, value


def _confirmations(app: App) -> int:
    with app.uow() as uow:
        return uow.session.exec(select(func.count()).select_from(Confirmation)).one()


async def test_a_staff_member_in_an_unrelated_group_gets_the_refusal_without_patient_data(
    minimal: BotRun,
) -> None:
    before = counts(minimal.app)
    for command in ("/forderung R-1", "/status R-1", "/ueberfaellig", "/faelle", "/zahlung R-1 10,00"):
        answer = await minimal.say(command, user=STAFF, chat=GROUP, chat_type="group")
        assert text(answer) == WRONG_CHAT
        assert buttons(answer) == []
    sent = "\n".join(text(c) for c in minimal.sent_to(GROUP))
    _shows_no_personal_data(sent)
    assert "R-1" not in sent and "120,00" not in sent
    assert counts(minimal.app).claims == before.claims and counts(minimal.app).payments == 0
    assert _confirmations(minimal.app) == 0


async def test_minimal_shows_initials_and_postal_code_and_names_every_field_that_is_sent(
    minimal: BotRun,
) -> None:
    overview = text(await minimal.say("/forderung R-1"))
    assert "Patient/in: Q. Z. (PLZ 04109)" in overview
    for field in ("Schuldner", "Anschrift", "Geburtsdatum", "E-Mail"):
        assert f"  {field}: hinterlegt" in overview
    assert "  Rechnungsnummer: R-1" in overview and "  Hauptforderung: 120,00 €" in overview
    _shows_no_personal_data(overview)
    overdue = text(await minimal.say("/ueberfaellig", chat=PRACTICE_CHAT, chat_type="group"))
    assert "R-1 · Q. Z. (PLZ 04109) · 120,00 €" in overdue
    _shows_no_personal_data(overdue)


async def test_minimal_status_and_cases_show_initials_after_a_hand_over_from_the_practice_chat(
    minimal: BotRun, sandbox: SandboxHandle
) -> None:
    answer = await minimal.say("/forderung R-1", chat=PRACTICE_CHAT, chat_type="group")
    _, ok = buttons(answer)[0]
    await minimal.press(ok, message_id(answer), chat=PRACTICE_CHAT)
    assert sandbox.state()["cases"] == 1
    shown = text(await minimal.say("/status R-1"))
    assert shown.startswith("Forderung R-1 – Q. Z. (PLZ 04109)")
    cases = text(await minimal.say("/faelle"))
    assert "R-1 · Q. Z. (PLZ 04109)" in cases
    _shows_no_personal_data("\n".join(text(c) for c in minimal.fake.calls_of("sendMessage")))


async def test_full_shows_names_addresses_and_the_birth_date(full: BotRun) -> None:
    overview = text(await full.say("/forderung R-1"))
    assert f"Patient/in: {NAME[0]} {NAME[1]}" in overview
    assert f"  Anschrift: {STREET}, 04109 Brombeerhausen" in overview
    assert f"  Geburtsdatum: {BIRTH}" in overview and "hinterlegt" not in overview
    overdue = text(await full.say("/ueberfaellig", chat=PRACTICE_CHAT, chat_type="group"))
    assert f"R-1 · {NAME[0]} {NAME[1]} · 120,00 €" in overdue


async def test_mail_answers_follow_the_same_setting(minimal: BotRun) -> None:
    add_user(minimal.app, role=Role.STAFF, email="empfang@praxis.test")
    layer = CommandLayer(minimal.app)
    [overview] = await layer.handle_text(Sender("mail", "empfang@praxis.test"), "Forderung R-1")
    assert "Patient/in: Q. Z. (PLZ 04109)" in overview.text and "  Anschrift: hinterlegt" in overview.text
    _shows_no_personal_data(overview.text)
