"""Überfällig → 'Mahnung mit Ankündigung': the reminder letter as a PDF, then its dispatch date.

The letter creates the legal basis for a hand-over; it counts once it is marked sent and its
payment deadline has passed (core/services/collection/reminder_letters.py).
"""

from __future__ import annotations

import streamlit as st

from core.domain.dates import today
from core.services.collection import reminder_letters
from dashboard.runtime import Context, friendly, plain

__all__ = ["LETTER", "show_reminder_letters"]

LETTER = "reminder_letter"


def show_reminder_letters(ctx: Context, numbers: list[str], flash: str) -> None:
    """The section for the invoices `numbers`; a success message goes to `flash` as (True, text)."""
    st.subheader("Mahnung mit Ankündigung der Übergabe")
    st.caption(
        "Das Schreiben kündigt die Übergabe an 1159 Finance an, nennt die übermittelten Angaben, die "
        "Zahlungsfrist und das Widerspruchsrecht. Nach Ablauf der Frist ist es die Rechtsgrundlage."
    )
    number = st.selectbox("Rechnung", numbers, key="reminder_number")
    if st.button("Mahnschreiben erstellen (PDF)", key="reminder_letter_btn"):
        with friendly():
            st.session_state[LETTER] = reminder_letters.letter(
                ctx.app.uow(), practice_id=ctx.practice_id, actor=ctx.actor, number=str(number)
            )
    made = st.session_state.get(LETTER)
    if not isinstance(made, reminder_letters.ReminderLetter) or made.number != number:
        return
    st.download_button(
        plain(f"{made.file_name} herunterladen"), made.pdf, file_name=made.file_name,
        mime="application/pdf", key="reminder_download",
    )  # fmt: skip
    sent_on = st.date_input(
        "Versendet am", value=today(), max_value=today(), key="reminder_sent_on", format="DD.MM.YYYY"
    )
    if st.button("Als versendet markieren", key="reminder_sent_btn"):
        with friendly():
            message = reminder_letters.mark_sent(
                ctx.app.uow(), practice_id=ctx.practice_id, actor=ctx.actor, number=made.number,
                sent_on=sent_on if not isinstance(sent_on, tuple) and sent_on else None,
            )  # fmt: skip
            st.session_state.pop(LETTER, None)
            st.session_state[flash] = (True, message)
            st.rerun()
