"""The consent part of the overdue and case pages: managers record a consent with the form's
place and revoke it; the overdue table then gives the reason instead of offering the hand-over,
and an open case shows the revocation; staff see the consents but change nothing."""

from __future__ import annotations

from typing import Any

from sqlmodel import select

from core.db.models import Consent
from core.domain.dates import today
from core.services.collection import claims
from tests.integration.collection.claims_helpers import client
from tests.integration.dashboard.dashboard_helpers import (  # noqa: F401
    Dash,
    _agency_dash,
    _fresh_dash,
    button,
    texts,
)
from tests.peers.sandbox import SandboxHandle

TODAY = f"{today():%d.%m.%Y}"


def _consent_on_overdue(dash: Dash, who: str, number: str) -> Any:
    at = dash.run(who, page="views/overdue.py")
    at.selectbox(key="consent_number").select(number).run()
    return at


def _case(dash: Dash, who: str, number: str) -> Any:
    at = dash.run(who)
    at.session_state["case_number"] = number
    return at.switch_page("views/case.py").run()


def _handover_cell(at: Any, number: str) -> str:
    [table] = [t for t in at.dataframe if "Übergabe möglich" in t.value.columns]
    frame = table.value
    return str(frame.loc[frame["Rechnung"] == number, "Übergabe möglich"].iloc[0])


async def test_a_manager_records_and_revokes_and_the_case_shows_the_revocation(
    agency_dash: Dash, sandbox: SandboxHandle
) -> None:
    dash = agency_dash
    at = _consent_on_overdue(dash, "manager", "R-10")
    assert "Für diese Rechnung ist keine Einwilligung erfasst." in texts(at)
    assert _handover_cell(at, "R-10").startswith("nein: Für Rechnung R-10 fehlt die Rechtsgrundlage")
    at.text_input(key="consent_place").input("Papierakte Nr. 12")
    button(at, "Einwilligung speichern").click().run()
    assert not at.exception
    assert any("für alle Rechnungen der Person erfasst" in s.value for s in at.success)
    assert _handover_cell(at, "R-10") == "ja"
    with dash.app.uow() as uow:
        [consent] = uow.session.exec(select(Consent)).all()
    assert (consent.form_location, consent.recorded_by) == ("Papierakte Nr. 12", "Chefin (dashboard:chefin)")

    async with client(sandbox) as finance:
        done = await claims.create(
            dash.app.uow(), finance=finance, practice_id=dash.app.practice_id, actor=_manager(dash),
            number="R-10",
        )  # fmt: skip
    assert done.delivered
    at = _case(dash, "manager", "R-10")
    at.checkbox(key="consent_revoke_sure").check()
    button(at, "Widerruf speichern").click().run()
    assert not at.exception
    shown = texts(at)
    assert f"Widerruf vom {TODAY} erfasst" in shown and "Bereits bei 1159 Finance: R-10" in shown
    assert f"Einwilligung widerrufen am {TODAY}: die Forderung ist bereits bei 1159 Finance" in shown
    cases = dash.run("staff", page="views/cases.py")
    [table] = cases.dataframe
    frame = table.value
    assert frame.loc[frame["Rechnung"] == "R-10", "Einwilligung"].iloc[0] == f"widerrufen am {TODAY}"


def test_the_overdue_table_gives_the_revocation_as_the_reason_and_staff_change_nothing(
    fresh_dash: Dash,
) -> None:
    at = _consent_on_overdue(fresh_dash, "manager", "R-9")  # an announced reminder: may be handed over
    assert _handover_cell(at, "R-9") == "ja"
    button(at, "Einwilligung speichern").click().run()
    at.checkbox(key="consent_revoke_sure").check()
    button(at, "Widerruf speichern").click().run()
    assert not at.exception
    assert _handover_cell(at, "R-9").startswith(
        f"nein: Die Schweigepflichtentbindung zu Rechnung R-9 wurde am {TODAY} widerrufen"
    )
    assert "R-9" not in (at.selectbox(key="claim_number").options if _has(at, "claim_number") else [])
    staff = _consent_on_overdue(fresh_dash, "staff", "R-9")
    assert f"Einwilligung widerrufen am {TODAY}" in texts(staff)
    labels = {b.label for b in staff.button}
    assert not labels & {"Einwilligung speichern", "Ergänzen", "Widerruf speichern"}


def _has(at: Any, key: str) -> bool:
    return any(getattr(s, "key", None) == key for s in at.selectbox)


def _manager(dash: Dash) -> Any:
    from core.services.people.sessions import session_actor

    return session_actor(dash.app.uow(), practice_id=dash.app.practice_id, user_id=dash.user_ids["manager"])
