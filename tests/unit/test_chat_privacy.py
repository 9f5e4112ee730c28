"""The one place that renders a person for a chat: initials and postal code, or everything."""

from __future__ import annotations

import pytest

from core.domain.chat_privacy import STORED, ChatPrivacy, chat_field, chat_person, initials
from core.domain.errors import NotAllowed
from core.services.people.access import WrongChat, require_chat


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Erika Mustermann", "E. M."),
        ("Erika Maria Mustermann-Schulz", "E. M."),
        ("Cher", "C."),
        ("", "?"),
        ("élise über", "É. Ü."),
    ],
)
def test_initials_take_the_first_and_the_last_word(name: str, expected: str) -> None:
    assert initials(name) == expected


def test_minimal_shows_initials_and_postal_code_and_full_shows_the_name() -> None:
    assert chat_person("Erika Mustermann", "01001", ChatPrivacy.MINIMAL) == "E. M. (PLZ 01001)"
    assert chat_person("Erika Mustermann", "", ChatPrivacy.MINIMAL) == "E. M."
    assert chat_person("Erika Mustermann", "01001", ChatPrivacy.FULL) == "Erika Mustermann"


def test_personal_fields_are_stored_not_shown_and_the_invoice_fields_are_shown() -> None:
    assert chat_field("Geburtsdatum", "17.05.1970", ChatPrivacy.MINIMAL) == STORED
    assert chat_field("Anschrift", "Musterstraße 12, 01001 Musterstadt, DE", ChatPrivacy.MINIMAL) == STORED
    assert chat_field("Telefon", "", ChatPrivacy.MINIMAL) == ""  # nothing stored, nothing to say
    assert chat_field("Hauptforderung", "120,00 €", ChatPrivacy.MINIMAL) == "120,00 €"
    assert chat_field("Geburtsdatum", "17.05.1970", ChatPrivacy.FULL) == "17.05.1970"


def test_only_the_private_chat_and_the_practice_chat_are_allowed() -> None:
    require_chat(telegram_id=4711, chat_id=4711, practice_chat_id=-100)
    require_chat(telegram_id=4711, chat_id=-100, practice_chat_id=-100)
    for chat, practice in ((-200, -100), (-200, None), (4712, None)):
        with pytest.raises(WrongChat) as refused:
            require_chat(telegram_id=4711, chat_id=chat, practice_chat_id=practice)
        assert isinstance(refused.value, NotAllowed) and "nur im privaten Chat" in refused.value.user_message
