"""Onboarding: the state of the collection interface, its timeline, the next step and its button."""

from __future__ import annotations

import hashlib

import pandas as pd
import streamlit as st

from core.domain.onboarding import OnboardingAction, action_label
from core.services.messaging import mail_reviews
from core.services.people.access import Permission
from core.services.setup import onboarding
from dashboard.agency_setup import start_setup
from dashboard.runtime import day, friendly, page_context, plain

ctx = page_context()
st.title("Onboarding bei 1159 Finance")
FLASH = "onboarding_flash"
if message := st.session_state.pop(FLASH, None):
    st.success(plain(message))



def kept_mails() -> None:
    """Mails recognised but not acted on (mail_reviews): shown as data, never as Markdown; a
    manager confirms the one step a mail carries."""
    kept = mail_reviews.pending(ctx.app.uow(), practice_id=ctx.practice_id)
    st.subheader("Zu prüfen")
    if not kept:
        st.caption("Keine Mail wartet auf eine Prüfung.")
        return
    st.warning(
        "Diese Mails wurden erkannt, aber nicht ausgeführt. Bitte prüfen (z. B. beim Support von "
        "1159 Finance nachfragen), bevor der Schritt bestätigt wird."
    )
    rows = [
        {
            "Eingang": day(r.at),
            "Art": r.label,
            "Absender": r.sender,
            "Betreff": r.subject,
            "Grund": r.why,
            "Schritt": action_label(r.step) if r.step else "–",
        }
        for r in kept
    ]
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
    if not ctx.actor.may(Permission.ONBOARDING):
        st.caption("Bestätigen können nur Praxisleitungen.")
        return
    for r in kept:
        if r.step is None:
            continue
        key = "review_" + hashlib.sha256(r.message_key.encode()).hexdigest()[:16]
        if st.button(f"Bestätigen: {action_label(r.step)} (Mail vom {day(r.at)})", key=key):
            with friendly():
                new = mail_reviews.confirm(
                    ctx.app.uow(), practice_id=ctx.practice_id, message_key=r.message_key, actor=ctx.actor
                )
                st.session_state[FLASH] = f"Bestätigt. Onboarding ist jetzt: {new}"
                st.rerun()


with friendly():
    state = onboarding.status(ctx.app.uow(), practice_id=ctx.practice_id)
    a, b = st.columns(2)
    a.metric("Zustand", str(state.state))
    b.metric("Vertragsbeginn", day(state.contract_start))
    st.info(f"Nächster Schritt: {plain(state.next_step)}")

    if state.allowed and ctx.actor.may(Permission.ONBOARDING):
        columns = st.columns(len(state.allowed))
        for i, (column, action) in enumerate(zip(columns, state.allowed, strict=True)):
            primary = i == 0
            label, key = action_label(action), f"onboarding_{action.value}"
            if column.button(label, key=key, type="primary" if primary else "secondary"):
                with friendly():
                    if action == OnboardingAction.REQUEST:
                        st.session_state[FLASH] = start_setup(ctx)
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

    kept_mails()

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
