"""The case page's „Datenschutz“ part (managers): the patient's export (Art. 15 GDPR) as a
download, and erasure on request (Art. 17), refused by the core while a case is open."""

from __future__ import annotations

import json
import re

import streamlit as st

from core.services.people.access import Permission
from core.services.privacy.erasure import erase_patient
from core.services.privacy.export import export_patient
from dashboard.runtime import Context, friendly, plain

__all__ = ["privacy_panel"]

EXPORT = "privacy_export_data"


def _file_name(number: str) -> str:
    # Invoice numbers take any printable character; a file name should not.
    return f"auskunft-{re.sub(r'[^A-Za-z0-9._-]', '_', number)}.json"


def privacy_panel(ctx: Context, number: str) -> None:
    if not ctx.actor.may(Permission.PRIVACY):
        return
    st.subheader("Datenschutz")
    st.caption(
        "Auskunft (Art. 15 DSGVO): alles, was zu dieser Person gespeichert ist, und jede Weitergabe an "
        "1159 Finance mit Datum und Rechtsgrundlage. Löschen (Art. 17 DSGVO): Name, Anschrift, "
        "Geburtsdatum, Kontaktdaten und Leistungstexte; Rechnungsnummern, Beträge und Daten bleiben."
    )
    if st.button("Auskunft erstellen", key="privacy_export"):
        with friendly():
            data = export_patient(ctx.app.uow(), practice_id=ctx.practice_id, actor=ctx.actor, number=number)
            st.session_state[EXPORT] = (number, json.dumps(data, ensure_ascii=False, indent=2).encode())
    held = st.session_state.get(EXPORT)
    if held is not None and held[0] == number:
        st.download_button(
            "Auskunft herunterladen (JSON)", data=held[1], file_name=_file_name(number),
            mime="application/json", key="privacy_download",
        )  # fmt: skip
    sure = st.checkbox("Personendaten dieser Person endgültig löschen", key="privacy_erase_sure")
    if st.button("Personendaten löschen", key="privacy_erase", disabled=not sure):
        with friendly():
            uow, practice_id = ctx.app.uow(), ctx.practice_id
            numbers = erase_patient(uow, practice_id=practice_id, actor=ctx.actor, number=number)
            st.session_state.pop(EXPORT, None)
            st.success(plain(f"Gelöscht: die Personendaten zu den Rechnungen {', '.join(numbers)}."))
