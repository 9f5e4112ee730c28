"""The first start in a real browser (Debian's Chromium, Playwright, `streamlit run`) on an empty
database: the practice's data, the first manager login, logging in, the overview, and the first
import with its preview."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import select

from core.db.models import Invoice, Practice, User
from tests.e2e.test_dashboard_browser import CHROMIUM, FLAGS, _need_chromium, _wait_healthy
from tests.factories import export_row, make_app, write_csv
from tests.integration.dashboard.dashboard_helpers import APP, PASSWORD
from tests.peers.ports import free_port

pytestmark = pytest.mark.browser
PRACTICE = {
    "Name der Praxis *": "Physiotherapie am Rhein",
    "Straße und Hausnummer *": "Rheinallee 12",
    "PLZ *": "51373",
    "Ort *": "Leverkusen",
    "E-Mail-Adresse der Praxis *": "empfang@physio-rhein.de",
    "IBAN (freiwillig)": "DE89 3704 0044 0532 0130 00",
}


@pytest.fixture
def empty_dashboard(tmp_path: Path) -> Iterator[str]:
    """`streamlit run` on a database that has never seen a practice."""
    _need_chromium()
    url = f"sqlite:///{tmp_path / 'erststart.db'}"
    port = free_port()
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("FINANCE1159_", "DATABASE_", "PRACTICE_"))
    }
    env.update({"DATABASE_URL": url, "DATA_DIR": str(tmp_path)})
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
        yield f"http://127.0.0.1:{port}/"
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


def test_the_first_start_sets_up_the_practice_and_a_manager_who_then_logs_in(
    empty_dashboard: str, tmp_path: Path
) -> None:
    from playwright.sync_api import sync_playwright

    shot = tmp_path / "erststart.png"
    export = write_csv(tmp_path / "export.csv", [export_row("RE-2026-1"), export_row("RE-2026-2")])
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=FLAGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000}, locale="de-DE")
            # a deep link and an unknown address before the set-up: German, never "Page not found"
            page.goto(empty_dashboard + "gibt-es-nicht")
            page.get_by_text("Diese Seite gibt es nicht.").wait_for(timeout=30_000)
            assert page.get_by_text("Page not found").count() == 0
            page.goto(empty_dashboard + "ueberfaellig")
            page.get_by_role("heading", name="Praxis-Inkasso einrichten").wait_for(timeout=30_000)
            assert page.get_by_text("Page not found").count() == 0
            for label, value in PRACTICE.items():
                page.get_by_role("textbox", name=label, exact=True).fill(value)
            code = (tmp_path / "einrichtungscode.txt").read_text(encoding="ascii").strip()
            page.get_by_role("textbox", name="Einrichtungscode *", exact=True).fill(code.lower())
            page.get_by_role("button", name="Praxis anlegen").click()
            page.get_by_text("Schritt 2 von 2: erste Praxisleitung").wait_for(timeout=30_000)
            page.get_by_role("textbox", name="Login-Name", exact=True).fill("chefin")
            page.get_by_role("textbox", name="Passwort (mindestens 10 Zeichen)", exact=True).fill(PASSWORD)
            page.get_by_role("textbox", name="Passwort wiederholen", exact=True).fill(PASSWORD)
            page.get_by_role("button", name="Praxisleitung anlegen").click()
            page.get_by_text("Die Einrichtung ist abgeschlossen. Bitte melden Sie sich jetzt an.").wait_for(
                timeout=30_000
            )
            page.get_by_label("Benutzername").fill("chefin")
            page.get_by_label("Passwort", exact=True).fill(PASSWORD)
            page.get_by_role("button", name="Anmelden").click()
            # the page asked for before the set-up follows the login
            page.get_by_role("heading", name="Überfällige Rechnungen").wait_for(timeout=30_000)
            # deep links keep the login (a long menu folds its last entries away)
            page.goto(empty_dashboard + "praxisdaten")
            page.get_by_role("heading", name="Praxisdaten").wait_for(timeout=30_000)
            page.goto(empty_dashboard + "import")
            page.get_by_role("heading", name="Import").wait_for(timeout=30_000)
            page.locator('input[type="file"]').first.set_input_files(str(export))
            page.get_by_text("Vorschau (erste Zeilen)").wait_for(timeout=30_000)
            page.get_by_text("2 Rechnungen: 2 neu").wait_for(timeout=30_000)
            assert _stored_numbers(tmp_path) == []  # the preview stored nothing
            page.screenshot(path=str(shot), full_page=True)
            page.get_by_role("button", name="Importieren").click()
            page.get_by_text("Importiert: 2 neu").wait_for(timeout=30_000)
        finally:
            browser.close()
    assert shot.stat().st_size > 10_000
    app = make_app(f"sqlite:///{tmp_path / 'erststart.db'}", tmp_path)
    try:
        with app.uow() as uow:
            [practice] = uow.session.exec(select(Practice)).all()
            [manager] = uow.session.exec(select(User)).all()
            assert (practice.name, practice.iban) == ("Physiotherapie am Rhein", "DE89370400440532013000")
            assert (manager.login, manager.role) == ("chefin", "manager")
    finally:
        app.close()
    assert _stored_numbers(tmp_path) == ["RE-2026-1", "RE-2026-2"]


def _stored_numbers(tmp_path: Path) -> list[str]:
    app = make_app(f"sqlite:///{tmp_path / 'erststart.db'}", tmp_path)
    try:
        with app.uow() as uow:
            return sorted(i.number for i in uow.session.exec(select(Invoice)).all())
    finally:
        app.close()
