"""Einstellungen → Buchhaltung: what the books use today; the settings still to come are named."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core.services.people.access import Permission
from core.services.setup import settings_view
from core.services.setup.practice_fields import format_iban
from dashboard.runtime import day, eur, friendly, page_context

ctx = page_context(Permission.VIEW_REPORTS)
st.title("Buchhaltung")

with friendly():
    books = settings_view.books(ctx.app.uow(), practice_id=ctx.practice_id, settings=ctx.app.settings)
    st.subheader("Gebühren")
    a, b, c = st.columns(3)
    a.metric("Fallgebühr", eur(books.case_fee))
    b.metric("Kostenfrei ab Vertragsbeginn", f"{books.free_months} Monate")
    c.metric("Vertragsbeginn", day(books.contract_start))
    st.subheader("Praxis")
    st.text(f"Steuernummer: {books.tax_number or '– (unter Praxisdaten eintragen)'}")
    st.text(f"IBAN: {format_iban(books.iban) or '– (unter Praxisdaten eintragen)'}")
    st.subheader("DATEV-Export")
    st.dataframe(
        pd.DataFrame([{"Einstellung": k, "Wert": v} for k, v in books.datev.items()]),
        hide_index=True,
        width="stretch",
    )
    st.caption("Die DATEV-Nummern und Konten stehen in .env (DATEV_…).")
    st.subheader("Folgt mit der Buchhaltungs-Erweiterung")
    for item in settings_view.PENDING_BOOKS_SETTINGS:
        st.text(f"• {item}")
