"""A case's page: status, timeline, 'Zahlung empfangen' and 'Status jetzt abrufen'."""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from core.domain.dates import today
from core.services.collection import payments, status
from core.services.people.access import Permission
from core.services.read.case_timeline import timeline
from dashboard.consent_panel import consent_panel
from dashboard.privacy_panel import privacy_panel
from dashboard.runtime import day, eur, friendly, page_context, plain, with_finance

ctx = page_context()
CASE = "case_number"
FLASH = "case_flash"
number = st.session_state.get(CASE) or st.query_params.get("rechnung", "")
if not number:
    st.info("Bitte unter „Fälle“ einen Fall auswählen.")
    st.page_link("views/cases.py", label="Zu den Fällen", icon=":material/folder_open:")
    st.stop()

st.title(f"Fall: Rechnung {plain(number)}")
st.page_link("views/cases.py", label="Zurück zu den Fällen", icon=":material/arrow_back:")
if message := st.session_state.pop(FLASH, None):
    st.success(plain(message))

if st.button("Status jetzt abrufen", key="fetch_status"):
    with friendly():
        fetched = with_finance(
            ctx.app,
            lambda finance: status.fetch(
                ctx.app.uow(), finance=finance, practice_id=ctx.practice_id, actor=ctx.actor, number=number
            ),
        )
        if fetched.stale:
            st.warning(plain(fetched.note))
        else:
            st.success(f"Aktueller Stand von 1159 Finance abgerufen: {plain(fetched.status_label)}.")

shown = False
with friendly():
    st_ = status.load(ctx.app.uow(), practice_id=ctx.practice_id, number=number)
    st.markdown(f"**Status:** {plain(st_.status_label)}")
    b, c, d = st.columns(3)
    b.metric("Forderung", eur(st_.principal))
    c.metric("An 1159 Finance gezahlt", eur(st_.paid_to_agency))
    d.metric("Offen laut 1159 Finance", eur(st_.outstanding))
    st.caption(
        f"Schuldner/in: {plain(st_.patient)} · Fall-Nr {st_.case_id or '–'} · "
        f"Gebühren {eur(st_.fees_total)} · "
        f"Zinsen {eur(st_.interest)} · direkt an die Praxis {eur(st_.paid_to_practice)} · "
        f"Stand {day(st_.as_of)}"
    )
    if st_.complete:
        st.success("Vollständig: 1159 Finance hat den vollen Betrag erhalten.")
    if st_.failure_reason:
        st.error(f"1159 Finance hat abgelehnt: {plain(st_.failure_reason)}")
    if st_.consent_revoked_on is not None:
        st.warning(
            f"Einwilligung widerrufen am {day(st_.consent_revoked_on)}: die Forderung ist bereits bei "
            "1159 Finance. Die Übergabe davor bleibt rechtmäßig; ob sie zurückgezogen wird, entscheidet "
            "die Praxisleitung („Forderung zurückziehen“ im Chat oder inkasso claim withdraw)."
        )
    st.subheader("Verlauf")
    entries = timeline(ctx.app.uow(), practice_id=ctx.practice_id, actor=ctx.actor, number=number)
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "Datum": day(e.at or e.day),
                    "Ereignis": e.what,
                    "Details": e.detail,
                    "Betrag": eur(e.amount),
                }
                for e in entries
            ]
        ),
        hide_index=True,
        width="stretch",
    )
    shown = True

if shown and ctx.actor.may(Permission.RECORD_PAYMENT) and st_.complete:
    st.subheader("Zahlung empfangen")
    st.info("Die Rechnung ist vollständig bezahlt: hier ist keine Zahlung mehr zu erfassen.")
elif shown and ctx.actor.may(Permission.RECORD_PAYMENT):
    st.subheader("Zahlung empfangen")
    st.caption("Der Patient hat direkt an die Praxis gezahlt; die Zahlung wird an 1159 Finance gemeldet.")
    with st.form("payment", clear_on_submit=True):
        amount = st.text_input("Betrag (z. B. 50,00)", key="payment_amount")
        paid_on = st.date_input(
            "Gezahlt am", value=today(), max_value=today(), key="payment_date", format="DD.MM.YYYY"
        )
        send = st.form_submit_button("Zahlung erfassen")
    if send:
        with friendly():
            outcome = with_finance(
                ctx.app,
                lambda finance: payments.record_and_send(
                    ctx.app.uow(),
                    finance=finance,
                    practice_id=ctx.practice_id,
                    actor=ctx.actor,
                    number=number,
                    amount=amount,
                    paid_on=paid_on if isinstance(paid_on, date) else None,
                ),
            )  # fmt: skip
            st.session_state[FLASH] = outcome.message
            st.rerun()

consent_panel(ctx, number)
privacy_panel(ctx, number)
