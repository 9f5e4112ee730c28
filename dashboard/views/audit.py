"""Protokoll: the audit log (managers only; core enforces it too)."""

from __future__ import annotations

import json

import pandas as pd
import streamlit as st

from core.services.people import audit
from core.services.people.access import Permission
from dashboard.runtime import day, friendly, page_context

ctx = page_context(Permission.VIEW_AUDIT)
st.title("Protokoll")
PER_PAGE = 50

a, b = st.columns(2)
prefix = a.selectbox(
    "Aktion",
    ["", "claim.", "payment.", "onboarding.", "statement.", "report.", "user.", "login"],
    format_func=lambda p: p or "alle",
    key="audit_prefix",
)
page_no = int(b.number_input("Seite", min_value=1, value=1, step=1, key="audit_page"))

with friendly():
    found = audit.list_events(
        ctx.app.uow(),
        practice_id=ctx.practice_id,
        actor=ctx.actor,
        action_prefix=prefix,
        limit=PER_PAGE,
        offset=(page_no - 1) * PER_PAGE,
    )
    pages = max((found.total + PER_PAGE - 1) // PER_PAGE, 1)
    st.caption(f"{found.total} Einträge, Seite {page_no} von {pages}")
    if not found.events:
        st.info("Keine Einträge.")
        st.stop()
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "Zeit": day(e.at),
                    "Wer": e.actor,
                    "Aktion": e.action,
                    "Betrifft": e.subject,
                    "Details": json.dumps(e.details, ensure_ascii=False) if e.details else "",
                }
                for e in found.events
            ]
        ),
        hide_index=True,
        width="stretch",
    )
