"""The whole story, end to end, every peer real and on loopback (issue 7).

Access request by SMTP → contract mail → signing link in the chat → marked signed in the chat →
activation mail → `/forderung` + confirmation → `/zahlung` → a bank statement shows a transfer,
the chat asks, a tap reports it → the agency's clock moves on and it collects the rest → the
invoice is vollständig and the chat is told → the monthly statement arrives and reconciles →
`inkasso report monthly` gives the statement's figures → the dashboard in Chromium shows the case
vollständig and the statement reconciled.

The product runs as `inkasso run` / `inkasso dashboard` subprocesses configured only through the
environment; the test talks to it only as people and peers would (chat, mail, agency, browser)
and reads its database and the peers' records as evidence.

On SQLite with one worker; on PostgreSQL with two `inkasso run` workers at once, where nothing may
be sent twice and nothing lost.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import os
import re
import shutil
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from email import policy
from email.parser import BytesParser
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from core.bootstrap import build
from core.config import Settings
from core.db.models import (
    AuditEvent,
    BankTransaction,
    Claim,
    Invoice,
    MailRecord,
    Notification,
    OnboardingEvent,
    OutboxItem,
    Payment,
    PaymentSuggestion,
    Practice,
    Statement,
)
from core.domain.dates import today
from core.domain.money import format_eur
from core.domain.onboarding import OnboardingState
from core.finance1159.wire import from_json
from core.services.accounting.ledger import KIND_LABEL
from core.services.invoicing.invoice_import import import_invoices
from core.services.people.access import OPERATOR, Role
from tests.e2e.story_harness import Chat, ProcessGroup, button, product_env, wait_http
from tests.factories import add_practice, add_user, export_row, write_csv
from tests.integration.bank.camt_helpers import Entry, camt053
from tests.integration.collection.claims_helpers import RecordingSandbox, recording_sandbox
from tests.peers.botapi import TOKEN, BackgroundBotAPI
from tests.peers.mailserver import AUTHSERV_ID, PRACTICE_EMAIL, Dovecot, SmtpServer, mail_settings_for
from tests.peers.ports import free_port
from tests.peers.sandbox import SandboxHandle

pytestmark = [pytest.mark.timeout(170), pytest.mark.browser]

MAIL_DOMAIN = "1159finance.test"
SUPPORT_EMAIL = f"support@{MAIL_DOMAIN}"
PRACTICE_CHAT = -1001159
STAFF, MANAGER = 4711, 4712
LOGIN, PASSWORD = "chef", "ein-langes-dashboard-passwort"
INVOICE, OTHER_INVOICE = "R-2026-0042", "R-2026-0043"
DIRECT_PAYMENT = Decimal("30.00")
BANK_PAYMENT = Decimal("20.00")
REPO = Path(__file__).resolve().parents[2]
DEBTOR_FEE_KINDS = [KIND_LABEL[k] for k in ("collection_fee", "expenses", "reminder_fee", "interest")]
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


# -- the product's database, read as the test's own evidence ------------------------------------
@dataclass
class Records:
    engine: Engine

    def session(self) -> Session:
        return Session(self.engine, expire_on_commit=False)

    def all(self, model: Any, *where: Any) -> list[Any]:
        with self.session() as s:
            return list(s.exec(select(model).where(*where)).all())

    def practice(self) -> Practice:
        with self.session() as s:
            found = s.get(Practice, 1)
            assert found is not None
            return found

    def onboarding(self) -> OnboardingState:
        return OnboardingState(self.practice().onboarding_state)

    def invoice(self, number: str) -> Invoice:
        return self.all(Invoice, Invoice.number == number)[0]

    def claim(self, number: str) -> Claim | None:
        found = self.all(Claim, Claim.reference == number)
        return found[0] if found else None


# -- the 1159 Finance sandbox, seen through its API and controls ----------------------------------
@dataclass
class Agency:
    handle: SandboxHandle
    recording: RecordingSandbox

    def api(self, path: str, **params: Any) -> dict[str, Any]:
        headers = {"X-Auth-Id": self.handle.client_id, "X-Auth-Key": self.handle.api_key}
        response = httpx.get(f"{self.handle.base_url}{path}", params=params, headers=headers, timeout=10)
        response.raise_for_status()
        return from_json(response.content)

    def cases(self) -> list[dict[str, Any]]:
        return list(self.api("/cases", per_page=100)["cases"])

    def payments(self) -> list[dict[str, Any]]:
        return list(self.api("/payments", per_page=100)["payments"])

    def mail(self, kind: str, **body: Any) -> None:
        answer = self.handle.control(f"/mail/{kind}", body)
        assert answer.get("sent") == kind, answer


# -- fixtures -------------------------------------------------------------------------------------
@pytest.fixture
def agency(tmp_path: Path, smtp_server: SmtpServer) -> Iterator[Agency]:
    """A fresh sandbox that records every API request, its agency mails going through the SMTP
    relay into the practice mailbox."""
    with recording_sandbox(
        tmp_path / "sandbox",
        smtp_host=smtp_server.host,
        smtp_port=smtp_server.port,
        practice_email=PRACTICE_EMAIL,
        mail_domain=MAIL_DOMAIN,
    ) as recording:
        yield Agency(recording.handle, recording)


def _settings(
    database_url: str, data_dir: Path, agency: Agency, mail: dict[str, str], bot_api: BackgroundBotAPI
) -> dict[str, str]:
    return {
        **mail,
        "database_url": database_url,
        "data_dir": str(data_dir),
        "finance1159_base_url": agency.handle.base_url,
        "finance1159_client_id": agency.handle.client_id,
        "finance1159_api_key": agency.handle.api_key,
        "finance1159_mail_domain": MAIL_DOMAIN,
        "finance1159_backoff_base": "0.05",
        "finance1159_backoff_max": "0.2",
        "telegram_bot_token": TOKEN,
        "telegram_api_base_url": bot_api.base,
        "practice_chat_id": str(PRACTICE_CHAT),
        "support_email": SUPPORT_EMAIL,
        "mail_authserv_id": AUTHSERV_ID,
        "mail_require_auth_results": "true",
        "outbox_interval_seconds": "0.5",
        "outbox_lease_seconds": "30",
        "sync_interval_seconds": "0.5",
        "notify_interval_seconds": "0.5",
        "imap_poll_seconds": "1",
    }


def _set_up_practice(settings: dict[str, str], tmp_path: Path) -> None:
    """The practice before the story: not yet onboarded, two overdue reminded invoices, three people."""
    app = build(Settings(**settings))  # type: ignore[arg-type]
    try:
        add_practice(app, name="Physiotherapie am Markt", email=PRACTICE_EMAIL)
        add_user(app, role=Role.STAFF, telegram_id=STAFF, name="Anna Empfang")
        add_user(app, role=Role.MANAGER, telegram_id=MANAGER, name="Dr. Berg")
        add_user(app, role=Role.MANAGER, login=LOGIN, password=PASSWORD, name="Dr. Berg")
        export = write_csv(
            tmp_path / "export.csv",
            [
                export_row(INVOICE, amount="120,00", reminder=True, announced=True),
                export_row(OTHER_INVOICE, amount="80,00", reminder=True, announced=True, Vorname="Max"),
            ],
        )
        import_invoices(app.uow(), practice_id=app.practice_id, actor=OPERATOR, path=export)
    finally:
        app.close()


# -- the story ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("backend", "workers"),
    [
        pytest.param("sqlite", 1, id="sqlite"),
        pytest.param("postgres", 2, id="postgres-2-workers", marks=pytest.mark.postgres),
    ],
)
def test_the_whole_story_from_access_request_to_reconciled_statement(
    backend: str,
    workers: int,
    request: pytest.FixtureRequest,
    tmp_path: Path,
    mailbox_clean: Dovecot,
    smtp_server: SmtpServer,
    fake_botapi_background: BackgroundBotAPI,
    agency: Agency,
) -> None:
    bot_api = fake_botapi_background
    database_url = str(request.getfixturevalue(f"{backend}_url"))
    settings = _settings(
        database_url, tmp_path / "data", agency, mail_settings_for(mailbox_clean, smtp_server), bot_api
    )
    _set_up_practice(settings, tmp_path)
    records = Records(create_engine(database_url))
    chat = Chat(bot_api, PRACTICE_CHAT)
    group = ProcessGroup(cwd=tmp_path, env=product_env(settings))
    try:
        for n in range(1, workers + 1):
            group.start(f"worker-{n}", "run")
        ready = ("telegram bot running", "connected")  # every worker runs all four loops first
        group.wait(
            lambda: all(all(r in p.output() for r in ready) for p in group.processes),
            what="every worker polling the Bot API and watching the mailbox",
        )

        # 1. Zugang anfordern: the manager asks in the chat; the request goes out by SMTP.
        chat.say(MANAGER, "/inkasso anfordern")
        group.wait(
            lambda: [m for m in smtp_server.messages if SUPPORT_EMAIL in m.rcpt_tos],
            what=f"the access request mailed to {SUPPORT_EMAIL}",
        )
        group.wait(lambda: records.onboarding() == OnboardingState.REQUESTED, what="onboarding 'angefragt'")

        # 2. The agency mails the contract; the worker recognises it and posts the signing link.
        agency.mail("contract")
        link_message = group.wait(
            lambda: chat.find("/_sandbox/sign/"), what="the signing link in the practice chat"
        )[0]
        link = re.search(r"http://\S+/_sandbox/sign/[\w-]+", str(link_message.raw["text"]))
        assert link, link_message.raw["text"]
        assert records.onboarding() == OnboardingState.CONTRACT_RECEIVED
        assert httpx.get(link.group(0), timeout=10).status_code == 200  # the manager signs at the agency
        assert agency.handle.state()["signed"] == 1

        # 3. The manager marks it signed in the chat, as the notification says.
        assert "/inkasso unterschrieben" in str(link_message.raw["text"])
        chat.say(MANAGER, "/inkasso unterschrieben")
        group.wait(lambda: records.onboarding() == OnboardingState.SIGNED, what="onboarding 'unterschrieben'")
        group.wait(lambda: chat.find("Vertrag als unterschrieben vermerkt"), what="the manager's answer")

        # 4. The agency countersigns and mails the activation.
        agency.mail("activation")
        group.wait(lambda: records.onboarding() == OnboardingState.ACTIVE, what="onboarding 'aktiv'")
        group.wait(lambda: chat.find("„aktiv“"), what="the chat told the interface is active")
        started_on = records.practice().contract_start
        assert started_on is not None and started_on.isoformat() == agency.handle.state()["contract_start"]

        # 5. Forderung anlegen: the overview, then the confirmation button.
        before = len(chat.sent())
        chat.say(STAFF, f"/forderung {INVOICE}")
        preview = group.wait(
            lambda: [c for c in chat.sent()[before:] if button(c, "ok:")],
            what="the hand-over overview with its confirmation button",
        )[0]
        overview = str(preview.raw["text"])
        assert f"Übersicht – Forderung {INVOICE}" in overview and "Fallgebühr: kostenlos" in overview
        chat.press(STAFF, str(button(preview, "ok:")), int(preview.result["message_id"]))
        group.wait(
            lambda: chat.find(f"Forderung {INVOICE} ist an 1159 Finance übergeben (Fall 1)", after=before),
            what="the confirmation's answer: handed over",
        )
        group.wait(lambda: len(agency.cases()) == 1, what="one case at the agency")
        case = agency.cases()[0]
        assert case["reference"] == INVOICE

        # 6. Zahlung empfangen: the patient paid part to the practice; it is passed on.
        before = len(chat.sent())
        chat.say(STAFF, f"/zahlung {INVOICE} 30,00")
        group.wait(
            lambda: [p for p in agency.payments() if p["source"] == "creditor"],
            what="the direct payment reported to the agency",
        )
        group.wait(
            lambda: chat.find("Zahlung über 30,00 €", INVOICE, "An 1159 Finance gemeldet", after=before),
            what="the answer to /zahlung: passed on to the agency",
        )

        # 6b. The bank statement shows a transfer of the patient to the practice: imported, the
        # chat asks (initials only, as CHAT_PRIVACY=minimal allows), a tap reports it once.
        _bank_transfer_reported_by_a_tap(group, chat, agency, tmp_path, case["case_id"])

        # 7. The agency's clock moves on (letters, fees); the debtor pays the agency the rest.
        agency.handle.advance(1)
        group.wait(
            lambda: (c := records.claim(INVOICE)) and c.agency_status == "in_collection" and c.fees_total > 0,
            what="the agency's first letter and its fees synced",
        )
        outstanding = agency.api(f"/cases/{case['case_id']}")["case"]["outstanding"]
        if outstanding > 0:
            assert agency.handle.pay(case["case_id"], outstanding)["status"] == "paid"
        final_case = agency.api(f"/cases/{case['case_id']}")["case"]
        assert final_case["status"] == "paid" and final_case["outstanding"] == 0

        # 8. vollständig, and the chat is told.
        group.wait(lambda: records.invoice(INVOICE).status == "vollständig", what="the invoice 'vollständig'")
        group.wait(lambda: chat.find(INVOICE, "vollständig"), what="'vollständig' in the practice chat")

        # 9. The agency mails the monthly statement; it is kept and reconciled.
        # The agency's month, unless its clock ran past the practice's calendar month (on a
        # month's last day): a report for a month that has not begun yet is refused.
        month = min(str(agency.handle.state()["now"])[:7], today().strftime("%Y-%m"))
        agency.mail("statement", month=month)
        statement = group.wait(
            lambda: [s for s in records.all(Statement, Statement.month == month) if s.reconciliation],
            what=f"the statement {month} kept and reconciled",
        )[0]
        assert statement.parse_error == ""
        assert statement.reconciliation["ok"] is True, statement.reconciliation
        group.wait(
            lambda: chat.find(f"Monatsabrechnung {month[5:]}/{month[:4]} eingegangen", "stimmt mit unseren"),
            what="the chat told the statement came and matches our records",
        )

        # 10. The monthly report gives the statement's figures.
        _report_matches_statement(group, tmp_path, month, statement)
    finally:
        group.stop_all()
    for proc in group.processes:  # SIGTERM ends a worker cleanly, and nothing went wrong on the way
        assert proc.popen.returncode == 0, proc.tail()
        assert [line for line in proc.output().splitlines() if " ERROR " in line] == [], proc.tail()
    _nothing_twice_nothing_lost(records, chat, smtp_server, agency, mailbox_clean)
    records.engine.dispose()

    # 11. The dashboard, in Chromium, shows the case vollständig and the statement reconciled.
    try:
        _dashboard_shows_the_story(group, tmp_path, month)
    finally:
        group.stop_all()


def _bank_transfer_reported_by_a_tap(
    group: ProcessGroup, chat: Chat, agency: Agency, tmp_path: Path, case_id: int
) -> None:
    statement = tmp_path / "kontoauszug.xml"
    transfer = Entry("BANK-2026-4711", BANK_PAYMENT, "Erika Mustermann", ("Rg. R-2026-00", "42 Rest folgt"))
    statement.write_bytes(camt053(dataclasses.replace(transfer, booked_on=today())))
    before = len(chat.sent())
    imported = group.run("import", "bank", str(statement))
    assert imported.returncode == 0, imported.stdout + imported.stderr
    assert "1 Buchungen neu, 0 schon bekannt, 1 einer Rechnung zugeordnet" in imported.stdout
    assert "0 sofort als bezahlt verbucht (ohne Forderung bei 1159 Finance), 1 warten" in imported.stdout
    again = group.run("import", "bank", str(statement))  # the same file again: nothing new, no question
    assert "0 Buchungen neu, 1 schon bekannt, 0 einer Rechnung zugeordnet" in again.stdout, again.stdout
    question = group.wait(
        lambda: [c for c in chat.sent()[before:] if button(c, "payok:")],
        what="the chat asked about the bank transfer, with its buttons",
    )[0]
    text = str(question.raw["text"])
    assert text.startswith(f"Zahlung erkannt: {INVOICE}, {format_eur(BANK_PAYMENT)} am ")
    assert "(Überweisung von E. M.)" in text and "Mustermann" not in text and "Erika" not in text
    assert button(question, "payno:") is not None
    chat.press(STAFF, str(button(question, "payok:")), int(question.result["message_id"]))
    group.wait(
        lambda: chat.find(f"Zahlung über {format_eur(BANK_PAYMENT)}", INVOICE, "An 1159 Finance gemeldet"),
        what="the tap's answer: reported to the agency",
    )
    reported = [p for p in agency.payments() if p["source"] == "creditor" and p["case_id"] == case_id]
    assert sorted(p["amount"] for p in reported) == sorted([DIRECT_PAYMENT, BANK_PAYMENT])
    chat.press(STAFF, str(button(question, "payok:")), int(question.result["message_id"]))  # again
    group.wait(
        lambda: chat.find("wurde bereits angenommen", "nur einmal gemeldet"),
        what="a second tap answered: already accepted, reported once",
    )


def _nothing_twice_nothing_lost(
    records: Records, chat: Chat, smtp: SmtpServer, agency: Agency, dovecot: Dovecot
) -> None:
    # One access request mail, from the practice's address to support.
    to_support = [m for m in smtp.messages if SUPPORT_EMAIL in m.rcpt_tos]
    assert len(to_support) == 1, [m.rcpt_tos for m in smtp.messages]
    request = BytesParser(policy=policy.default).parsebytes(to_support[0].data)
    assert PRACTICE_EMAIL in str(request["From"]) and SUPPORT_EMAIL in str(request["To"])

    # The agency's three mails are kept, moved out of the inbox into the product's folder.
    assert dovecot.messages(PRACTICE_EMAIL, "INBOX") == []
    kept = dovecot.messages(PRACTICE_EMAIL, "Praxis-Inkasso")
    assert sorted(m.from_ for m in kept) == sorted(
        [f"vertrag@{MAIL_DOMAIN}", f"vertrag@{MAIL_DOMAIN}", f"abrechnung@{MAIL_DOMAIN}"]
    )

    # The onboarding went each step once, by the way the story took it.
    events = sorted(records.all(OnboardingEvent), key=lambda e: (e.at, e.id))
    assert [(e.to_state, e.via) for e in events] == [
        (OnboardingState.REQUESTED, "chat"),
        (OnboardingState.CONTRACT_RECEIVED, "mail"),
        (OnboardingState.SIGNED, "chat"),
        (OnboardingState.ACTIVE, "mail"),
    ]

    # Every update was answered by one worker only: no message went to the chat twice.
    texts = chat.texts()
    assert len(texts) == len(set(texts)), [t for t in texts if texts.count(t) > 1]
    # Every chat notification was sent exactly once (a burst shares one message), none left behind.
    notes = records.all(Notification)
    assert notes and all(n.delivered_at is not None for n in notes)
    for note in notes:
        assert sum(t.count(note.text) for t in texts) == 1, (note.kind, note.text, texts)

    # Each agency mail acted on once; the statement kept once.
    incoming = records.all(MailRecord, MailRecord.direction == "in")
    assert sorted(m.kind for m in incoming) == sorted(
        ["agency_contract", "agency_activation", "agency_statement"]
    ), [(m.kind, m.outcome) for m in incoming]
    assert all(m.outcome.startswith("done") for m in incoming), [m.outcome for m in incoming]
    assert len(records.all(Statement)) == 1

    # At the agency: one claim sent and one case for the one invoice handed over, one payment
    # report sent and stored per payment recorded (typed in the chat, and from the bank).
    [claim_sent] = agency.recording.calls("POST", "/claims")
    assert b"Honorarforderung" in claim_sent.body and b"Krankengymnastik" not in claim_sent.body
    assert len(agency.recording.calls("POST", "/payments")) == 2
    assert [c["reference"] for c in agency.cases()] == [INVOICE]
    creditor = [p for p in agency.payments() if p["source"] == "creditor"]
    assert sorted(p["amount"] for p in creditor) == sorted([DIRECT_PAYMENT, BANK_PAYMENT])
    ours = records.all(Payment, col(Payment.source) == "practice")
    assert sorted((p.amount, p.origin, p.delivery) for p in ours) == sorted(
        [(DIRECT_PAYMENT, "chat", "sent"), (BANK_PAYMENT, "bank", "sent")]
    )
    [suggested] = records.all(PaymentSuggestion)
    assert (suggested.state, suggested.decided_by) == ("accepted", f"telegram:{STAFF}")
    assert len(records.all(BankTransaction)) == 1
    agency_paid = sum((p["amount"] for p in agency.payments() if p["source"] == "agency"), Decimal(0))
    synced = records.all(Payment, col(Payment.source) == "agency")
    assert sum((p.amount for p in synced), Decimal(0)) == agency_paid
    assert len({p.reference for p in synced}) == len(synced)

    # Every write to the agency went through the outbox and is done.
    outbox = records.all(OutboxItem)
    assert sorted(i.kind for i in outbox) == ["claim", "payment", "payment"]
    assert [(i.state, i.attempts, i.last_error) for i in outbox] == [("done", 0, "")] * 3

    # Each step that touches money or the onboarding is on record once.
    actions = Counter(e.action for e in records.all(AuditEvent))
    once = [
        "onboarding.request",
        "onboarding.contract-received",
        "onboarding.signed",
        "onboarding.activate",
        "claim.create",
        "claim.submitted",
        "payment.record",
        "payment_suggestion.accept",
        "invoice.complete",
        "statement.receive",
        "report.monthly",
    ]
    assert {a: actions[a] for a in once} == dict.fromkeys(once, 1), actions
    assert actions["payment.reported"] == 2, actions  # the typed payment and the bank's
    assert actions["bank.import"] == 2, actions  # the statement, and the same file again

    # The other invoice was never handed over.
    assert records.claim(OTHER_INVOICE) is None
    assert records.invoice(INVOICE).status == "vollständig"


def _dashboard_shows_the_story(group: ProcessGroup, tmp_path: Path, month: str) -> None:
    """The manager logs in to `inkasso dashboard` in Chromium: the case is vollständig, the statement
    reconciled. Screenshots go to the test's folder (and to docs/ with UPDATE_SCREENSHOT=1)."""
    browser_path = chromium_or_skip()
    from playwright.sync_api import expect, sync_playwright

    port = free_port()
    group.start("dashboard", "dashboard", "--port", str(port))
    base = f"http://127.0.0.1:{port}"
    wait_http(f"{base}/_stcore/health", group=group)
    label = f"{month[5:]}/{month[:4]}"
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=browser_path, headless=True, args=CHROMIUM_FLAGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000}, locale="de-DE")
            page.set_default_timeout(30_000)
            page.goto(base)
            page.get_by_label("Benutzername").fill(LOGIN)
            page.get_by_label("Passwort").fill(PASSWORD)
            page.get_by_role("button", name="Anmelden").click()
            expect(page.get_by_role("heading", name="Übersicht")).to_be_visible()

            nav = page.get_by_test_id("stSidebarNav")
            nav.get_by_role("link", name="Fälle").click()
            expect(page.get_by_role("heading", name="Inkasso-Fälle")).to_be_visible()
            _screenshot(page, tmp_path / "dashboard-faelle.png", cells=(INVOICE, "vollständig bezahlt"))

            page.get_by_role("button", name="Öffnen").click()
            expect(page.get_by_role("heading", name=f"Fall: Rechnung {INVOICE}")).to_be_visible()
            expect(
                page.get_by_text("Vollständig: 1159 Finance hat den vollen Betrag erhalten.")
            ).to_be_visible()
            timeline = ("Rechnung vollständig bezahlt", "Gebühr: Inkassokosten", "Zahlung an 1159 Finance")
            _screenshot(page, tmp_path / "dashboard-fall.png", cells=timeline, publish=True)

            nav.get_by_role("link", name="Monatsabrechnungen").click()
            expect(page.get_by_role("heading", name="Monatsabrechnungen")).to_be_visible()
            expect(page.get_by_text(f"Abgleich {label}: Stimmt überein")).to_be_visible()
            _screenshot(page, tmp_path / "dashboard-abrechnungen.png", cells=(label,))
        finally:
            browser.close()


