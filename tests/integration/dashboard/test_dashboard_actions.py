"""Dashboard actions: Forderung anlegen, Zahlung empfangen, Status abrufen, filters, onboarding, users."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlmodel import select
from streamlit.testing.v1 import AppTest

from core.db.engine import UnitOfWork
from core.db.models import Claim, Confirmation, Invoice, Payment
from core.domain.dates import today
from core.services.collection import claims
from core.services.people.access import Actor, Role
from dashboard.runtime import get_app
from tests.integration.collection.claims_helpers import agency_cases, dead_url
from tests.integration.dashboard.dashboard_helpers import (  # noqa: F401
    Dash,
    _agency_dash,
    _fresh_dash,
    _shared_dash,
    button,
    dashboard,
    texts,
)
from tests.peers.mailserver import Dovecot, SmtpServer, mail_settings_for
from tests.peers.sandbox import SandboxHandle, make_finance_client

STAFF = Actor(Role.STAFF, "test")


def _claim_of(dash: Dash, number: str) -> Claim | None:
    with dash.app.uow() as uow:
        return uow.session.exec(select(Claim).join(Invoice).where(Invoice.number == number)).first()


def _payments(uow: UnitOfWork, number: str) -> list[Payment]:
    return list(uow.session.exec(select(Payment).join(Invoice).where(Invoice.number == number)).all())


def _hand_over(dash: Dash, sandbox: SandboxHandle, number: str) -> None:
    async def go() -> None:
        finance = make_finance_client(sandbox)
        try:
            await claims.create(
                dash.app.uow(), finance=finance, practice_id=dash.app.practice_id, actor=STAFF, number=number
            )
        finally:
            await finance.aclose()

    asyncio.run(go())


def _open_case(dash: Dash, who: str, number: str) -> AppTest:
    at = dash.run(who)
    at.session_state["case_number"] = number
    return at.switch_page("views/case.py").run()


def test_forderung_anlegen_shows_the_overview_and_hands_over_only_after_confirmation(
    agency_dash: Dash, sandbox: SandboxHandle
) -> None:
    at = agency_dash.run("staff", "views/overdue.py")
    assert "2 überfällige Rechnungen" in texts(at)
    at.selectbox(key="claim_number").select("R-9")
    button(at, "Übersicht anzeigen").click().run()
    shown = texts(at)
    assert "Übersicht vor der Übergabe: Rechnung R-9" in shown
    assert "Rechtsgrundlage: Mahnung vom" in shown and "Fallgebühr: 2,50 €" in shown
    assert _claim_of(agency_dash, "R-9") is None and agency_cases(sandbox) == []
    button(at, "Bestätigen und übergeben").click().run()
    assert not at.exception
    assert any("R-9 ist an 1159 Finance übergeben" in s.value for s in at.success)
    assert [c["reference"] for c in agency_cases(sandbox)] == ["R-9"]
    assert _claim_of(agency_dash, "R-9") is not None


def test_forderung_anlegen_can_be_cancelled_and_refusals_are_german(fresh_dash: Dash) -> None:
    at = fresh_dash.run("staff", "views/overdue.py")
    at.selectbox(key="claim_number").select("R-9")
    button(at, "Übersicht anzeigen").click().run()
    button(at, "Abbrechen").click().run()
    assert "Übersicht vor der Übergabe" not in texts(at) and _claim_of(fresh_dash, "R-9") is None
    # R-10 lacks the legal basis: not offered for a hand-over, the table says why instead
    assert list(at.selectbox(key="claim_number").options) == ["R-9"]
    listed = _table(at).set_index("Rechnung")["Übergabe möglich"]
    assert listed["R-9"] == "ja"
    assert listed["R-10"].startswith("nein: Für Rechnung R-10 fehlt die Rechtsgrundlage")
    assert _claim_of(fresh_dash, "R-10") is None


def test_the_ageing_filter_narrows_the_overdue_list(shared_dash: Dash) -> None:
    at = shared_dash.run("manager", "views/overdue.py")
    at.selectbox(key="overdue_bucket").select("61–90").run()
    assert "1 überfällige Rechnungen" in texts(at)
    assert _listed(at) == ["R-10"] and "kann keine Rechnung übergeben werden" in texts(at)
    at.selectbox(key="overdue_bucket").select("alle")
    at.selectbox(key="overdue_basis").select("ja").run()
    assert _listed(at) == ["R-9"] and list(at.selectbox(key="claim_number").options) == ["R-9"]
    at.selectbox(key="overdue_basis").select("alle")
    at.text_input(key="overdue_search").input("mustermann-r-10").run()
    assert _listed(at) == ["R-10"]


def _table(at: AppTest) -> Any:
    """The overdue list (the page shows the ageing buckets in a table above it)."""
    return next(d.value for d in at.dataframe if "Rechnung" in d.value.columns)


def _listed(at: AppTest) -> list[str]:
    return list(_table(at)["Rechnung"])


def test_zahlung_empfangen_records_the_payment_and_passes_it_on(
    agency_dash: Dash, sandbox: SandboxHandle
) -> None:
    _hand_over(agency_dash, sandbox, "R-9")
    at = _open_case(agency_dash, "staff", "R-9")
    assert "Fall: Rechnung R-9" in texts(at)
    at.text_input(key="payment_amount").input("50,00")
    button(at, "Zahlung erfassen").click().run()
    assert not at.exception
    message = " ".join(s.value for s in at.success)
    assert "Zahlung über 50,00 €" in message and "An 1159 Finance gemeldet" in message
    with agency_dash.app.uow() as uow:
        paid = _payments(uow, "R-9")
    assert [(p.amount, p.paid_on, p.delivery) for p in paid] == [(Decimal("50.00"), today(), "sent")]
    assert "Zahlung direkt an die Praxis" in list(at.dataframe[0].value["Ereignis"])


def test_a_bad_amount_is_refused_in_german_and_nothing_is_stored(
    agency_dash: Dash, sandbox: SandboxHandle
) -> None:
    _hand_over(agency_dash, sandbox, "R-9")
    at = _open_case(agency_dash, "staff", "R-9")
    at.text_input(key="payment_amount").input("zwölf")
    button(at, "Zahlung erfassen").click().run()
    assert not at.exception
    assert at.error and "kein gültiger Betrag" in at.error[0].value
    with agency_dash.app.uow() as uow:
        assert _payments(uow, "R-9") == []


def test_a_complete_case_offers_no_payment_form(agency_dash: Dash, sandbox: SandboxHandle) -> None:
    _hand_over(agency_dash, sandbox, "R-9")
    case = agency_cases(sandbox)[0]
    sandbox.pay(case["case_id"], Decimal(str(case["outstanding"])))  # the debtor paid everything
    at = _open_case(agency_dash, "staff", "R-9")
    assert [t.key for t in at.text_input] == ["payment_amount"]  # still open when last looked at
    button(at, "Status jetzt abrufen").click().run()
    assert not at.exception
    assert any("Vollständig" in s.value for s in at.success)
    assert not [t for t in at.text_input if t.key == "payment_amount"]
    assert any("keine Zahlung mehr zu erfassen" in i.value for i in at.info)


def test_status_jetzt_abrufen_fetches_the_agency_state(agency_dash: Dash, sandbox: SandboxHandle) -> None:
    _hand_over(agency_dash, sandbox, "R-9")
    at = _open_case(agency_dash, "manager", "R-9")
    button(at, "Status jetzt abrufen").click().run()
    assert not at.exception
    assert any("Aktueller Stand von 1159 Finance abgerufen" in s.value for s in at.success)


def test_clicks_use_the_one_app_and_its_finance_client_held_for_the_process(
    agency_dash: Dash, sandbox: SandboxHandle
) -> None:
    _hand_over(agency_dash, sandbox, "R-9")
    at = _open_case(agency_dash, "manager", "R-9")
    button(at, "Status jetzt abrufen").click().run()
    button(at, "Status jetzt abrufen").click().run()
    assert not at.exception
    assert len([s for s in at.success if "Aktueller Stand" in s.value]) == 1
    # Both clicks went through the App that bootstrap wired, not through clients of their own.
    assert get_app().finance().request_count >= 2


def test_status_abrufen_without_the_agency_shows_the_last_known_state(tmp_path: Path) -> None:
    with dashboard(tmp_path, finance1159_base_url=dead_url()) as made:
        at = _open_case(made, "staff", "R-101")
        button(at, "Status jetzt abrufen").click().run()
        assert not at.exception
        assert any("letzte bekannte Stand" in w.value for w in at.warning)
        assert {m.label: m.value for m in at.metric}["Forderung"] == "120,00 €"


def test_the_case_list_filters_and_opens_a_case_with_its_timeline(shared_dash: Dash) -> None:
    at = shared_dash.run("staff", "views/cases.py")
    assert "4 Fälle" in texts(at)
    at.text_input(key="cases_search").input("mustermann-r-101").run()
    assert "1 Fälle" in texts(at)
    at.text_input(key="cases_search").input("").run()
    at.selectbox(key="cases_status").select("vollständig bezahlt").run()
    assert "0 Fälle" in texts(at)
    at.selectbox(key="cases_status").select("alle").run()
    at.selectbox(key="open_case").select("R-101")
    button(at, "Öffnen").click().run()
    assert not at.exception
    assert "Fall: Rechnung R-101" in texts(at)
    events = list(at.dataframe[0].value["Ereignis"])
    assert events[0] == "An 1159 Finance übergeben"
    assert {
        "Fallgebühr der Praxis",
        "Gebühr: Inkassokosten",
        "Gebühr: Auslagen",
        "Zahlung an 1159 Finance",
    } <= set(events)


def test_the_overview_shows_the_key_figures(shared_dash: Dash) -> None:
    at = shared_dash.run("staff")
    figures = {m.label: m.value for m in at.metric}
    assert figures["Offene Forderungen"] == "4"
    assert figures["Betrag im Inkasso"] == "560,00 €"
    if today().year == 2026:
        assert figures["Eingezogen dieses Jahr"] == "255,50 €"
    assert figures["Erfolgsquote"] == "–"
    assert not at.exception and not at.error


def test_fees_page_shows_fees_by_month_and_the_free_months(shared_dash: Dash) -> None:
    at = shared_dash.run("staff", "views/fees.py")
    shown = texts(at)
    assert "Die kostenlosen ersten Monate endeten am 01.09.2026" in shown
    if today().year == 2026:
        assert "Summe 2026: 71,15 €" in shown
        months = at.dataframe[1].value
        assert list(months["Monat"]) == ["08/2026", "09/2026", "10/2026"]
        assert list(months["davon kostenlos"]) == [1, 0, 0]


def test_onboarding_buttons_are_for_managers_and_move_the_state(fresh_dash: Dash) -> None:
    staff = fresh_dash.run("staff", "views/onboarding.py")
    assert not [b for b in staff.button if b.label == "Kündigen"]
    assert "Die Schritte des Onboardings lösen Praxisleitungen aus." in texts(staff)
    at = fresh_dash.run("manager", "views/onboarding.py")
    button(at, "Kündigen").click().run()
    assert not at.exception
    assert "Onboarding ist jetzt: gekündigt" in texts(at)
    button(at, "Zugang anfordern").click().run()
    assert not at.exception
    assert "kein Mailserver" in texts(at) and {m.value for m in at.metric} >= {"angefragt"}
    assert list(at.dataframe[0].value["Nach"]) == ["gekündigt", "angefragt"]


def test_the_access_request_from_the_dashboard_is_mailed_through_the_cores_mailer(
    tmp_path: Path, dovecot: Dovecot, smtp_server: SmtpServer
) -> None:
    with dashboard(tmp_path, **mail_settings_for(dovecot, smtp_server)) as made:
        at = made.run("manager", "views/onboarding.py")
        button(at, "Kündigen").click().run()
        button(at, "Zugang anfordern").click().run()
        assert not at.exception
        assert "per E-Mail an support@1159finance.com" in texts(at)
    [sent] = smtp_server.messages
    assert sent.rcpt_tos == ["support@1159finance.com"]


def test_managers_add_and_remove_dashboard_users(fresh_dash: Dash) -> None:
    at = fresh_dash.run("manager", "views/users.py")
    at.text_input(key="user_login").input("bert")
    at.text_input(key="user_pw").input("kurz")
    button(at, "Anlegen").click().run()
    assert at.error and "mindestens 10 Zeichen" in at.error[0].value
    at.text_input(key="user_login").input("bert")
    at.text_input(key="user_pw").input("ein-langes-passwort")
    button(at, "Anlegen").click().run()
    assert not at.exception and "Benutzer bert angelegt (Mitarbeiter/in)." in texts(at)
    assert "bert" in " ".join(at.dataframe[0].value["Zugang"])
    at.selectbox(key="user_remove_pick").select_index(len(at.selectbox(key="user_remove_pick").options) - 1)
    button(at, "Entfernen").click().run()
    assert not at.exception and "entfernt" in texts(at)
    assert "bert" not in " ".join(at.dataframe[0].value["Zugang"])


def test_the_audit_log_lists_and_filters_events(shared_dash: Dash) -> None:
    at = shared_dash.run("manager", "views/audit.py")
    assert "user.add" in list(at.dataframe[0].value["Aktion"])
    at.selectbox(key="audit_prefix").select("login").run()
    assert not at.exception
    assert "Keine Einträge." in texts(at) and not at.dataframe


def test_an_overview_left_open_too_long_is_not_carried_out(fresh_dash: Dash) -> None:
    at = fresh_dash.run("staff", "views/overdue.py")
    at.selectbox(key="claim_number").select("R-9")
    button(at, "Übersicht anzeigen").click().run()
    with fresh_dash.app.uow() as uow:
        pending = uow.session.exec(select(Confirmation)).one()
        assert (pending.action, pending.subject, pending.user_id) == (
            "claim.create",
            "R-9",
            fresh_dash.user_ids["staff"],
        )
        pending.expires_at = datetime.now(UTC) - timedelta(seconds=1)
        uow.session.add(pending)
        uow.commit()
    button(at, "Bestätigen und übergeben").click().run()
    assert not at.exception
    assert "Diese Bestätigung ist abgelaufen" in at.error[0].value
    assert _claim_of(fresh_dash, "R-9") is None
