"""Einstellungen → Inkasso: the connection to 1159 Finance — onboarding, the set-up request, credentials."""

from __future__ import annotations

import streamlit as st

from core.domain.onboarding import OnboardingAction
from core.services.people.access import Permission
from core.services.setup import onboarding, practice, settings_view
from dashboard.agency_setup import start_setup
from dashboard.runtime import friendly, page_context, plain

ctx = page_context(Permission.ONBOARDING)
st.title("Inkasso bei 1159 Finance")
FLASH = "agency_flash"
if message := st.session_state.pop(FLASH, None):
    st.success(plain(message))



with friendly():
    status = onboarding.status(ctx.app.uow(), practice_id=ctx.practice_id)
    address = practice.show(ctx.app.uow(), practice_id=ctx.practice_id).email
    st.subheader("Anbindung")
    st.metric("Onboarding", str(status.state))
    st.info(f"Nächster Schritt: {plain(status.next_step)}")
    st.caption("1159 Finance schreibt an die E-Mail-Adresse der Praxis (Einstellungen → Praxisdaten):")
    st.text(address)
    if OnboardingAction.REQUEST in status.allowed:
        if st.button("Einrichtung starten", key="agency_request", type="primary"):
            with friendly():
                st.session_state[FLASH] = start_setup(ctx)
                st.rerun()
    else:
        st.caption("Die Einrichtung ist angefragt; die weiteren Schritte stehen unter „Onboarding“.")

    conn = settings_view.agency_connection(ctx.app.settings)
    st.subheader("API-Zugangsdaten")
    st.caption("Aus der Datei .env des Servers (FINANCE1159_CLIENT_ID, FINANCE1159_API_KEY).")
    st.text(f"Adresse der Schnittstelle: {conn.base_url}" + ("" if conn.live else " (Sandbox)"))
    st.text(
        f"Client-ID: {conn.client_id}"
        if conn.client_id_configured
        else "Client-ID: nicht eingetragen (Demo-Platzhalter)"
    )
    if conn.key_configured:
        st.success("API-Schlüssel: hinterlegt (wird nicht angezeigt).")
    else:
        st.warning(
            "API-Schlüssel: nicht hinterlegt – noch der Demo-Platzhalter. Den Schlüssel von 1159 Finance "
            "als FINANCE1159_API_KEY in .env eintragen und Praxis-Inkasso neu starten."
        )
