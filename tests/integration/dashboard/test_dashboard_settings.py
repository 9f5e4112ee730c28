"""The dashboard's first start (set-up page) and Einstellungen: Praxisdaten, Inkasso, Buchhaltung."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import col, select
from streamlit.testing.v1 import AppTest

from core.db.models import AuditEvent, BookSettings, Practice, User
from core.domain.onboarding import OnboardingState
from core.services.people.access import Role
from core.services.setup import setup_code
from tests.factories import add_practice, add_user, make_app
from tests.integration.dashboard.dashboard_helpers import (  # noqa: F401
    APP,
    PASSWORD,
    Dash,
    _shared_dash,
    button,
    dashboard_env,
    texts,
)

SETTINGS = {
    "settings_practice.py": "Praxisdaten",
    "settings_agency.py": "Inkasso bei 1159 Finance",
    "settings_books.py": "Buchhaltung",
}
PRACTICE = {
    "name": "Praxis *Sonne* am Rhein",
    "street": "Rheinallee 12",
    "zip": "51373",
    "city": "Leverkusen",
    "email": "empfang@sonne-rhein.de",
    "iban": "DE89 3704 0044 0532 0130 00",
}
SECRET_KEY = "geheimer-schluessel-der-praxis-4711"


@pytest.fixture(name="empty_env")
def _empty_env(tmp_path: Path) -> Iterator[dict[str, str]]:
    """A dashboard on a database without any practice (the first start)."""
    with dashboard_env(tmp_path) as env:
        yield env


@pytest.fixture(name="fresh_practice")
def _fresh_practice(tmp_path: Path) -> Iterator[Dash]:
    """A practice that has not asked 1159 Finance yet, a manager and a staff login, a real API key."""
    settings = {"finance1159_api_key": SECRET_KEY, "finance1159_client_id": "praxis-4711"}
    with dashboard_env(tmp_path, **settings) as env:
        app = make_app(env["DATABASE_URL"], tmp_path, **settings)
        try:
            add_practice(app, onboarding_state=OnboardingState.NOT_REQUESTED)
            ids = {
                "manager": add_user(app, role=Role.MANAGER, login="chefin", password=PASSWORD).id,
                "staff": add_user(app, role=Role.STAFF, login="anna", password=PASSWORD).id,
            }
            yield Dash(app, ids)
        finally:
            app.close()


def _fill(at: AppTest, prefix: str, values: dict[str, str]) -> None:
    for name, value in values.items():
        at.text_input(key=f"{prefix}_{name}").input(value)


def _code(env: dict[str, str]) -> str:
    """What the person at the server reads with `inkasso practice setup-code`."""
    return (Path(env["DATA_DIR"]) / setup_code.CODE_FILE).read_text(encoding="ascii").strip()


def _stored(url: str) -> list[Practice]:
    app = make_app(url, Path("."))
    try:
        with app.uow() as uow:
            return list(uow.session.exec(select(Practice)).all())
    finally:
        app.close()


def test_the_first_start_sets_up_the_practice_then_the_first_manager_then_asks_to_log_in(
    empty_env: dict[str, str],
) -> None:
    at = AppTest.from_file(str(APP), default_timeout=30).run()
    assert not at.exception and not at.error
    assert at.title[0].value == "Praxis-Inkasso einrichten"
    assert "Schritt 1 von 2: Praxisdaten" in texts(at)

    _fill(at, "setup", PRACTICE)
    button(at, "Praxis anlegen").click().run()  # without the code: nothing is made
    assert [e.value for e in at.error] == [
        "Bitte den Einrichtungscode eingeben. Den Einrichtungscode zeigt \\`inkasso practice setup-code\\` "
        "auf dem Rechner mit Praxis-Inkasso."
    ]
    assert _stored(empty_env["DATABASE_URL"]) == []
    at.text_input(key="setup_code").input(_code(empty_env))
    button(at, "Praxis anlegen").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert "Schritt 2 von 2: erste Praxisleitung" in texts(at)
    # The name is shown as typed, never as markdown
    assert [s.value for s in at.success] == ["Praxis „Praxis \\*Sonne\\* am Rhein“ angelegt."]

    at.text_input(key="setup_login").input("chefin")
    at.text_input(key="setup_pw").input(PASSWORD)
    at.text_input(key="setup_pw2").input(PASSWORD)
    button(at, "Praxisleitung anlegen").click().run()
    assert not at.exception and not at.error
    assert "Die Einrichtung ist abgeschlossen. Bitte melden Sie sich jetzt an." in texts(at)

    at.text_input(key="login_name").input("chefin")
    at.text_input(key="login_password").input(PASSWORD)
    button(at, "Anmelden").click().run()
    assert not at.exception
    assert at.title[0].value == "Übersicht"
    [stored] = _stored(empty_env["DATABASE_URL"])
    assert (stored.name, stored.email, stored.iban) == (
        PRACTICE["name"],
        "empfang@sonne-rhein.de",
        "DE89370400440532013000",
    )


def test_the_set_up_page_refuses_a_malformed_iban_and_stores_nothing(empty_env: dict[str, str]) -> None:
    at = AppTest.from_file(str(APP), default_timeout=30).run()
    _fill(at, "setup", {**PRACTICE, "iban": "DE89 3704 0044 0532 0130 01", "zip": "123"})
    at.text_input(key="setup_code").input(_code(empty_env))
    button(at, "Praxis anlegen").click().run()

    assert not at.exception
    [error] = [e.value for e in at.error]
    assert "IBAN: „DE89 3704 0044 0532 0130 01“ ist keine gültige IBAN." in error
    assert "PLZ: „123“ ist keine deutsche Postleitzahl." in error
    assert "Schritt 1 von 2: Praxisdaten" in texts(at)
    assert _stored(empty_env["DATABASE_URL"]) == []


def test_the_set_up_page_refuses_two_different_passwords(empty_env: dict[str, str]) -> None:
    at = AppTest.from_file(str(APP), default_timeout=30).run()
    _fill(at, "setup", PRACTICE)
    at.text_input(key="setup_code").input(_code(empty_env))
    button(at, "Praxis anlegen").click().run()
    at.text_input(key="setup_login").input("chefin")
    at.text_input(key="setup_pw").input(PASSWORD)
    at.text_input(key="setup_pw2").input(PASSWORD + "x")
    button(at, "Praxisleitung anlegen").click().run()

    assert [e.value for e in at.error] == [
        "Die beiden Passwörter stimmen nicht überein. Bitte noch einmal eingeben."
    ]
    assert "Schritt 2 von 2: erste Praxisleitung" in texts(at)


def test_once_a_manager_can_log_in_the_set_up_page_is_gone_and_creates_nobody(shared_dash: Dash) -> None:
    at = shared_dash.run(None)
    with pytest.raises(ValueError, match=r"Known pages: \['.*login.py'\]"):
        at.switch_page("views/setup.py")
    direct = AppTest.from_file(str(APP.parent / "views" / "setup.py"), default_timeout=30).run()
    assert not direct.exception
    assert "Die Einrichtung ist abgeschlossen. Bitte anmelden." in texts(direct)
    assert not direct.text_input


@pytest.mark.parametrize("page", sorted(SETTINGS))
def test_managers_open_every_settings_page(shared_dash: Dash, page: str) -> None:
    at = shared_dash.run("manager", f"views/{page}")
    assert not at.exception, at.exception
    assert at.title[0].value == SETTINGS[page]
    assert not at.error


@pytest.mark.parametrize("page", sorted(SETTINGS))
def test_staff_are_refused_every_settings_page_and_do_not_see_it(shared_dash: Dash, page: str) -> None:
    at = shared_dash.run("staff")
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page(f"views/{page}")
    direct = shared_dash.run_page("staff", page)
    assert not direct.exception
    assert [e.value for e in direct.error] == ["Diese Seite ist nur für Praxisleitungen."]
    assert not direct.title and not direct.text_input and not direct.button


@pytest.mark.parametrize("page", sorted(SETTINGS))
def test_not_logged_in_every_settings_page_asks_to_log_in(shared_dash: Dash, page: str) -> None:
    at = shared_dash.run_page(None, page)
    assert not at.exception
    assert [w.value for w in at.warning] == ["Bitte zuerst anmelden."]
    assert not at.title and not at.text_input


def test_praxisdaten_saves_changed_fields_with_audit_entries_and_refuses_a_bad_iban(
    fresh_practice: Dash,
) -> None:
    at = fresh_practice.run("manager", "views/settings_practice.py")
    assert at.text_input(key="practice_email").value == "praxis@example.org"
    at.text_input(key="practice_iban").input("DE00 1111")
    button(at, "Speichern").click().run()
    assert not at.exception
    assert "IBAN: „DE00 1111“ ist keine gültige IBAN." in at.error[0].value

    at.text_input(key="practice_iban").input("DE89370400440532013000")
    at.text_input(key="practice_email").input("post@testhof-physio.de")
    button(at, "Speichern").click().run()

    assert not at.exception and not at.error
    assert [s.value for s in at.success] == ["Gespeichert: E-Mail-Adresse der Praxis, IBAN."]
    assert at.text_input(key="practice_iban").value == "DE89 3704 0044 0532 0130 00"
    with fresh_practice.app.uow() as uow:
        events = uow.session.exec(
            select(AuditEvent).where(AuditEvent.action == "practice.set").order_by(col(AuditEvent.id))
        ).all()
        assert [(e.actor, e.details["field"]) for e in events] == [
            ("dashboard:chefin", "email"),
            ("dashboard:chefin", "iban"),
        ]
    # saving again unchanged (the IBAN shown grouped) changes nothing
    button(at, "Speichern").click().run()
    assert [s.value for s in at.success] == ["Nichts geändert."]


def test_inkasso_starts_the_set_up_and_reports_the_key_as_set_without_showing_it(
    fresh_practice: Dash,
) -> None:
    at = fresh_practice.run("manager", "views/settings_agency.py")
    assert not at.exception and not at.error
    shown = texts(at)
    assert "Onboarding nicht angefragt" in shown
    assert "praxis@example.org" in shown
    assert "Client-ID: praxis-4711" in shown
    assert "API-Schlüssel: hinterlegt (wird nicht angezeigt)." in shown
    assert SECRET_KEY not in shown

    button(at, "Einrichtung starten").click().run()

    assert not at.exception and not at.error
    assert "kein Mailserver eingerichtet" in at.success[0].value
    assert "Onboarding angefragt" in texts(at)
    assert not [b for b in at.button if b.label == "Einrichtung starten"]
    with fresh_practice.app.uow() as uow:
        assert uow.session.get(Practice, 1).onboarding_state == "angefragt"  # type: ignore[union-attr]


def test_inkasso_says_when_the_api_key_is_still_the_demo_placeholder(shared_dash: Dash) -> None:
    at = shared_dash.run("manager", "views/settings_agency.py")
    assert "API-Schlüssel: nicht hinterlegt – noch der Demo-Platzhalter." in at.warning[0].value
    assert "Client-ID: nicht eingetragen (Demo-Platzhalter)" in texts(at)


def test_buchhaltung_shows_the_presets_and_saves_chart_numbers_and_accounts(fresh_practice: Dash) -> None:
    at = fresh_practice.run("manager", "views/settings_books.py")
    shown = texts(at)
    assert "Fallgebühr 2,50 €" in shown and "Voreinstellungen (SKR03" in shown
    # SKR03 2650: Sonstige Zinsen und ähnliche Erträge
    assert at.text_input(key="acct_SKR03_interest").value == "2650"

    at.text_input(key="books_consultant").input("12")
    button(at, "Speichern").click().run()
    assert not at.exception
    assert "Beraternummer" in at.error[0].value  # too short: refused, nothing saved
    with fresh_practice.app.uow() as uow:
        assert uow.session.get(BookSettings, 1) is None

    at.text_input(key="books_consultant").input("1234567")
    at.selectbox(key="books_chart").set_value("SKR04")
    button(at, "Speichern").click().run()
    assert not at.exception and not at.error
    assert [s.value for s in at.success] == [
        "Gespeichert: SKR04, Ist (Einnahmenüberschussrechnung, § 4 Abs. 3 EStG)."
    ]
    assert at.text_input(key="acct_SKR04_interest").value == "7100"  # the new chart's preset
    with fresh_practice.app.uow() as uow:
        stored = uow.session.get(BookSettings, 1)
        assert stored is not None and (stored.chart, stored.consultant_number) == ("SKR04", "1234567")


def test_a_manager_sees_the_einstellungen_in_the_navigation(fresh_practice: Dash) -> None:
    at = fresh_practice.run("manager")
    for page in SETTINGS:
        at.switch_page(f"views/{page}").run()
        assert not at.exception
    with fresh_practice.app.uow() as uow:
        assert len(uow.session.exec(select(User)).all()) == 2
