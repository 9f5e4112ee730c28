"""Überfällig → 'Mahnung mit Ankündigung': the letter as a PDF, then marked sent (the basis's date)."""

from __future__ import annotations

from sqlmodel import select

from core.db.models import AuditEvent, Invoice
from core.domain.dates import today
from tests.factories import add_invoice
from tests.integration.collection.test_reminder_letters import pdf_text
from tests.integration.dashboard.dashboard_helpers import Dash, _fresh_dash, button  # noqa: F401


def test_staff_make_the_reminder_letter_and_mark_it_sent(fresh_dash: Dash) -> None:
    add_invoice(fresh_dash.app, number="R-55", due_days_ago=20)
    at = fresh_dash.run("staff", page="views/overdue.py")
    at.selectbox(key="reminder_number").select("R-55").run()
    button(at, "Mahnschreiben erstellen (PDF)").click().run()
    assert not at.exception
    made = at.session_state["reminder_letter"]
    assert "übergeben wir die Forderung zur Einziehung an 1159 Finance" in pdf_text(made.pdf)
    button(at, "Als versendet markieren").click().run()
    assert not at.exception
    assert any("als versendet am" in s.value for s in at.success)
    with fresh_dash.app.uow() as uow:
        invoice = uow.session.exec(select(Invoice).where(Invoice.number == "R-55")).one()
        assert (invoice.reminder_date, invoice.handover_announced) == (today(), True)
        assert uow.session.exec(select(AuditEvent).where(AuditEvent.action == "reminder.sent")).one()
