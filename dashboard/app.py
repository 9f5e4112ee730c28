"""The dashboard's entry script: the first start's set-up, login, then the pages the user's role may
see (st.navigation)."""

from __future__ import annotations

import streamlit as st

from core.services.people.access import Permission
from core.services.setup import first_start
from dashboard.banner import show_problems
from dashboard.login_cookie import clear_cookie
from dashboard.navigation import login_pages, member_pages, setup_pages
from dashboard.runtime import LOGGED_OUT, current_actor, get_app, log_out, plain

__all__ = ["actor", "app", "ready", "settings"]

st.set_page_config(page_title="Praxis-Inkasso", page_icon=":material/euro:", layout="wide")

app = get_app()
ready = first_start.stage(app.uow(), practice_id=app.practice_id) == first_start.Stage.READY
actor = current_actor(app) if ready else None
settings: list[st.Page] = []

if not ready:  # an empty database: the practice's data and the first manager, then the login
    pages = setup_pages()
elif actor is None:
    pages = login_pages()
    if st.session_state.pop(LOGGED_OUT, False):
        clear_cookie()
else:
    pages, settings = member_pages(actor)
    with st.sidebar:
        role = "Praxisleitung" if actor.may(Permission.MANAGE_USERS) else "Mitarbeiter/in"
        st.caption(plain(f"Angemeldet: {actor.name or actor.label} ({role})"))
        if st.button("Abmelden", key="logout"):
            log_out(app, actor)
            st.rerun()
    show_problems(app)

st.navigation({"": pages, "Einstellungen": settings} if settings else pages).run()
