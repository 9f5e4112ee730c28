"""The case page's „Datenschutz“ part: managers export a patient's data and request erasure;
an open case refuses the erasure; staff see neither."""

from __future__ import annotations

import json

from sqlmodel import select

from core.db.models import AuditEvent, Patient
from core.services.collection.claims import queue
from core.services.people.access import OPERATOR
from tests.integration.dashboard.dashboard_helpers import (  # noqa: F401
    Dash,
    _fresh_dash,
    button,
    texts,
)


def _open(dash: Dash, who: str, number: str):  # type: ignore[no-untyped-def]
    at = dash.run(who)
    at.session_state["case_number"] = number
    return at.switch_page("views/case.py").run()


def test_a_manager_downloads_the_export_and_it_is_logged(fresh_dash: Dash) -> None:
    at = _open(fresh_dash, "manager", "R-9")
    button(at, "Auskunft erstellen").click().run()
    assert not at.exception
    [download] = at.get("download_button")
    assert download.proto.label == "Auskunft herunterladen (JSON)"
    data = json.loads(at.session_state["privacy_export_data"][1])
    assert [i["number"] for i in data["invoices"]] == ["R-9"] and data["patient"]["last_name"]
    with fresh_dash.app.uow() as uow:
        events = uow.session.exec(select(AuditEvent).where(AuditEvent.action == "privacy.export")).all()
    assert [e.actor for e in events] == ["dashboard:chefin"]


def test_erasure_is_refused_while_the_case_is_open_and_staff_see_no_privacy_part(fresh_dash: Dash) -> None:
    queue(fresh_dash.app.uow(), practice_id=fresh_dash.app.practice_id, actor=OPERATOR, number="R-9")
    assert "Datenschutz" not in texts(_open(fresh_dash, "staff", "R-9"))
    at = _open(fresh_dash, "manager", "R-9")
    at.checkbox(key="privacy_erase_sure").check().run()
    button(at, "Personendaten löschen").click().run()
    assert not at.exception
    assert any("ist bei 1159 Finance offen" in e.value for e in at.error)
    with fresh_dash.app.uow() as uow:
        assert "gelöscht" not in [p.last_name for p in uow.session.exec(select(Patient)).all()]


def test_erasure_without_an_open_case_anonymises_the_patient(fresh_dash: Dash) -> None:
    at = _open(fresh_dash, "manager", "R-10")
    at.checkbox(key="privacy_erase_sure").check().run()
    button(at, "Personendaten löschen").click().run()
    assert not at.exception
    assert any("Gelöscht: die Personendaten zu den Rechnungen R-10" in s.value for s in at.success)
    with fresh_dash.app.uow() as uow:
        names = sorted(p.last_name for p in uow.session.exec(select(Patient)).all())
    assert "gelöscht" in names and "Mustermann-R-10" not in names
