"""Zahlungseingänge: recognised payments (bank statement, practice export) a person confirms."""

from __future__ import annotations

import streamlit as st

from core.services.payments_in import decisions
from core.services.payments_in.suggestions import Suggestion, list_open
from core.services.people.access import Permission
from dashboard.runtime import day, eur, friendly, page_context, plain, with_finance

ctx = page_context(Permission.RECORD_PAYMENT)
FLASH = "payments_in_flash"
st.title("Zahlungseingänge")
st.caption(
    "Erkannte Zahlungen aus Kontoauszug und Praxissoftware. Angenommen wird eine Zahlung erfasst und, "
    "wenn die Rechnung bei 1159 Finance liegt, dorthin gemeldet – genau einmal."
)
if message := st.session_state.pop(FLASH, None):
    st.success(plain(message))


def _accept(s: Suggestion) -> None:
    decision = with_finance(
        ctx.app,
        lambda finance: decisions.accept_and_send(
            ctx.app.uow(), finance=finance, practice_id=ctx.practice_id, actor=ctx.actor, suggestion_id=s.id
        ),
    )
    st.session_state[FLASH] = decision.message
    st.rerun()


def _show(s: Suggestion) -> None:
    with st.container(border=True):
        st.markdown(f"**{plain(s.number)}** · {eur(s.amount)} am {day(s.paid_on)} · {plain(s.source)}")
        st.caption(plain(f"{s.reason} Sicherheit: {s.confidence}. Beleg: {s.evidence}"))
        accept, reject, other = st.columns(3)
        with friendly():
            if accept.button("Annehmen", key=f"accept_{s.id}"):
                _accept(s)
            if reject.button("Ablehnen", key=f"reject_{s.id}"):
                done = decisions.reject(
                    ctx.app.uow(), practice_id=ctx.practice_id, actor=ctx.actor, suggestion_id=s.id
                )
                st.session_state[FLASH] = done.message
                st.rerun()
            number = other.text_input("Andere Rechnung", key=f"number_{s.id}", placeholder="Rechnungsnummer")
            if other.button("Zuordnen", key=f"assign_{s.id}") and number:
                done = decisions.assign(
                    ctx.app.uow(),
                    practice_id=ctx.practice_id,
                    actor=ctx.actor,
                    suggestion_id=s.id,
                    number=number,
                )
                st.session_state[FLASH] = done.message
                st.rerun()


# A year's statement may leave hundreds open; the page shows the oldest, each one decided makes
# room for the next (a page of hundreds of forms would take long to draw and longer to use).
SHOWN = 50

with friendly():
    found = list_open(ctx.app.uow(), practice_id=ctx.practice_id)
    if not found:
        st.info("Keine offenen Zahlungseingänge.")
    elif len(found) > SHOWN:
        st.caption(
            f"{len(found)} offene Zahlungseingänge; hier die ältesten {SHOWN}. "
            "Jeder angenommene oder abgelehnte macht Platz für den nächsten."
        )
    for suggestion in found[:SHOWN]:
        _show(suggestion)
