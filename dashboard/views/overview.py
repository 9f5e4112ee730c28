"""Übersicht: key figures, money collected per month, and the ageing of overdue invoices."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core.services.invoicing import invoices
from core.services.read import figures
from dashboard.charts import euro_bars
from dashboard.runtime import eur, friendly, page_context

ctx = page_context()
st.title("Übersicht")

with friendly():
    kpi = figures.overview(ctx.app.uow(), practice_id=ctx.practice_id, actor=ctx.actor)
    a, b, c, d = st.columns(4)
    a.metric("Offene Forderungen", f"{kpi.open_claims}")
    b.metric("Betrag im Inkasso", eur(kpi.in_collection))
    c.metric("Eingezogen diesen Monat", eur(kpi.collected_month))
    d.metric("Eingezogen dieses Jahr", eur(kpi.collected_year))
    e, f, g, _ = st.columns(4)
    rate = "–" if kpi.success_rate is None else f"{kpi.success_rate * 100:.0f} %".replace(".", ",")
    e.metric("Erfolgsquote", rate, help=f"Vollständig bezahlte unter {kpi.finished} abgeschlossenen Fällen")
    f.metric("Gebühren an Schuldner (Jahr)", eur(kpi.debtor_fees_year))
    g.metric("Fallgebühren der Praxis (Jahr)", eur(kpi.case_fees_year))

    left, right = st.columns(2)
    with left:
        st.subheader("Eingezogen pro Monat")
        months = figures.collected_by_month(ctx.app.uow(), practice_id=ctx.practice_id, actor=ctx.actor)
        if any(v for _, v in months):
            # ISO month keys keep the axis in calendar order (the chart sorts labels as text)
            frame = pd.DataFrame(
                {"Monat": [k for k, _ in months], "Eingezogen (€)": [float(v) for _, v in months]}
            )
            euro_bars(frame, x="Monat", y="Eingezogen (€)")
        else:
            st.info("In den letzten zwölf Monaten hat 1159 Finance noch nichts eingezogen.")
    with right:
        st.subheader("Überfällige Rechnungen nach Alter")
        buckets = invoices.ageing(ctx.app.uow(), practice_id=ctx.practice_id)
        ageing = pd.DataFrame(
            {
                "Tage überfällig": [b.bucket.value for b in buckets],
                "Offener Betrag (€)": [float(b.amount) for b in buckets],
                "Anzahl": [b.count for b in buckets],
            }
        )
        euro_bars(ageing, x="Tage überfällig", y="Offener Betrag (€)", tooltip=list(ageing.columns))
