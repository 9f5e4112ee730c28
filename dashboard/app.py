"""The dashboard's entry script: the first start's set-up, login, then the pages the user's role may
see (st.navigation)."""

from __future__ import annotations

import streamlit as st

from core.services.people.access import Permission
from core.services.setup import first_start
from dashboard.banner import show_problems
from dashboard.runtime import current_actor, get_app, log_out, plain

__all__ = ["actor", "app", "ready", "settings"]

st.set_page_config(page_title="Praxis-Inkasso", page_icon=":material/euro:", layout="wide")

app = get_app()
ready = first_start.stage(app.uow(), practice_id=app.practice_id) == first_start.Stage.READY
actor = current_actor(app) if ready else None
settings: list[st.Page] = []

if not ready:  # an empty database: the practice's data and the first manager, then the login
    pages = [
        st.Page(
            "pages/setup.py",
            title="Einrichtung",
            icon=":material/rocket_launch:",
            url_path="einrichtung",
            default=True,
        )
    ]
elif actor is None:
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
            "pages/payments_in.py",
            title="Zahlungseingänge",
            icon=":material/account_balance:",
            url_path="zahlungseingaenge",
        ),
        st.Page(
            "pages/onboarding.py", title="Onboarding", icon=":material/handshake:", url_path="onboarding"
        ),
    ]
    if actor.may(Permission.IMPORT):
        pages.append(
            st.Page(
                "pages/invoice_import.py", title="Import", icon=":material/upload_file:", url_path="import"
            )
        )
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
    if actor.may(Permission.PRACTICE):
        settings = [
            st.Page(
                "pages/settings_practice.py",
                title="Praxisdaten",
                icon=":material/store:",
                url_path="praxisdaten",
            ),
            st.Page("pages/settings_agency.py", title="Inkasso", icon=":material/link:", url_path="inkasso"),
            st.Page(
                "pages/settings_books.py",
                title="Buchhaltung",
                icon=":material/account_balance:",
                url_path="buchhaltung",
            ),
        ]
    with st.sidebar:
        role = "Praxisleitung" if actor.may(Permission.MANAGE_USERS) else "Mitarbeiter/in"
        st.caption(plain(f"Angemeldet: {actor.name or actor.label} ({role})"))
        if st.button("Abmelden", key="logout"):
            log_out(app, actor)
            st.rerun()
    show_problems(app)

st.navigation({"": pages, "Einstellungen": settings} if settings else pages).run()
