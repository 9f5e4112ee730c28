"""The dashboard in a real browser: Debian's Chromium, driven by Playwright, against `streamlit run`.

Logs in, opens Fälle, opens a case, records a payment through the form, saves a screenshot.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlmodel import select

from core.db.models import Invoice, Payment
from core.services.collection import claims
from core.services.people.access import Actor, Role
from tests.factories import make_app
from tests.integration.dashboard.dashboard_helpers import APP, PASSWORD, make_dash
from tests.peers.ports import free_port
from tests.peers.sandbox import SandboxHandle, make_finance_client

pytestmark = pytest.mark.browser
CHROMIUM = Path("/usr/bin/chromium")
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def _need_chromium() -> None:
    if CHROMIUM.exists():
        return
    message = "Debian's Chromium fehlt (/usr/bin/chromium); installieren mit: apt-get install -y chromium"
    if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture
def streamlit_server(tmp_path: Path, sandbox: SandboxHandle) -> Iterator[tuple[str, object]]:
    """The product with data and a case at the sandbox, and its dashboard on a free port."""
    _need_chromium()
    url = f"sqlite:///{tmp_path / 'browser.db'}"
    agency = {
        "FINANCE1159_BASE_URL": sandbox.base_url,
        "FINANCE1159_CLIENT_ID": sandbox.client_id,
        "FINANCE1159_API_KEY": sandbox.api_key,
    }
    app = make_app(url, tmp_path, **{k.lower(): v for k, v in agency.items()})
    made = make_dash(app)
    _hand_over(app, sandbox, "R-9")
    port = free_port()
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("FINANCE1159_", "DATABASE_", "SMTP_", "IMAP_"))
    }
    env.update({"DATABASE_URL": url, "DATA_DIR": str(tmp_path), **agency, "FINANCE1159_MAX_ATTEMPTS": "2"})
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(APP.parents[1]), env.get("PYTHONPATH")]))
    command = [
        sys.executable, "-m", "streamlit", "run", str(APP),
        "--server.headless", "true", "--server.port", str(port), "--server.address", "127.0.0.1",
        "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none",
        "--client.toolbarMode", "minimal",
    ]  # fmt: skip
    log = (tmp_path / "streamlit.log").open("wb")
    proc = subprocess.Popen(command, env=env, cwd=tmp_path, stdout=log, stderr=subprocess.STDOUT)
    try:
        _wait_healthy(f"http://127.0.0.1:{port}", proc)
        yield f"http://127.0.0.1:{port}/", made
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()
        app.close()


def _hand_over(app: object, sandbox: SandboxHandle, number: str) -> None:
    async def go() -> None:
        finance = make_finance_client(sandbox)
        try:
            await claims.create(
                app.uow(),  # type: ignore[attr-defined]
                finance=finance,
                practice_id=1,
                actor=Actor(Role.STAFF, "test"),
                number=number,
            )
        finally:
            await finance.aclose()

    asyncio.run(go())


def _wait_healthy(root: str, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"streamlit ended early with {proc.returncode}")
        try:
            if httpx.get(f"{root}/_stcore/health", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise TimeoutError("streamlit did not become healthy within 30 s")


def test_log_in_open_a_case_and_record_a_payment_in_chromium(
    streamlit_server: tuple[str, object], tmp_path: Path
) -> None:
    from playwright.sync_api import sync_playwright

    root, made = streamlit_server
    shot = tmp_path / "dashboard-fall.png"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=FLAGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000}, locale="de-DE")
            page.goto(root)
            page.get_by_label("Benutzername").fill("chefin")
            page.get_by_label("Passwort").fill(PASSWORD)
            page.get_by_role("button", name="Anmelden").click()
            page.get_by_role("heading", name="Übersicht").wait_for(timeout=30_000)
            page.locator('[data-testid="stSidebarNav"] a', has_text="Fälle").click()
            page.get_by_role("heading", name="Inkasso-Fälle").wait_for(timeout=30_000)
            page.get_by_text("5 Fälle, Seite 1 von 1").wait_for(timeout=30_000)
            page.get_by_role("button", name="Öffnen").click()
            page.get_by_role("heading", name="Fall: Rechnung R-9").wait_for(timeout=30_000)
            page.get_by_label("Betrag (z. B. 50,00)").fill("25,00")
            page.get_by_role("button", name="Zahlung erfassen").click()
            page.get_by_text("Zahlung über 25,00 €").wait_for(timeout=30_000)
            page.get_by_text("An 1159 Finance gemeldet", exact=False).first.wait_for(timeout=30_000)
            # st.dataframe draws on a canvas; its text sits in hidden cells (attached, not visible)
            page.get_by_text("Zahlung direkt an die Praxis").first.wait_for(state="attached", timeout=30_000)
            page.locator('[data-testid="stDataFrame"] canvas').first.wait_for(timeout=30_000)
            page.wait_for_timeout(500)
            page.screenshot(path=str(shot), full_page=True)
        finally:
            browser.close()
    assert shot.stat().st_size > 10_000
    with made.app.uow() as uow:  # type: ignore[attr-defined]
        paid = uow.session.exec(select(Payment).join(Invoice).where(Invoice.number == "R-9")).all()
    assert [(str(p.amount), p.source, p.delivery) for p in paid] == [("25.00", "practice", "sent")]


def test_a_login_survives_a_reload_and_a_deep_link_and_logout_ends_it_in_every_tab(
    streamlit_server: tuple[str, object],
) -> None:
    from playwright.sync_api import Page, sync_playwright

    root, _ = streamlit_server

    def login_form(page: Page) -> None:
        page.get_by_role("button", name="Anmelden").wait_for(timeout=30_000)

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=FLAGS)
        try:
            context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="de-DE")
            page = context.new_page()
            page.goto(root + "ueberfaellig")  # a deep link before logging in: the login, then the page
            login_form(page)
            page.get_by_label("Benutzername").fill("chefin")
            page.get_by_label("Passwort").fill(PASSWORD)
            page.get_by_role("button", name="Anmelden").click()
            page.get_by_role("heading", name="Überfällige Rechnungen").wait_for(timeout=30_000)
            page.wait_for_timeout(500)  # the page run after the login hands the cookie to the browser
            cookies = {c["name"]: c for c in context.cookies()}
            assert cookies["inkasso_sitzung"]["sameSite"] == "Strict"
            assert "chefin" not in str(cookies) and PASSWORD not in str(cookies)
            page.reload()  # F5
            page.get_by_role("heading", name="Überfällige Rechnungen").wait_for(timeout=30_000)
            other = context.new_page()  # a deep link typed into another tab
            other.goto(root + "faelle")
            other.get_by_role("heading", name="Inkasso-Fälle").wait_for(timeout=30_000)
            other.goto(root + "gibt-es-nicht")
            other.get_by_text("Diese Seite gibt es nicht.", exact=False).wait_for(timeout=30_000)
            assert other.get_by_text("Page not found").count() == 0
            other.goto(root + "faelle")
            other.get_by_role("heading", name="Inkasso-Fälle").wait_for(timeout=30_000)
            page.get_by_role("button", name="Abmelden").click()
            login_form(page)
            # the other tab's login ended too: its next click, without a reload, shows the login
            other.locator('[data-testid="stSidebarNav"] a', has_text="Gebühren").click()
            login_form(other)
            other.reload()
            login_form(other)
            other.goto(root + "ueberfaellig")
            login_form(other)
            assert other.get_by_role("heading", name="Überfällige Rechnungen").count() == 0
        finally:
            browser.close()
