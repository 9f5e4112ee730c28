"""Anmelden: login name and password; the message never says which part was wrong."""

from __future__ import annotations

import streamlit as st

from core.domain.errors import InkassoError
from core.services.people import logins
from dashboard.runtime import FLASH, get_app, log_in, plain

st.title("Praxis-Inkasso")
st.subheader("Anmelden")
if st.session_state.get(FLASH):
    st.info(st.session_state[FLASH])

with st.form("login"):
    name = st.text_input("Benutzername", key="login_name")
    password = st.text_input("Passwort", type="password", key="login_password")
    submitted = st.form_submit_button("Anmelden")

if submitted:
    app = get_app()
    try:
        actor = logins.login(app.uow(), practice_id=app.practice_id, login=name, password=password)
    except InkassoError as exc:
        st.error(plain(exc.user_message))
    else:
        log_in(app, actor)
        st.rerun()
