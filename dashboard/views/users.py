"""Benutzer: who may use the dashboard, the bot and command mails (managers only)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core.services.people import users
from core.services.people.access import Permission
from dashboard.runtime import friendly, page_context, plain

ctx = page_context(Permission.MANAGE_USERS)
st.title("Benutzer")
FLASH = "users_flash"
if message := st.session_state.pop(FLASH, None):
    st.success(plain(message))

ROLES = {"staff": "Mitarbeiter/in", "manager": "Praxisleitung"}
found: list[users.UserView] = []
with friendly():
    found = users.list_users(ctx.app.uow(), practice_id=ctx.practice_id, actor=ctx.actor)
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "ID": u.id,
                    "Name": u.name,
                    "Rolle": ROLES.get(u.role, u.role),
                    "Zugang": f"Login {u.login}"
                    if u.login
                    else (f"E-Mail {u.email}" if u.email else f"Telegram {u.telegram_id}"),
                }
                for u in found
            ]
        ),
        hide_index=True,
        width="stretch",
    )

st.subheader("Dashboard-Login anlegen")
with st.form("user_add", clear_on_submit=True):
    login = st.text_input("Login-Name", key="user_login")
    name = st.text_input("Anzeigename", key="user_name")
    role = st.selectbox("Rolle", list(ROLES), format_func=ROLES.__getitem__, key="user_role")
    password = st.text_input(
        f"Passwort (mindestens {users.MIN_PASSWORD} Zeichen)", type="password", key="user_pw"
    )
    add = st.form_submit_button("Anlegen")
if add:
    with friendly():
        made = users.add(
            ctx.app.uow(),
            practice_id=ctx.practice_id,
            actor=ctx.actor,
            role=role,
            login=login.strip(),
            password=password,
            name=name,
        )
        st.session_state[FLASH] = f"Benutzer {made.login} angelegt ({ROLES[made.role]})."
        st.rerun()

others = [u for u in found if u.id != ctx.actor.user_id]
if others:
    st.subheader("Benutzer entfernen")
    labels = {f"{u.id}: {u.name} ({ROLES.get(u.role, u.role)})": u.id for u in others}
    picked = st.selectbox("Benutzer", list(labels), key="user_remove_pick")
    if st.button("Entfernen", key="user_remove"):
        with friendly():
            users.remove(ctx.app.uow(), practice_id=ctx.practice_id, actor=ctx.actor, user_id=labels[picked])
            st.session_state[FLASH] = f"Benutzer {labels[picked]} entfernt."
            st.rerun()