def _screenshot(page: Any, path: Path, *, cells: tuple[str, ...] = (), publish: bool = False) -> None:
    """A picture of a finished page: Streamlit's run over, the tables' `cells` there, painted."""
    page.get_by_test_id("stStatusWidget").wait_for(state="hidden")  # shown while a script runs
    for text in cells:  # st.dataframe's canvas grid mirrors its cells in hidden accessibility cells
        page.get_by_text(text, exact=True).first.wait_for(state="attached")
    # Two animation frames: the grid paints its canvas in the frame after its data arrived.
    page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
    page.screenshot(path=str(path), full_page=True)
    if publish and os.environ.get("UPDATE_SCREENSHOT") == "1":
        shutil.copyfile(path, REPO / "docs" / "dashboard.png")


def chromium_or_skip() -> str:
    """Debian's Chromium; missing, it skips on a developer's machine and fails under CI."""
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        message = "Playwright is not installed; run: pip install -e '.[test]' (or scripts/test)"
    else:
        if found:
            return found
        message = "Chromium is not installed; run: apt-get install -y chromium (or scripts/test)"
    if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
        pytest.fail(message)
    pytest.skip(message)


def _german(text: str) -> Decimal:
    return Decimal(text.replace(".", "").replace(",", "."))


def _report_matches_statement(group: ProcessGroup, tmp_path: Path, month: str, statement: Statement) -> None:
    """`inkasso report monthly` (CSV) against the agency's own statement CSV, read independently."""
    assert statement.csv_data is not None
    theirs: dict[str, Decimal] = {}
    for row in csv.DictReader(io.StringIO(statement.csv_data.decode("utf-8-sig")), delimiter=";"):
        theirs[row["Buchungsart"]] = theirs.get(row["Buchungsart"], Decimal(0)) + _german(row["Betrag"])
    debtor_fees = sum((theirs.get(k, Decimal(0)) for k in DEBTOR_FEE_KINDS), Decimal(0))

    out = tmp_path / f"Inkasso-Monatsbericht_{month}.csv"
    result = group.run("report", "monthly", month, "--format", "csv", "--out", str(out))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Stimmt überein" in result.stdout, result.stdout
    rows = list(csv.reader(io.StringIO(out.read_text(encoding="utf-8-sig")), delimiter=";"))
    header, total = rows[0], next(r for r in rows if r and r[0] == "Summe")
    figures = dict(zip(header, total, strict=False))
    assert _german(figures["Zahlungen an 1159 Finance"]) == theirs.get("Zahlung Schuldner", Decimal(0))
    assert _german(figures["Gebühren Schuldner"]) == debtor_fees
    assert _german(figures["Fallgebühr Praxis"]) == theirs.get("Fallgebühr", Decimal(0))
    if "Zahlung Schuldner" in theirs:  # the agency's month (see the note on `month`)
        assert [r[1] for r in rows[1:-1]] == [INVOICE]
        assert theirs["Zahlung Schuldner"] > 0 and debtor_fees > 0
        paid, fees = format_eur(theirs["Zahlung Schuldner"]), format_eur(debtor_fees)
        assert f"Zahlungen an 1159 Finance {paid} · Gebühren Schuldner {fees}" in result.stdout
    else:  # the agency's clock ran into the next month: nothing of the agency's in this one
        assert "keine Buchungen über 1159 Finance" in result.stdout, result.stdout
