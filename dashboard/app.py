"""The dashboard's entry script: login, then the pages the user's role may see (st.navigation)."""

from __future__ import annotations

import streamlit as st

from core.services.people.access import Permission
from dashboard.banner import show_problems
from dashboard.runtime import current_actor, get_app, log_out

st.set_page_config(page_title="Praxis-Inkasso", page_icon=":material/euro:", layout="wide")

app = get_app()
actor = current_actor(app)

if actor is None:
    pages = [
        st.Page(
            "pages/login.py", title="Anmelden", icon=":material/login:", url_path="anmelden", default=True
        )
    ]
else:
    pages = [
        st.Page(
            "pages/overview.py",
            title="Übersicht",
            icon=":material/dashboard:",
            url_path="uebersicht",
            default=True,
        ),
        st.Page("pages/overdue.py", title="Überfällig", icon=":material/schedule:", url_path="ueberfaellig"),
        st.Page("pages/cases.py", title="Fälle", icon=":material/folder_open:", url_path="faelle"),
        st.Page(
            "pages/case.py", title="Fall", icon=":material/description:", url_path="fall", visibility="hidden"
        ),
        st.Page("pages/fees.py", title="Gebühren", icon=":material/euro:", url_path="gebuehren"),
        st.Page(
            "pages/onboarding.py", title="Onboarding", icon=":material/handshake:", url_path="onboarding"
        ),
    ]
    if actor.may(Permission.VIEW_REPORTS):
        pages.append(
            st.Page(
                "pages/statements.py",
                title="Monatsabrechnungen",
                icon=":material/receipt_long:",
                url_path="abrechnungen",
            )
        )
    if actor.may(Permission.VIEW_AUDIT):
        pages.append(
            st.Page("pages/audit.py", title="Protokoll", icon=":material/history:", url_path="protokoll")
        )
    if actor.may(Permission.MANAGE_USERS):
        pages.append(
            st.Page("pages/users.py", title="Benutzer", icon=":material/group:", url_path="benutzer")
        )
    with st.sidebar:
        role = "Praxisleitung" if actor.may(Permission.MANAGE_USERS) else "Mitarbeiter/in"
        st.caption(f"Angemeldet: {actor.name or actor.label} ({role})")
        if st.button("Abmelden", key="logout"):
            log_out(app, actor)
            st.rerun()
    show_problems(app)

st.navigation(pages).run()
