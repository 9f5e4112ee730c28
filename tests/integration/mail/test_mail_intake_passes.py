"""One intake pass at a time against a real Dovecot: what is acted on, what is left alone, once only."""

from __future__ import annotations

import json
import logging
from datetime import timedelta
from pathlib import Path

import pytest
from sqlmodel import col, delete, select, update

from core.bootstrap import App
from core.db.models import MailCursor, MailRecord, Statement
from core.domain.dates import utcnow
from core.domain.errors import NotFound, PreconditionFailed
from core.domain.onboarding import OnboardingState
from core.services.messaging import mail_records
from core.services.people.access import Role
from mail import handling, imap
from mail.imap import MailboxUnavailable
from mail.intake import PassReport, intake_once
from tests.factories import add_practice, add_user, make_app
from tests.integration.mail.mail_helpers import (
    CORPUS,
    DONE,
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


@pytest.fixture
def box(mailbox_clean: Dovecot) -> Dovecot:
    return mailbox_clean


async def test_a_private_mail_is_left_unread_in_place_and_never_downloaded(
    box: Dovecot, sqlite_url: str, tmp_path: Path
) -> None:
    app = mail_app(sqlite_url, tmp_path, box)
    box.deliver(corpus("private_mail"), PRACTICE_EMAIL)
    before = folder_view(box)

    first = await intake_once(app)
    second = await intake_once(app)

    assert (first.new, first.downloaded, first.handled) == (1, 0, 0)
    assert (second.new, second.downloaded) == (0, 0)
    assert folder_view(box) == before
    assert "\\Seen" not in before[0][1]
    assert records(app) == []


async def test_the_contract_mail_moves_onboarding_and_passes_the_signing_link_to_the_chat(
    box: Dovecot, sqlite_url: str, tmp_path: Path
) -> None:
    app = mail_app(sqlite_url, tmp_path, box)
    box.deliver(corpus("agency_contract_genuine"), PRACTICE_EMAIL)

    report = await intake_once(app)

    assert report.handled == 1
    assert state(app) == OnboardingState.CONTRACT_RECEIVED
    assert any("https://partner.1159finance.com/vertrag/Zk3x9QpL2m" in n for n in notes(app))
    assert folder_view(box) == []
    [(subject, flags)] = folder_view(box, DONE)
    assert "Inkasso-Vertrag" in subject and "\\Seen" in flags and imap.HANDLED_KEYWORD in flags
    [record] = records(app)
    assert record.message_key == "<8a8dde15b776e1d5@mail.test>" and record.kind == "agency_contract"
    assert record.raw.endswith(corpus("agency_contract_genuine")[-200:])
    assert record.outcome.startswith("done") and record.uid is not None and record.uidvalidity


async def test_a_forged_agency_mail_changes_nothing_and_is_logged(
    box: Dovecot, sqlite_url: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    app = mail_app(sqlite_url, tmp_path, box)
    for name in ("forged_agency_dkim_fail", "forged_display_name", "forged_lookalike_suffix_domain"):
        box.deliver(corpus(name), PRACTICE_EMAIL)
    before = folder_view(box)
    caplog.set_level(logging.INFO, "mail")

    report = await intake_once(app)

    assert report.handled == 0 and report.ignored == 3
    assert state(app) == OnboardingState.REQUESTED and notes(app) == [] and records(app) == []
    assert folder_view(box) == before and all("\\Seen" not in flags for _, flags in before)
    assert "forged" in caplog.text


async def test_the_same_mail_delivered_twice_is_acted_on_once_and_both_copies_are_moved(
    box: Dovecot, database_url: str, tmp_path: Path
) -> None:
    app = mail_app(database_url, tmp_path, box)
    box.deliver(corpus("agency_contract_genuine"), PRACTICE_EMAIL)
    box.deliver(corpus("agency_contract_genuine"), PRACTICE_EMAIL)

    report = await intake_once(app)
    again = await intake_once(app)

    assert (report.handled, report.duplicates) == (1, 1)
    assert again.new == 0
    assert len(records(app)) == 1 and len(events(app)) == 1
    [duplicate] = [r for r in records(app, duplicates=True) if r.kind == "duplicate"]
    assert duplicate.outcome == "done: duplicate of <8a8dde15b776e1d5@mail.test>" and duplicate.uid
    assert folder_view(box) == [] and len(folder_view(box, DONE)) == 2


async def test_a_mail_without_message_id_delivered_twice_counts_once(
    box: Dovecot, sqlite_url: str, tmp_path: Path
) -> None:
    app = mail_app(sqlite_url, tmp_path, box, state=OnboardingState.SIGNED)
    raw = with_auth(
        plain_mail(
            frm="vertrag@1159finance.com",
            subject="1159 Finance: Ihre Inkasso-Schnittstelle ist aktiv",
            body="Vertragsbeginn: 01.12.2026",
            message_id=False,
        ),
        "1159finance.com",
    )
    box.deliver(raw, PRACTICE_EMAIL, mail_from="a@1159finance.com")
    box.deliver(raw, PRACTICE_EMAIL, mail_from="b@1159finance.com")  # different trace headers

    report = await intake_once(app)

    assert (report.handled, report.duplicates) == (1, 1)
    [record] = records(app)
    assert record.message_key.startswith("sha256:")
    assert state(app) == OnboardingState.ACTIVE


async def test_the_monthly_statement_is_kept_parsed_and_linked_to_its_month(
    box: Dovecot, database_url: str, tmp_path: Path
) -> None:
    app = mail_app(database_url, tmp_path, box, state=OnboardingState.ACTIVE)
    box.deliver(corpus("agency_statement_genuine"), PRACTICE_EMAIL)
    box.deliver(corpus("agency_statement_unreadable_csv"), PRACTICE_EMAIL)

    report = await intake_once(app)

    assert report.handled == 2, report.outcomes
    with app.uow() as uow:
        good, bad = sorted(uow.session.exec(select(Statement)).all(), key=lambda s: s.parse_error)
    assert good.month == "2026-10" and len(good.rows) == 3 and good.csv_data and good.pdf_data
    assert "Monatsabrechnung 10/2026" in good.pdf_text
    assert bad.month == "2026-10" and bad.rows == [] and bad.parse_error and bad.csv_data
    assert folder_view(box) == []


async def test_bad_input_is_logged_and_the_rest_of_the_pass_still_runs(
    box: Dovecot, sqlite_url: str, tmp_path: Path
) -> None:
    app = mail_app(sqlite_url, tmp_path, box)
    for name in (
        "malformed_headers_no_sender",
        "agency_statement_broken_boundary",
        "agency_newsletter",
        "agency_contract_html_only",
    ):
        box.deliver(corpus(name), PRACTICE_EMAIL)

    report = await intake_once(app)

    assert state(app) == OnboardingState.CONTRACT_RECEIVED
    assert any("https://partner.1159finance.com/vertrag/HtmlOnly7" in n for n in notes(app))
    remaining = [subject for subject, _ in folder_view(box)]
    assert "1159 Finance: Ihr Inkasso-Vertrag zur Unterschrift" not in remaining
    assert report.new == 4 and report.failed == 0


async def test_a_mail_over_the_size_limit_is_not_downloaded(
    box: Dovecot, sqlite_url: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    app = mail_app(sqlite_url, tmp_path, box, mail_max_bytes=100_000)
    big = with_auth(
        plain_mail(
            frm="abrechnung@1159finance.com",
            subject="1159 Finance: Monatsabrechnung 10/2026",
            body="x" * 200_000,
        ),
        "1159finance.com",
    )
    box.deliver(big, PRACTICE_EMAIL)
    caplog.set_level(logging.INFO, "mail")

    report = await intake_once(app)

    assert (report.downloaded, report.ignored) == (0, 1)
    assert "MAIL_MAX_BYTES" in caplog.text and len(folder_view(box)) == 1


async def test_a_twenty_megabyte_statement_is_kept_whole(
    box: Dovecot, sqlite_url: str, tmp_path: Path
) -> None:
    app = mail_app(sqlite_url, tmp_path, box, state=OnboardingState.ACTIVE)
    from email.message import EmailMessage

    msg = EmailMessage()
    msg["From"] = "abrechnung@1159finance.com"
    msg["To"] = PRACTICE_EMAIL
    msg["Subject"] = "1159 Finance: Monatsabrechnung 09/2026"
    msg["Message-ID"] = "<big-statement@1159finance.com>"
    msg.set_content("anbei")
    pdf = b"%PDF-1.4\n" + bytes(range(256)) * (20 * 1024 * 1024 // 256)
    msg.add_attachment(pdf, maintype="application", subtype="pdf", filename="Monatsabrechnung_2026-09.pdf")
    box.deliver(with_auth(msg.as_bytes(), "1159finance.com"), PRACTICE_EMAIL)

    report = await intake_once(app)

    assert report.handled == 1, report.outcomes
    with app.uow() as uow:
        [statement] = uow.session.exec(select(Statement)).all()
    assert statement.month == "2026-09" and statement.pdf_data == pdf


async def test_after_a_uidvalidity_change_handled_mail_is_recognised_by_message_id(
    box: Dovecot, sqlite_url: str, tmp_path: Path
) -> None:
    app = mail_app(sqlite_url, tmp_path, box)
    box.deliver(corpus("agency_contract_genuine"), PRACTICE_EMAIL)
    box.deliver(corpus("private_mail"), PRACTICE_EMAIL)
    await intake_once(app)
    # The mail comes back (a user moved it back), and the cursor is gone as after a UIDVALIDITY change.
    with box.mailbox() as mb:
        mb.folder.set(DONE)
        mb.move(mb.uids(), "INBOX")
    with app.uow() as uow:
        uow.session.exec(delete(MailCursor))
        uow.commit()

    report = await intake_once(app)

    assert (report.new, report.downloaded, report.handled, report.duplicates) == (2, 1, 0, 1)
    assert len(events(app)) == 1 and len(notes(app)) == 1
    assert len(folder_view(box)) == 1 and len(folder_view(box, DONE)) == 1


async def test_a_crash_between_acting_and_moving_acts_once_and_moves_next_time(
    box: Dovecot, database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = mail_app(database_url, tmp_path, box)
    box.deliver(corpus("agency_contract_genuine"), PRACTICE_EMAIL)

    def broken(self: imap.ImapConnection, uid: int, folder: str) -> None:
        raise MailboxUnavailable("weg", "connection lost (test)")

    with monkeypatch.context() as patch:
        patch.setattr(imap.ImapConnection, "mark_handled", broken)
        with pytest.raises(MailboxUnavailable):
            await intake_once(app)
    assert state(app) == OnboardingState.CONTRACT_RECEIVED and len(folder_view(box)) == 1

    report = await intake_once(app)

    assert (report.handled, report.duplicates) == (0, 1)
    assert len(events(app)) == 1 and len(notes(app)) == 1
    assert folder_view(box) == [] and len(folder_view(box, DONE)) == 1


def _stale_claim(app: App, key: str, raw: bytes, kind: str) -> None:
    """What a worker that died mid-action leaves behind: a claim, 20 minutes old."""
    assert mail_records.claim(app.uow(), practice_id=app.practice_id, message_key=key, raw=raw, kind=kind)
    with app.uow() as uow:
        uow.session.exec(
            update(MailRecord)
            .where(col(MailRecord.message_key) == key)
            .values(at=utcnow() - timedelta(minutes=20))
        )
        uow.commit()


async def test_an_agency_mail_left_half_done_by_a_dead_worker_is_finished(
    box: Dovecot, sqlite_url: str, tmp_path: Path
) -> None:
    app = mail_app(sqlite_url, tmp_path, box)
    _stale_claim(app, "<8a8dde15b776e1d5@mail.test>", corpus("agency_contract_genuine"), "agency_contract")
    box.deliver(corpus("agency_contract_genuine"), PRACTICE_EMAIL)

    report = await intake_once(app)

    assert report.handled == 1 and state(app) == OnboardingState.CONTRACT_RECEIVED
    assert [r.outcome.split(":")[0] for r in records(app)] == ["done"]


@pytest.mark.parametrize("security", ["ssl", "starttls"])
async def test_the_mailbox_is_read_over_tls(
    box: Dovecot, sqlite_url: str, tmp_path: Path, security: str
) -> None:
    port = box.imaps_port if security == "ssl" else box.imap_port
    app = mail_app(sqlite_url, tmp_path, box, imap_security=security, imap_port=port, imap_cafile=box.cafile)
    box.deliver(corpus("agency_contract_genuine"), PRACTICE_EMAIL)

    report = await intake_once(app)

    assert report.handled == 1 and state(app) == OnboardingState.CONTRACT_RECEIVED


async def test_a_wrong_password_is_refused_with_a_german_message(
    box: Dovecot, sqlite_url: str, tmp_path: Path
) -> None:
    app = mail_app(sqlite_url, tmp_path, box, imap_password="falsch")

    with pytest.raises(imap.MailboxRefused) as refused:
        await intake_once(app)

    assert "IMAP_PASSWORD" in refused.value.user_message


async def test_the_golden_corpus_through_one_pass_acts_on_exactly_the_expected_mails(
    box: Dovecot, smtp_server: SmtpServer, sqlite_url: str, tmp_path: Path
) -> None:
    app = mail_app(sqlite_url, tmp_path, box, smtp_server, state=OnboardingState.ACTIVE)
    add_user(app, role=Role.STAFF, email="anna@example.test")
    add_user(app, role=Role.MANAGER, email="chef@example.test")
    expected, refused = {}, set()
    for eml in sorted(CORPUS.glob("*.eml")):
        said = json.loads(eml.with_suffix(".expected.json").read_text())
        expected[eml.stem] = said["kind"]
        if said.get("refused"):
            refused.add(eml.stem)
        box.deliver(eml.read_bytes(), PRACTICE_EMAIL)

    report = await intake_once(app)

    acted = sorted(k for k, kind in expected.items() if kind != "ignored" and k not in refused)
    assert report.new == len(expected) and report.failed == len(refused) == 1
    assert report.handled + report.duplicates == len(acted), report.outcomes
    assert len(folder_view(box, DONE)) == len(acted)
    left = folder_view(box)
    assert len(left) == len(expected) - len(acted) and all("\\Seen" not in flags for _, flags in left)
    assert await intake_once(app) == PassReport()


async def test_with_the_done_folder_set_to_the_inbox_handled_mail_is_only_flagged(
    box: Dovecot, sqlite_url: str, tmp_path: Path
) -> None:
    app = mail_app(sqlite_url, tmp_path, box, imap_done_folder="INBOX")
    box.deliver(corpus("agency_contract_genuine"), PRACTICE_EMAIL)

    first = await intake_once(app)
    second = await intake_once(app)

    assert (first.handled, second.new) == (1, 0)
    [(_, flags)] = folder_view(box)
    assert "\\Seen" in flags and imap.HANDLED_KEYWORD in flags


async def test_an_untrusted_server_certificate_is_refused_with_a_german_message(
    box: Dovecot, sqlite_url: str, tmp_path: Path
) -> None:
    app = mail_app(sqlite_url, tmp_path, box, imap_security="ssl", imap_port=box.imaps_port, imap_cafile=None)

    with pytest.raises(imap.MailboxRefused) as refused:
        await intake_once(app)

    assert "IMAP_CAFILE" in refused.value.user_message


async def test_before_the_practice_is_set_up_the_mailbox_is_left_alone(
    box: Dovecot, sqlite_url: str, tmp_path: Path
) -> None:
    app = make_app(sqlite_url, tmp_path, **mail_settings_for(box))  # no practice yet
    box.deliver(corpus("agency_contract_genuine"), PRACTICE_EMAIL)

    with pytest.raises(NotFound) as refused:
        await intake_once(app)

    assert "inkasso practice setup" in refused.value.user_message
    [(_, flags)] = folder_view(box)
    assert "\\Seen" not in flags
    add_practice(app, email=PRACTICE_EMAIL, onboarding_state=OnboardingState.REQUESTED)
    assert (await intake_once(app)).handled == 1
    assert state(app) == OnboardingState.CONTRACT_RECEIVED
    app.close()


async def test_a_mail_whose_action_is_refused_is_tried_again_next_pass(
    box: Dovecot, sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = mail_app(sqlite_url, tmp_path, box)
    box.deliver(corpus("agency_contract_genuine"), PRACTICE_EMAIL)

    def refuse(*args: object) -> str:
        raise PreconditionFailed("Gerade nicht möglich.", "test refusal")

    with monkeypatch.context() as patch:
        patch.setattr(handling, "act_on_agency_mail", refuse)
        early = await intake_once(app)
    later = await intake_once(app)

    assert (early.deferred, early.handled, later.handled) == (1, 0, 1)
    assert [r.outcome.split(":")[0] for r in records(app)] == ["done"]
    assert state(app) == OnboardingState.CONTRACT_RECEIVED
