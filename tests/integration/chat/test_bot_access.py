"""Who may use the bot, and bad input: a short German answer each time, and nothing changes.

The real PTB Application polls the fake Bot API; the product talks to the 1159 Finance sandbox.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.commands import REFUSAL
from core.bootstrap import App
from core.domain.onboarding import OnboardingState
from core.services.people.access import WRONG_CHAT
from core.services.setup import onboarding
from tests.integration.chat.bot_helpers import (
    GROUP,
    MANAGER,
    PRACTICE_CHAT,
    STAFF,
    STRANGER,
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


@pytest.fixture
async def app(
    sqlite_url: str, tmp_path: Path, sandbox: SandboxHandle, fake_botapi: FakeBotAPI
) -> AsyncIterator[App]:
    app = wire_app(sqlite_url, tmp_path, sandbox, fake_botapi)
    seed_practice(app)
    overdue_invoice(app, "R-1", amount="120,00")
    yield app
    await app.aclose()
    app.close()


@pytest.fixture
async def bot(app: App, fake_botapi: FakeBotAPI) -> AsyncIterator[BotRun]:
    async with running_bot(app, fake_botapi) as running:
        yield running


async def test_an_unknown_user_gets_one_polite_refusal_and_nothing_else(bot: BotRun, app: App) -> None:
    before = counts(app)
    first = await bot.say("/forderung R-1", user=STRANGER)
    assert text(first) == REFUSAL
    bot.fake.push_text(STRANGER, "/zahlung R-1 50,00", user_id=STRANGER)
    bot.fake.push_text(STRANGER, "/status R-1", user_id=STRANGER)
    bot.fake.push_callback(STRANGER, "new:R-1", 1, user_id=STRANGER)
    await bot.settle()
    assert [text(c) for c in bot.sent_to(STRANGER)] == [REFUSAL]
    assert counts(app) == before


async def test_an_unregistered_group_member_is_refused_once_and_members_are_sent_to_their_chats(
    bot: BotRun,
) -> None:
    refusal = await bot.say("/status R-1", user=STRANGER, chat=GROUP, chat_type="group")
    assert text(refusal) == REFUSAL
    bot.fake.push_text(GROUP, "/ueberfaellig", user_id=STRANGER, chat_type="group")
    bot.fake.push_text(GROUP, "Guten Morgen zusammen!", user_id=STRANGER, chat_type="group")
    bot.fake.push_text(GROUP, "Guten Morgen!", user_id=STAFF, chat_type="group")  # chatter: not for the bot
    bot.fake.push_text(GROUP, "/status@other_bot R-1", user_id=STAFF, chat_type="group")
    member = await bot.say("/ueberfaellig@praxis_test_bot", user=STAFF, chat=GROUP, chat_type="group")
    assert text(member) == WRONG_CHAT  # a group other than the practice chat carries no patient data
    assert [text(c) for c in bot.sent_to(GROUP)] == [REFUSAL, WRONG_CHAT]
    practice = await bot.say(
        "/ueberfaellig@praxis_test_bot", user=STAFF, chat=PRACTICE_CHAT, chat_type="group"
    )
    assert text(practice).startswith("Überfällige Rechnungen")


async def test_inkasso_shows_the_state_and_anfordern_is_for_managers(bot: BotRun, app: App) -> None:
    with app.uow() as uow:
        onboarding.get_practice(uow, app.practice_id).onboarding_state = OnboardingState.NOT_REQUESTED
        uow.commit()
    shown = text(await bot.say("/inkasso"))
    assert "Inkasso-Schnittstelle: nicht angefragt" in shown and "/inkasso anfordern" in shown
    staff = text(await bot.say("/inkasso anfordern", user=STAFF))
    assert "nur Praxisleitungen" in staff
    manager = text(await bot.say("/inkasso anfordern", user=MANAGER))
    assert "Inkasso-Schnittstelle: angefragt" in manager and "Vertrags-Mail" in manager
    assert ("onboarding.request", f"telegram:{MANAGER}") in audit_actions(app)
    again = text(await bot.say("/inkasso anfordern", user=MANAGER))
    assert "geht im Zustand „angefragt“ nicht" in again


async def test_a_manager_marks_the_contract_signed_in_the_chat(bot: BotRun, app: App) -> None:
    with app.uow() as uow:
        onboarding.get_practice(uow, app.practice_id).onboarding_state = OnboardingState.CONTRACT_RECEIVED
        uow.commit()
    assert "/inkasso unterschrieben" in text(await bot.say("/inkasso"))
    assert "nur Praxisleitungen" in text(await bot.say("/inkasso unterschrieben", user=STAFF))
    manager = text(await bot.say("/inkasso unterschrieben", user=MANAGER))
    assert manager.startswith("Vertrag als unterschrieben vermerkt.")
    assert "Inkasso-Schnittstelle: unterschrieben" in manager
    assert ("onboarding.signed", f"telegram:{MANAGER}") in audit_actions(app)
    again = text(await bot.say("/inkasso unterschrieben", user=MANAGER))
    assert "geht im Zustand „unterschrieben“ nicht" in again


BAD_INPUT = [
    ("/status", "Es fehlt eine Angabe. So geht es: /status <Rechnungsnr>, z. B. /status 1234"),
    ("/zahlung", "Es fehlen Angaben. So geht es: /zahlung <Rechnungsnr> <Betrag> [TT.MM.JJJJ]"),
    ("/zahlung R-1", "Es fehlt eine Angabe. So geht es: /zahlung"),
    ("/forderung R-1 R-2", "Rechnung R-1 R-2 gibt es nicht"),  # numbers may have spaces (RE 2026 0001)
    ("/zahlung R-1 50,00 01.01.2026 extra", "zu viele Angaben"),
    ("/faelle alle", "/faelle braucht keine weiteren Angaben"),
    ("/forderung R-404", "Rechnung R-404 gibt es nicht. Bitte die Nummer prüfen"),
    ("/zahlung R-404 50,00", "Rechnung R-404 gibt es nicht"),
    ("/zahlung R-1 fünfzig", "„fünfzig“ ist kein gültiger Betrag. Bitte den Betrag so angeben: 50,00"),
    ("/zahlung R-1 50,0O", "kein gültiger Betrag"),
    ("/zahlung R-1 12.345,678", "mehr als zwei Nachkommastellen"),
    ("/zahlung R-1 12,345", "mehrdeutig"),
    ("/zahlung R-1 -50,00", "negativ. Bitte einen positiven Betrag angeben"),
    ("/zahlung R-1 0,00", "darf nicht 0 sein"),
    ("/zahlung R-1 1e5", "kein gültiger Betrag"),
    ("/zahlung R-1 NaN", "kein gültiger Betrag"),
    ("/zahlung R-1 99999999999999999999999", "unplausibel hoch"),
    ("/zahlung R-1 " + "9" * 3500, "unplausibel hoch"),
    ("/zahlung R-1 500,00", "mehr als offen ist (120,00 €)"),
    ("/zahlung R-1 50,00 31.02.2026", "„31.02.2026“ gibt es nicht im Kalender"),
    ("/zahlung R-1 50,00 morgen", "kein Datum. Bitte so angeben: TT.MM.JJJJ"),
    ("/zahlung R-1 50,00 01.01.2999", "liegt in der Zukunft"),
    ("/zahlung\u200f R-1 \u202e-5\u200b", "negativ"),
    ("/status \u200fR\u200b-1\u2066", "Rechnung R-1 wurde noch nicht an 1159 Finance übergeben"),
    ("/status R-1\u00a0", "Rechnung R-1 wurde noch nicht an 1159 Finance übergeben"),
    ("/status " + "R" * 41, "ist zu lang (höchstens 40 Zeichen)"),
    ("/status R#1", "Rechnung R#1 gibt es nicht. Bitte die Nummer prüfen"),
    ("/status R\x00-1", "unlesbare Steuerzeichen"),
    ("/status " + "x" * 4100, "zu lang (4.108 Zeichen, höchstens 4.000)"),
    ("/ueberfaellig zwei", "„zwei“ ist keine Seitenzahl. Beispiel: /ueberfaellig 2"),
    ("/ueberfaellig 7", "Seite 7 gibt es nicht; es gibt 1"),
    ("/ueberfaellig \u0663", "keine Seitenzahl"),
    ("/inkasso bitte", "kenne ich bei /inkasso nicht. Möglich: /inkasso anfordern"),
    ("/zurueckziehen R-1", "nur Praxisleitungen"),
    ("/bestaetigen AAAAAAAAAA", "ungültig"),
    ("/bestaetigen R-1 AAAAAAAAAA", "ungültig"),
    ("/bestaetigen ../../etc", "Dieser Code ist ungültig"),
    ("/abbrechen " + "A" * 200, "Dieser Code ist ungültig"),
    ("/loeschen R-1", "„loeschen“ kenne ich nicht. /hilfe zeigt alle Befehle"),
    ("Hallo, wie geht's?", "„Hallo,“ kenne ich nicht"),
    ("\u200b\u200f", "Bitte einen Befehl senden"),
]


async def test_bad_input_gets_a_short_german_answer_and_changes_nothing(bot: BotRun, app: App) -> None:
    before = counts(app)
    for message, expected in BAD_INPUT:
        answer = text(await bot.say(message))
        assert expected in answer, f"{message[:60]!r} → {answer!r}"
        assert len(answer) < 300, message[:60]
    assert counts(app) == before
    assert bot.fake.calls_of("editMessageReplyMarkup") == []


FORGED = [
    ("ok:AAAAAAAAAA", "ungültig. Bitte den Befehl neu senden"),
    ("no:ZZZZZZZZZZ", "ungültig"),
    ("ok:", "ungültig oder veraltet"),
    ("delete:R-1", "ungültig oder veraltet"),
    ("", "ungültig oder veraltet"),
    ("ok:" + "A" * 70, "ungültig oder veraltet"),
    ("new:R-404", "Rechnung R-404 gibt es nicht"),
    ("new:R#1", "Rechnung R#1 gibt es nicht"),
    ("page:abc", "keine Seitenzahl"),
    ("page:-1", "keine Seitenzahl"),
    ("page:999999", "gibt es nicht"),
]


async def test_forged_and_replayed_callback_data_are_refused_and_change_nothing(
    bot: BotRun, app: App, sandbox: SandboxHandle
) -> None:
    before = counts(app)
    for data, expected in FORGED:
        answer = text(await bot.press(data, 1))
        assert expected in answer, f"{data[:60]!r} → {answer!r}"
    assert counts(app) == before and sandbox.state()["cases"] == 0
    overview = await bot.say("/forderung R-1")
    (_, ok), _ = buttons(overview)
    await bot.press(ok, message_id(overview))
    replayed = text(await bot.press(ok, message_id(overview)))
    assert "schon verwendet" in replayed
    assert sandbox.state()["cases"] == 1 and counts(app).claims == 1
    assert len(bot.fake.calls_of("answerCallbackQuery")) == len(FORGED) + 2
