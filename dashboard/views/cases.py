"""Fälle: the collection cases with filters and paging; open one for its page."""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from core.services.read.cases import CASE_FILTERS, cases
from dashboard.runtime import day, eur, friendly, page_context

ctx = page_context()
st.title("Inkasso-Fälle")
CASE = "case_number"

a, b, c = st.columns(3)
status = a.selectbox("Status", ["alle", *CASE_FILTERS], key="cases_status")
search = b.text_input("Suche (Rechnungsnummer oder Name)", key="cases_search")
since = c.date_input("Übergeben ab", value=None, key="cases_since", format="DD.MM.YYYY")
page_no = int(st.number_input("Seite", min_value=1, value=1, step=1, key="cases_page"))

refs: list[str] = []
with friendly():
    page = cases(
        ctx.app.uow(),
        practice_id=ctx.practice_id,
        actor=ctx.actor,
        status="" if status == "alle" else status,
        search=search,
        since=since if isinstance(since, date) else None,
        page=page_no,
        per_page=25,
    )
    st.caption(f"{page.total} Fälle, Seite {page.page} von {page.pages}")
    rows = [
        {
            "Rechnung": r.reference,
            "Fall-Nr": r.case_id or "–",
            "Schuldner/in": r.patient,
            "Forderung": eur(r.principal),
            "An 1159 Finance gezahlt": eur(r.paid_to_agency),
            "Gebühren": eur(r.fees_total),
            "Offen": eur(r.outstanding),
            "Status": r.status,
            "Übergeben": day(r.handed_over),
            "Einwilligung": f"widerrufen am {day(r.consent_revoked_on)}" if r.consent_revoked_on else "",
        }
        for r in page.rows
    ]
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
    refs = [r.reference for r in page.rows]

if refs:
    left, right = st.columns([3, 1])
    picked = left.selectbox("Fall öffnen", refs, key="open_case")
    right.write("")
    if right.button("Öffnen", key="open_case_btn", type="primary"):
        st.session_state[CASE] = picked
        st.switch_page("views/case.py")
elif not search and status == "alle":
    st.info("Noch keine Fälle. Forderungen legen Sie unter „Überfällig“ an.")
