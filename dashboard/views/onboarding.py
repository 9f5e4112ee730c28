"""Onboarding: the state of the collection interface, its timeline, the next step and its button."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core.domain.onboarding import OnboardingAction, action_label
from core.services.people.access import Permission
from core.services.setup import access_request, onboarding
from dashboard.held import run_async
from dashboard.runtime import day, friendly, page_context

ctx = page_context()
st.title("Onboarding bei 1159 Finance")
FLASH = "onboarding_flash"
if message := st.session_state.pop(FLASH, None):
    st.success(message)


def request_access() -> str:
    result = run_async(
        access_request.request_access(
            ctx.app.uow(),
            practice_id=ctx.practice_id,
            actor=ctx.actor,
            via="dashboard",
            support_email=ctx.app.settings.support_email,
            mailer=ctx.app.mailer,
        )
    )
    return result.message


with friendly():
    state = onboarding.status(ctx.app.uow(), practice_id=ctx.practice_id)
    a, b = st.columns(2)
    a.metric("Zustand", str(state.state))
    b.metric("Vertragsbeginn", day(state.contract_start))
    st.info(f"Nächster Schritt: {state.next_step}")

    if state.allowed and ctx.actor.may(Permission.ONBOARDING):
        columns = st.columns(len(state.allowed))
        for i, (column, action) in enumerate(zip(columns, state.allowed, strict=True)):
            primary = i == 0
            label, key = action_label(action), f"onboarding_{action.value}"
            if column.button(label, key=key, type="primary" if primary else "secondary"):
                with friendly():
                    if action == OnboardingAction.REQUEST:
                        st.session_state[FLASH] = request_access()
                    else:
                        new = onboarding.transition(
                            ctx.app.uow(),
                            practice_id=ctx.practice_id,
                            actor=ctx.actor,
                            action=action,
                            via="dashboard",
                        )
                        st.session_state[FLASH] = f"Onboarding ist jetzt: {new}"
                    st.rerun()
    elif state.allowed:
        st.caption("Die Schritte des Onboardings lösen Praxisleitungen aus.")

    st.subheader("Verlauf")
    if state.events:
        st.dataframe(
            pd.DataFrame(
                [
                    {
                        "Zeit": day(e.at),
                        "Von": e.from_state,
                        "Nach": e.to_state,
                        "Wer": e.actor,
                        "Über": e.via,
                        "Nachweis": e.evidence or "–",
                        "Notiz": e.note,
                    }
                    for e in state.events
                ]
            ),
            hide_index=True,
            width="stretch",
        )
    else:
        st.caption("Noch keine Schritte.")
