"""Pure parts of the mail door: message keys, IMAP UID sets and FETCH parsing, replies as mail text."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.replies import Button, Reply
from mail.command_mail import render_replies
from mail.imap.responses import literals, uid_set
from mail.intake import content_hash, message_key
from mail.message import parse

RAW = (
    b"From: a@x.test\r\nTo: b@y.test\r\nSubject: Hallo\r\n"
    b"Date: Mon, 2 Nov 2026 09:00:00 +0000\r\n\r\nText\r\n"
)


def test_a_mail_without_message_id_is_keyed_by_what_the_sender_wrote() -> None:
    delivered_once = b"Received: by mx1\r\nDelivered-To: p@y.test\r\n" + RAW
    delivered_again = b"Received: by mx2\r\nAuthentication-Results: mx; dkim=pass\r\n" + RAW
    assert message_key(parse(delivered_once), delivered_once) == message_key(
        parse(delivered_again), delivered_again
    )
    assert message_key(parse(RAW), RAW).startswith("sha256:")
    changed = RAW.replace(b"Text", b"Anderer Text")
    assert content_hash(changed) != content_hash(RAW)


def test_a_mail_with_message_id_is_keyed_by_it() -> None:
    raw = b"Message-ID: <abc@x.test>\r\n" + RAW
    assert message_key(parse(raw), raw) == "<abc@x.test>"


def test_uid_sets_are_compact_ranges() -> None:
    assert uid_set([1, 2, 3, 5, 7, 8]) == "1:3,5,7:8"
    assert uid_set([4]) == "4"


def test_fetch_responses_are_read_whichever_order_the_items_come_in() -> None:
    data = [
        (b'1 (UID 5 RFC822.SIZE 120 INTERNALDATE " 7-Nov-2026 09:15:00 +0100" BODY[HEADER] {3}', b"abc"),
        b")",
        (b"2 (BODY[HEADER] {2}", b"de"),
        b" UID 9 RFC822.SIZE 80)",
        b"3 FETCH (FLAGS (\\Seen))",
    ]
    first, second = literals(data)
    assert (first.uid, first.size, first.literal) == (5, 120, b"abc")
    assert first.arrived == datetime(2026, 11, 7, 8, 15, tzinfo=UTC)
    assert (second.uid, second.size, second.literal, second.arrived) == (9, 80, b"de", None)


def test_buttons_become_lines_saying_what_to_send_back() -> None:
    reply = Reply(
        "Übersicht – Forderung 1234\nDie Schaltfläche gilt 10 Minuten.",
        [[Button("Forderung anlegen", "ok:K7PX3MQ9TZ"), Button("Abbrechen", "no:K7PX3MQ9TZ")]],
    )
    text = render_replies([reply])
    assert "Forderung anlegen: Antworten Sie mit: Bestätigen K7PX3MQ9TZ" in text
    assert "Abbrechen: Antworten Sie mit: Abbrechen K7PX3MQ9TZ" in text
    assert text.startswith("Übersicht – Forderung 1234\nDer Code gilt 60 Minuten.\n")
