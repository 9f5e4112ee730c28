"""Outgoing mails are complete: Message-ID, Date, threading headers and the German text."""

from __future__ import annotations

from email import message_from_bytes
from email.policy import default

from core.smtp.compose import PracticeContact, access_request, notification
from mail.compose import command_reply, reply_subject
from mail.message import parse
from mail.rules import MailRules, classify

PRACTICE = PracticeContact(
    name="Physiotherapie Sonnenschein",
    street="Hauptstraße 1",
    zip_code="51373",
    city="Leverkusen",
    email="praxis@sonnenschein.test",
    client_id="P-10442",
)


def test_the_access_request_names_the_practice_and_asks_for_unlocking() -> None:
    message = access_request(PRACTICE, "support@1159finance.com", "praxis@sonnenschein.test")
    body = message.get_content()
    assert message["To"] == "support@1159finance.com"
    assert "Physiotherapie Sonnenschein" in message["Subject"]
    assert "Inkasso-Schnittstelle frei" in body
    assert "Hauptstraße 1, 51373 Leverkusen" in body
    assert "praxis@sonnenschein.test" in body and "Kundennummer: P-10442" in body
    assert message["Message-ID"].endswith("@sonnenschein.test>")
    assert message["Date"]


def test_the_access_request_leaves_out_a_client_id_the_practice_does_not_have() -> None:
    practice = PracticeContact("Praxis A", "Weg 2", "10115", "Berlin", "a@praxis.test")
    assert "Kundennummer" not in access_request(practice, "s@x.test", "a@praxis.test").get_content()


def test_a_command_reply_is_threaded_under_the_staff_mail() -> None:
    message = command_reply(
        "anna@example.test",
        "praxis@sonnenschein.test",
        "AW: Re: Forderung 1234",
        "Übersicht …\nBestätigungscode: ABC123",
        "<orig@example.test>",
        references="<first@x.test> <orig@example.test>",
    )
    assert message["Subject"] == "Re: Forderung 1234"
    assert message["In-Reply-To"] == "<orig@example.test>"
    assert message["References"] == "<first@x.test> <orig@example.test>"
    assert message["Auto-Submitted"] == "auto-replied"
    assert "ABC123" in message.get_content()


def test_a_command_reply_without_references_starts_the_chain() -> None:
    message = command_reply("a@x.test", "p@y.test", "Status 1", "ok", "<m@x.test>")
    assert message["References"] == "<m@x.test>"


def test_reply_subjects_do_not_stack_prefixes() -> None:
    assert reply_subject("Re: Re: AW: Status 1234") == "Re: Status 1234"


def test_a_notification_round_trips_through_the_parser_with_umlauts() -> None:
    message = notification("team@praxis.test", "praxis@praxis.test", "Forderung 1234 vollständig", "Grüße")
    raw = message.as_bytes()
    assert message_from_bytes(raw, policy=default)["Subject"] == "Forderung 1234 vollständig"
    parsed = parse(raw)
    assert parsed.subject == "Forderung 1234 vollständig" and parsed.text.strip() == "Grüße"
    assert parsed.message_id == message["Message-ID"] and parsed.auto_submitted == "auto-generated"


def test_our_own_reply_coming_back_from_a_staff_address_is_not_a_command() -> None:
    reply = command_reply("anna@example.test", "anna@example.test", "Status 1234", "Status: offen", "<m@x>")
    result = classify(
        parse(reply.as_bytes()),
        MailRules(agency_domain="1159finance.com"),
        staff_addresses=frozenset({"anna@example.test"}),
    )
    assert (result.kind, result.reason) == ("ignored", "auto_submitted")
