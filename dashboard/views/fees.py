"""Gebühren: fees 1159 Finance charged debtors by type and month; the practice's own case fees."""

from __future__ import annotations

from decimal import Decimal

import pandas as pd
import streamlit as st

from core.domain.dates import today
from core.domain.money import ZERO
from core.services.read.fees import case_fees, fees_by_type_and_month
from dashboard.runtime import day, eur, friendly, month_label, page_context

ctx = page_context()
st.title("Gebühren")
this_year = today().year
year = int(st.selectbox("Jahr", list(range(this_year, this_year - 6, -1)), key="fees_year"))

with friendly():
    st.subheader("Den Schuldnern berechnet (von 1159 Finance)")
    rows = fees_by_type_and_month(ctx.app.uow(), practice_id=ctx.practice_id, actor=ctx.actor, year=year)
    if rows:
        kinds = sorted({kind for _, kind, _ in rows})
        grid: dict[str, dict[str, Decimal]] = {}
        for month, kind, value in rows:
            grid.setdefault(month_label(month), {})[kind] = value
        chart = pd.DataFrame(
            {k: [float(grid[m].get(k, 0)) for m in grid] for k in kinds},
            index=pd.Index(list(grid), name="Monat"),
        )
        st.bar_chart(chart)
        st.dataframe(
            pd.DataFrame([{"Monat": m, **{k: eur(grid[m].get(k, ZERO)) for k in kinds}} for m in grid]),
            hide_index=True,
            width="stretch",
        )
        total = sum((v for _, _, v in rows), ZERO)
        st.caption(f"Summe {year}: {eur(total)}. Diese Gebühren trägt der Schuldner, nicht die Praxis.")
    else:
        st.info(f"{year}: keine Gebühren an Schuldner.")

    st.subheader("Fallgebühren der Praxis")
    fees = case_fees(
        ctx.app.uow(),
        practice_id=ctx.practice_id,
        actor=ctx.actor,
        year=year,
    )
    if fees.contract_start is None:
        st.info(
            f"Noch kein Vertrag aktiv. Die ersten {fees.free_months} Vertragsmonate "
            f"sind kostenlos; danach {eur(fees.fee)} je übergebener Forderung."
        )
    elif fees.free_now:
        st.success(
            f"Kostenlos: Übergaben bis {day(fees.free_until)} kosten nichts "
            f"(erste {fees.free_months} Monate ab Vertragsbeginn {day(fees.contract_start)})."
        )
    else:
        st.info(
            f"Die kostenlosen ersten Monate endeten am {day(fees.free_until)}; "
            f"seitdem {eur(fees.fee)} je übergebener Forderung."
        )
    if fees.by_month:
        st.dataframe(
            pd.DataFrame(
                [
                    {"Monat": month_label(m), "Übergaben": n, "davon kostenlos": free, "Fallgebühren": eur(v)}
                    for m, n, free, v in fees.by_month
                ]
            ),
            hide_index=True,
        )
