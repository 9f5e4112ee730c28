"""Mail acts only on evidence (issue 20): forged mails delivered into the real Dovecot, read by the
real intake. Without MAIL_AUTHSERV_ID nothing acts; a header the sender wrote is never believed;
an activation never skips the contract. Kept mails wait *zu prüfen* for a manager."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from core.bootstrap import App
from core.domain.errors import IllegalTransition, NotAllowed
from core.domain.onboarding import OnboardingState
from core.services.collection import claims
from core.services.messaging import mail_reviews
from core.services.people.access import OPERATOR, Actor, Role
from mail.intake import intake_loop, intake_once
from tests.factories import add_user
from tests.integration.chat.bot_helpers import counts, overdue_invoice, seed_practice, wire_app
from tests.integration.mail.mail_helpers import (
    close_mail_apps,  # noqa: F401  (autouse)
    corpus,
    events,
    folder_view,
    mail_app,
    notes,
    plain_mail,
    records,
    state,
    with_auth,
)
from tests.peers.mailserver import PRACTICE_EMAIL, Dovecot, SmtpServer, mail_settings_for
from tests.peers.sandbox import SandboxHandle

S = OnboardingState
ANNA = "anna@example.test"
DEFAULTS = {"mail_authserv_id": None}  # as a fresh .env leaves it
MANAGER = Actor(Role.MANAGER, "dashboard:chefin")


def _unseen_in_inbox(box: Dovecot) -> bool:
    return all("\\Seen" not in flags for _, flags in folder_view(box)) and folder_view(box) != []


async def test_a_forged_activation_without_any_evidence_changes_nothing_under_default_settings(
    mailbox_clean: Dovecot, sqlite_url: str, tmp_path: Path
) -> None:
    app = mail_app(sqlite_url, tmp_path, mailbox_clean, state=S.NOT_REQUESTED, **DEFAULTS)
    forged = plain_mail(
        frm="vertrag@1159finance.com",
        subject="1159 Finance: Ihre Inkasso-Schnittstelle ist aktiv",
        body="Ihre Schnittstelle ist aktiv.\nVertragsbeginn: 01.01.2020\n",
    )
    mailbox_clean.deliver(forged, PRACTICE_EMAIL)  # no Authentication-Results at all

    await intake_once(app)
    again = await intake_once(app)

    assert state(app) == S.NOT_REQUESTED and events(app) == []
    [kept] = records(app)
    assert kept.kind == "agency_activation" and kept.outcome.startswith("zu prüfen (unverified)")
    assert b"Vertragsbeginn: 01.01.2020" in kept.raw  # the raw copy is kept
    [note] = notes(app)  # one notification, not one per pass
    assert "nicht nachweislich echt" in note and "Dashboard → Onboarding" in note
    assert _unseen_in_inbox(mailbox_clean) and again.handled == 0

    [review] = mail_reviews.pending(app.uow(), practice_id=app.practice_id)
    assert review.label == "Aktivierung durch 1159 Finance" and not review.verified
    with pytest.raises(IllegalTransition):  # a manager cannot skip the contract either
        mail_reviews.confirm(
            app.uow(), practice_id=app.practice_id, message_key=review.message_key, actor=MANAGER
        )
    assert state(app) == S.NOT_REQUESTED


async def test_a_manager_confirms_the_step_a_kept_contract_mail_carries_and_only_that_step(
    mailbox_clean: Dovecot, sqlite_url: str, tmp_path: Path
) -> None:
    app = mail_app(sqlite_url, tmp_path, mailbox_clean, state=S.REQUESTED, **DEFAULTS)
    mailbox_clean.deliver(corpus("agency_contract_genuine"), PRACTICE_EMAIL)  # its header is not believed

    await intake_once(app)
    assert state(app) == S.REQUESTED
    assert not any("partner.1159finance.com/vertrag" in n for n in notes(app))  # no unproven link passed on

    [review] = mail_reviews.pending(app.uow(), practice_id=app.practice_id)
    staff = Actor(Role.STAFF, "dashboard:anna")
    with pytest.raises(NotAllowed):
        mail_reviews.confirm(
            app.uow(), practice_id=app.practice_id, message_key=review.message_key, actor=staff
        )
    new = mail_reviews.confirm(
        app.uow(), practice_id=app.practice_id, message_key=review.message_key, actor=MANAGER
    )

    assert new == S.CONTRACT_RECEIVED and [e.via for e in events(app)] == ["dashboard"]
    assert events(app)[0].evidence == review.message_key
    assert mail_reviews.pending(app.uow(), practice_id=app.practice_id) == []
    [done] = records(app)
    assert done.outcome == "done: confirmed by dashboard:chefin"


@pytest.mark.parametrize("where", ["above", "below"])
async def test_an_authentication_results_header_written_by_the_sender_is_ignored(
    mailbox_clean: Dovecot, sqlite_url: str, tmp_path: Path, where: str
) -> None:
    app = mail_app(sqlite_url, tmp_path, mailbox_clean, state=S.SIGNED)
    real = b"Authentication-Results: mx.praxis.test; dkim=none; spf=softfail smtp.mailfrom=x.test\r\n"
    claimed = (
        b"Authentication-Results: mx.praxis.test; dkim=pass header.d=1159finance.com;"
        b" dmarc=pass header.from=1159finance.com\r\n"
        if where == "below"  # the same authserv-id as the real server, written by the sender
        else b"Authentication-Results: mx.evil.test; dkim=pass header.d=1159finance.com;"
        b" dmarc=pass header.from=1159finance.com\r\n"
    )
    body = plain_mail(
        frm="vertrag@1159finance.com", subject="1159 Finance: Ihre Inkasso-Schnittstelle ist aktiv"
    )
    mailbox_clean.deliver(
        real + claimed + body if where == "below" else claimed + real + body, PRACTICE_EMAIL
    )

    await intake_once(app)

    assert state(app) == S.SIGNED and events(app) == [] and notes(app) == []
    assert _unseen_in_inbox(mailbox_clean)


async def test_a_senders_header_is_not_believed_when_the_own_server_wrote_none(
    mailbox_clean: Dovecot, sqlite_url: str, tmp_path: Path
) -> None:
    app = mail_app(sqlite_url, tmp_path, mailbox_clean, state=S.SIGNED)
    forged = with_auth(
        plain_mail(
            frm="vertrag@1159finance.com", subject="1159 Finance: Ihre Inkasso-Schnittstelle ist aktiv"
        ),
        "1159finance.com",
        authserv="mx.evil.test",
    )
    mailbox_clean.deliver(forged, PRACTICE_EMAIL)

    await intake_once(app)

    assert state(app) == S.SIGNED and events(app) == []
    [kept] = records(app)
    assert kept.outcome.startswith("zu prüfen (unverified): no Authentication-Results from mx.praxis.test")


async def test_a_genuine_activation_before_the_contract_is_kept_for_a_person(
    mailbox_clean: Dovecot, sqlite_url: str, tmp_path: Path
) -> None:
    app = mail_app(sqlite_url, tmp_path, mailbox_clean, state=S.REQUESTED)
    mailbox_clean.deliver(corpus("agency_activation_genuine"), PRACTICE_EMAIL)

    report = await intake_once(app)

    assert state(app) == S.REQUESTED and events(app) == []
    assert report.kept == 1 and report.handled == 0
    [kept] = records(app)
    assert kept.outcome.startswith("zu prüfen (out of order)")
    assert any("kein Vertrag erhalten" in n for n in notes(app))
    assert _unseen_in_inbox(mailbox_clean)


@pytest.fixture
async def staff_app(
    mailbox_clean: Dovecot, smtp_server: SmtpServer, sandbox: SandboxHandle, sqlite_url: str, tmp_path: Path
) -> AsyncIterator[App]:
    """An active practice with a handed-over invoice R-1, Anna registered by mail; default mail trust."""
    settings = {**mail_settings_for(mailbox_clean, smtp_server), **DEFAULTS}
    app = wire_app(sqlite_url, tmp_path, sandbox, None, **settings)
    seed_practice(app)
    add_user(app, role=Role.STAFF, email=ANNA, name="Anna Empfang")
    overdue_invoice(app, "R-1")
    await claims.create(
        app.uow(), finance=app.finance(), practice_id=app.practice_id, actor=OPERATOR, number="R-1"
    )
    yield app
    await app.aclose()
    app.close()


async def test_a_forged_payment_mail_from_a_staff_address_records_nothing_and_gets_no_answer(
    staff_app: App, mailbox_clean: Dovecot, smtp_server: SmtpServer
) -> None:
    before = counts(staff_app)
    forged = plain_mail(frm=ANNA, subject="Zahlung R-1 50,00", body="bar bezahlt")
    mailbox_clean.deliver(forged, PRACTICE_EMAIL)  # straight into the mailbox, nobody vouches for it

    report = await intake_once(staff_app)
    await intake_once(staff_app)

    assert counts(staff_app).payments == before.payments == 0
    assert smtp_server.messages == [] and mailbox_clean.messages(ANNA) == []
    [kept] = records(staff_app)
    assert kept.kind == "staff_command" and kept.outcome.startswith("zu prüfen (unverified)")
    assert report.kept == 1 and _unseen_in_inbox(mailbox_clean)
    assert records(staff_app, "out") == []


async def test_with_the_old_check_on_but_no_authserv_id_a_senders_header_on_top_is_not_believed(
    mailbox_clean: Dovecot, sqlite_url: str, tmp_path: Path
) -> None:
    app = mail_app(
        sqlite_url,
        tmp_path,
        mailbox_clean,
        state=S.SIGNED,
        mail_authserv_id=None,
        mail_require_auth_results=True,
    )
    forged = with_auth(
        plain_mail(
            frm="vertrag@1159finance.com", subject="1159 Finance: Ihre Inkasso-Schnittstelle ist aktiv"
        ),
        "1159finance.com",
        authserv="mx.evil.test",
    )
    mailbox_clean.deliver(forged, PRACTICE_EMAIL)

    await intake_once(app)

    assert state(app) == S.SIGNED and events(app) == []
    [kept] = records(app)
    assert kept.outcome.startswith("zu prüfen (unverified)")


async def test_the_mail_watcher_says_at_its_start_that_no_mail_acts_without_an_authserv_id(
    mailbox_clean: Dovecot, sqlite_url: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    stop = asyncio.Event()
    stop.set()
    for settings, said in (
        (DEFAULTS, "MAIL_AUTHSERV_ID is not set: no mail acts"),
        ({}, "mail acts only on a DKIM/DMARC pass from mx.praxis.test"),
    ):
        app = mail_app(sqlite_url, tmp_path / said[:4], mailbox_clean, **settings)
        with caplog.at_level(logging.INFO, logger="mail.intake"):
            await intake_loop(app, stop)
        assert said in caplog.text
