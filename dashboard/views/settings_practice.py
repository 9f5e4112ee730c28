"""Einstellungen → Praxisdaten: name, address, the practice's mail address, phone, tax number, IBAN."""

from __future__ import annotations

from dataclasses import asdict

import streamlit as st

from core.services.people.access import Permission
from core.services.setup import practice
from core.services.setup.practice_fields import FIELDS
from dashboard.practice_form import practice_inputs
from dashboard.runtime import friendly, page_context, plain

ctx = page_context(Permission.PRACTICE)
st.title("Praxisdaten")
FLASH = "practice_flash"
if message := st.session_state.pop(FLASH, None):
    st.success(plain(message))
st.caption(
    "Die E-Mail-Adresse der Praxis ist die Adresse, an die 1159 Finance schreibt; "
    "jede Änderung steht im Protokoll."
)

with friendly():
    current = practice.show(ctx.app.uow(), practice_id=ctx.practice_id)
    stored = {k: str(v) for k, v in asdict(current).items()}
    stored["iban"] = current.iban_grouped
    with st.form("practice_data"):
        typed = practice_inputs("practice", stored)
        submitted = st.form_submit_button("Speichern", type="primary")
    if submitted:
        with friendly():
            # Only what was edited: an unchanged grouped IBAN is not a change of the stored one.
            edits = {k: v for k, v in typed.items() if v != stored[k]}
            changed = practice.update(
                ctx.app.uow(), practice_id=ctx.practice_id, actor=ctx.actor, values=edits
            )
            labels = ", ".join(FIELDS[n].label for n in changed)
            st.session_state[FLASH] = f"Gespeichert: {labels}." if changed else "Nichts geändert."
            for name in FIELDS:  # the inputs show the values as stored (normalised) after the rerun
                st.session_state.pop(f"practice_{name}", None)
            st.rerun()
