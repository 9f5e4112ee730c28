"""The dashboard's overview before a hand-over names the invoice recipient as debtor."""

from __future__ import annotations

from sqlmodel import select

from core.db.models import Invoice, InvoiceRecipient
from tests.integration.dashboard.dashboard_helpers import Dash, _fresh_dash, button, texts  # noqa: F401


def test_the_overview_shows_the_recipient_as_debtor_and_that_the_patients_data_stays_here(
    fresh_dash: Dash,
) -> None:
    with fresh_dash.app.uow() as uow:
        invoice = uow.session.exec(select(Invoice).where(Invoice.number == "R-9")).one()
        uow.session.add(
            InvoiceRecipient(
                practice_id=invoice.practice_id,
                invoice_id=invoice.id or 0,
                company="Becker Bau GmbH",
                street="Hafenstraße 1",
                zip="20457",
                city="Hamburg",
            )
        )
        uow.commit()
    at = fresh_dash.run("staff", "views/overdue.py")
    at.selectbox(key="claim_number").select("R-9")
    button(at, "Übersicht anzeigen").click().run()
    assert not at.exception
    frame = next(d.value for d in at.dataframe if "Angabe" in d.value.columns)
    sent = dict(zip(frame["Angabe"], frame["Wert"], strict=True))
    assert sent["Schuldner"] == (
        "Rechnungsempfänger Becker Bau GmbH – Daten des Patienten werden nicht übermittelt"
    )
    assert "Verzugszinsen (berechnet 1159 Finance): Basiszinssatz + 9 Prozentpunkte" in texts(at)
