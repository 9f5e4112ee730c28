"""Dashboard page Zahlungseingänge: open suggestions, accept (reported to the sandbox once), reject,
assign to another invoice."""

from __future__ import annotations

from decimal import Decimal

from core.services.payments_in.suggestions import list_open
from tests.integration.collection.claims_helpers import agency_payments
from tests.integration.collection.payment_suggestion_helpers import from_bank, stored_suggestions
from tests.integration.dashboard.dashboard_helpers import (  # noqa: F401
    Dash,
    _agency_dash,
    _fresh_dash,
    button,
    texts,
)
from tests.integration.dashboard.test_dashboard_actions import _hand_over, _payments
from tests.peers.sandbox import SandboxHandle

PAGE = "views/payments_in.py"


def test_accepting_a_suggested_payment_on_the_page_reports_it_to_the_agency_once(
    agency_dash: Dash, sandbox: SandboxHandle
) -> None:
    _hand_over(agency_dash, sandbox, "R-9")
    suggestion = from_bank(agency_dash.app, "R-9")
    assert suggestion is not None
    at = agency_dash.run("staff", PAGE)
    assert "R-9" in texts(at) and "Rechnungsnummer R-9 im Verwendungszweck" in texts(at)

    button(at, "Annehmen").click().run()

    assert "An 1159 Finance gemeldet." in texts(at)
    assert "Keine offenen Zahlungseingänge." in texts(at)
    assert [p["amount"] for p in agency_payments(sandbox)] == [Decimal("50.00")]
    with agency_dash.app.uow() as uow:
        [payment] = _payments(uow, "R-9")
    assert (payment.origin, payment.confirmed_by) == ("bank", "dashboard:anna")


def test_rejecting_and_assigning_on_the_page_move_only_the_suggestion_chosen(fresh_dash: Dash) -> None:
    from tests.factories import add_invoice

    add_invoice(fresh_dash.app, number="R-11", due_days_ago=20, amount="300,00")
    # Neither invoice is in collection, so a fitting match would be booked at once; these exceed
    # what is open and wait for a person.
    first = from_bank(fresh_dash.app, "R-9", amount="200.00")
    second = from_bank(fresh_dash.app, "R-10", amount="90.00")
    assert first is not None and second is not None
    at = fresh_dash.run("staff", PAGE)

    at.text_input(key=f"number_{first.id}").input("R-11")
    next(b for b in at.button if b.key == f"assign_{first.id}").click().run()
    assert f"Vorschlag {first.id} der Rechnung R-11 zugeordnet." in texts(at)
    next(b for b in at.button if b.key == f"reject_{second.id}").click().run()

    assert f"Vorschlag {second.id} abgelehnt" in texts(at)
    [still_open] = list_open(fresh_dash.app.uow(), practice_id=fresh_dash.app.practice_id)
    assert (still_open.id, still_open.number) == (first.id, "R-11")
    assert [s.state for s in stored_suggestions(fresh_dash.app)] == ["open", "rejected"]


def test_a_long_list_shows_the_oldest_and_says_how_many_are_open(fresh_dash: Dash) -> None:
    from datetime import date, timedelta

    from core.services.payments_in import suggestions
    from tests.factories import add_invoice

    shown = 50  # the page's SHOWN (importing the page would run it)
    app = fresh_dash.app
    invoice = add_invoice(app, number="R-50", amount="10,00")
    more = shown + 2  # each more than is open: all wait for a person
    proposals = [
        suggestions.Proposal(invoice.id or 0, Decimal("99.00"), date(2026, 11, 1) + timedelta(days=n),
                             "bank", "Beleg", "Nummer", "sicher", "", f"key-{n}")
        for n in range(more)
    ]  # fmt: skip
    with app.uow() as uow:
        suggestions.suggest_many(uow.session, uow.settings, practice_id=app.practice_id, proposals=proposals)
        uow.commit()

    at = fresh_dash.run("staff", PAGE)

    assert f"{more} offene Zahlungseingänge; hier die ältesten {shown}." in texts(at)
    assert sum(1 for b in at.button if str(b.key).startswith("accept_")) == shown
