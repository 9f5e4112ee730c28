"""What a user typed or imported shows on the dashboard as text, never as Markdown (issue 20)."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from tests.factories import add_invoice, add_patient
from tests.integration.dashboard.dashboard_helpers import Dash, _fresh_dash, button  # noqa: F401
from tests.unit.test_dashboard_plain import live_markup, rendered

LINK = "[Login](http://x.test)"
KINDS = ("title", "header", "subheader", "markdown", "caption", "info", "success", "warning", "error")


def links_on(at: AppTest) -> list[str]:
    """Links, images and bare URLs the page's markdown elements would render (the page's own bold aside)."""
    found = [m for kind in KINDS for el in getattr(at, kind) for m in live_markup(str(el.value))]
    return [m for m in found if m not in ("strong", "em")]


def visible(at: AppTest) -> str:
    """The text a reader sees in the page's markdown elements."""
    shown = [rendered(str(el.value))[1] for kind in KINDS for el in getattr(at, kind)]
    return "\n".join(shown).replace("\u2060", "")


def test_an_invoice_number_with_a_link_is_shown_as_text_on_the_case_page(fresh_dash: Dash) -> None:
    add_invoice(fresh_dash.app, number=LINK, reminder=True, announced=True)
    at = fresh_dash.run("staff")
    at.session_state["case_number"] = LINK
    at.switch_page("views/case.py").run()
    assert not at.exception
    assert f"Fall: Rechnung {LINK}" in visible(at)
    assert links_on(at) == []


def test_the_rechnung_query_parameter_is_shown_as_text(fresh_dash: Dash) -> None:
    at = fresh_dash.run("staff")
    at.query_params["rechnung"] = "**fett** " + LINK
    at.switch_page("views/case.py").run()
    assert not at.exception
    assert f"Fall: Rechnung **fett** {LINK}" in visible(at)
    assert links_on(at) == []


def test_the_overview_before_a_hand_over_shows_imported_data_as_text(fresh_dash: Dash) -> None:
    patient = add_patient(fresh_dash.app, last_name="_Kursiv_ [Web](www.x.test)")
    add_invoice(fresh_dash.app, number=LINK, reminder=True, announced=True, patient=patient, due_days_ago=60)
    at = fresh_dash.run("staff", page="views/overdue.py")
    at.selectbox(key="claim_number").select(LINK).run()
    button(at, "Übersicht anzeigen").click().run()
    assert not at.exception
    shown = visible(at)
    assert f"Übersicht vor der Übergabe: Rechnung {LINK}" in shown
    assert "_Kursiv_ [Web](www.x.test)" in shown
    assert links_on(at) == []
