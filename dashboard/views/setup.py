"""Einrichtung: the first start on an empty database — the practice's data, then the first manager."""

from __future__ import annotations

import streamlit as st

from core.services.setup import first_start, setup_code
from dashboard.practice_form import practice_inputs
from dashboard.runtime import FLASH, friendly, get_app, plain

app = get_app()
stage = first_start.stage(app.uow(), practice_id=app.practice_id)
st.title("Praxis-Inkasso einrichten")
CODE = "setup_code_ok"  # the code this browser session proved in step 1, for step 2

if stage != first_start.Stage.READY:
    setup_code.setup_code(app.settings)  # made now, so that the person at the server can read it

if stage == first_start.Stage.PRACTICE:
    st.subheader("Schritt 1 von 2: Praxisdaten")
    st.caption("Felder mit * sind nötig. Es werden keine Demo-Daten angelegt.")
    # PRACTICE_EMAIL only suggests the address; what is stored here is what the product uses.
    seed = {"email": app.settings.practice_email} if "practice_email" in app.settings.model_fields_set else {}
    with st.form("setup_practice"):
        code = st.text_input("Einrichtungscode *", key="setup_code", help=setup_code.HINT)
        values = practice_inputs("setup", seed)
        submitted = st.form_submit_button("Praxis anlegen", type="primary")
    st.caption(setup_code.HINT)
    if submitted:
        with friendly():
            made = first_start.create_practice(
                app.uow(),
                practice_id=app.practice_id,
                values=values,
                case_fee=app.settings.case_fee,
                code=code,
            )
            st.session_state[CODE] = code
            st.session_state["setup_flash"] = f"Praxis „{made.name}“ angelegt."
            st.rerun()
elif stage == first_start.Stage.MANAGER:
    if message := st.session_state.pop("setup_flash", None):
        st.success(plain(message))
    st.subheader("Schritt 2 von 2: erste Praxisleitung")
    st.caption("Mit diesem Login melden Sie sich danach an; weitere Benutzer legen Sie unter „Benutzer“ an.")
    with st.form("setup_manager"):
        known = st.session_state.get(CODE, "")
        code = known or st.text_input("Einrichtungscode *", key="setup_code2", help=setup_code.HINT)
        login = st.text_input("Login-Name", key="setup_login")
        name = st.text_input("Anzeigename (freiwillig)", key="setup_name")
        password = st.text_input("Passwort (mindestens 10 Zeichen)", type="password", key="setup_pw")
        again = st.text_input("Passwort wiederholen", type="password", key="setup_pw2")
        submitted = st.form_submit_button("Praxisleitung anlegen", type="primary")
    if submitted:
        if password != again:
            st.error("Die beiden Passwörter stimmen nicht überein. Bitte noch einmal eingeben.")
        else:
            with friendly():
                first_start.add_first_manager(
                    app.uow(),
                    practice_id=app.practice_id,
                    login=login.strip(),
                    password=password,
                    name=name,
                    code=code,
                )
                st.session_state.pop(CODE, None)
                st.session_state[FLASH] = "Die Einrichtung ist abgeschlossen. Bitte melden Sie sich jetzt an."
                st.rerun()
else:
    st.info("Die Einrichtung ist abgeschlossen. Bitte anmelden.")
