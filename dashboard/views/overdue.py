"""Überfällig: the ageing table with filters, and 'Forderung anlegen' with overview and confirmation."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core.domain.dates import AgeBucket
from core.services.collection import claim_preview, claims
from core.services.invoicing import invoices
from core.services.people import confirmations
from core.services.people.access import Permission
from core.services.read.overdue import overdue
from dashboard.consent_panel import consent_panel
from dashboard.reminder_section import show_reminder_letters
from dashboard.runtime import day, eur, friendly, page_context, plain, with_finance

ctx = page_context()
st.title("Überfällige Rechnungen")
PENDING = "claim_preview"
CREATE = "claim.create"  # the confirmation's action, as the chat names it
FLASH = "overdue_flash"
if flash := st.session_state.pop(FLASH, None):
    (st.success if flash[0] else st.warning)(plain(flash[1]))

items: list[invoices.OverdueItem] = []
with friendly():
    buckets = invoices.ageing(ctx.app.uow(), practice_id=ctx.practice_id)
    st.dataframe(
        pd.DataFrame(
            {
                "Tage überfällig": [b.bucket.value for b in buckets],
                "Anzahl": [b.count for b in buckets],
                "Offen": [eur(b.amount) for b in buckets],
            }
        ),
        hide_index=True,
    )
    a, b, c = st.columns(3)
    choice = a.selectbox("Alter (Tage)", ["alle", *[b.value for b in AgeBucket]], key="overdue_bucket")
    basis = b.selectbox("Übergabe möglich", ["alle", "ja", "nein"], key="overdue_basis")
    search = c.text_input("Suche (Rechnungsnummer oder Name)", key="overdue_search")
    page_no = int(st.number_input("Seite", min_value=1, value=1, step=1, key="overdue_page"))
    page = overdue(
        ctx.app.uow(),
        practice_id=ctx.practice_id,
        actor=ctx.actor,
        bucket=None if choice == "alle" else AgeBucket(choice),
        handover_possible=None if basis == "alle" else basis == "ja",
        search=search,
        page=page_no,
        per_page=25,
    )
    st.caption(f"{page.total} überfällige Rechnungen, Seite {page.page} von {page.pages}")
    rows = [
        {
            "Rechnung": i.number,
            "Patient/in": i.patient,
            "Fällig": day(i.due_date),
            "Tage": i.days_overdue,
            "Offen": eur(i.open_amount),
            "Mahnung": day(i.reminder_date),
            "Übergabe möglich": "ja" if i.refusal is None else f"nein: {i.refusal}",
        }
        for i in page.items
    ]
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
    items = page.items

if ctx.actor.may(Permission.CREATE_CLAIM) and items:
    st.subheader("Forderung anlegen")
    # only invoices the hand-over would accept; the table above says why the others are not offered
    numbers = [i.number for i in items if i.refusal is None]
    number = st.selectbox("Rechnung", numbers, key="claim_number") if numbers else None
    if not numbers:
        st.info("Auf dieser Seite kann keine Rechnung übergeben werden; die Gründe stehen in der Tabelle.")
    elif st.button("Übersicht anzeigen", key="claim_preview_btn") and number is not None:
        with friendly():
            shown = claim_preview.preview(
                ctx.app.uow(),
                practice_id=ctx.practice_id,
                actor=ctx.actor,
                number=number,
            )
            # The same second step as the chat: bound to this user and invoice, ten minutes, one use.
            token = confirmations.issue(
                ctx.app.uow(),
                practice_id=ctx.practice_id,
                actor=ctx.actor,
                action=CREATE,
                subject=shown.number,
            )
            st.session_state[PENDING] = (shown, token)

pending = st.session_state.get(PENDING)
if pending is not None:
    preview, token = pending
    with st.container(border=True):
        st.markdown(f"**Übersicht vor der Übergabe: Rechnung {plain(preview.number)}**")
        st.write(f"Patient/in: {plain(preview.patient)}")
        st.write(
            f"Offener Betrag: {eur(preview.open_amount)} · fällig seit {day(preview.due_date)} "
            f"({preview.days_overdue} Tage)"
        )
        st.write(f"Rechtsgrundlage: {plain(preview.legal_basis)}")
        st.write(f"Fallgebühr: {plain(preview.case_fee_text)}")
        if preview.interest_text:
            st.write(f"Verzugszinsen (berechnet 1159 Finance): {plain(preview.interest_text)}")
        for warning in preview.warnings:
            st.warning(plain(warning))  # quotes the invoice number
        st.markdown("An 1159 Finance gehen:")
        st.dataframe(pd.DataFrame(preview.sent, columns=["Angabe", "Wert"]), hide_index=True)
        st.caption(plain("Nicht übermittelt: " + ", ".join(preview.withheld)))
        yes, no = st.columns(2)
        if yes.button("Bestätigen und übergeben", type="primary", key="claim_confirm"):
            st.session_state.pop(PENDING, None)
            with friendly():
                chosen = preview.number
                confirmations.consume(
                    ctx.app.uow(), practice_id=ctx.practice_id, actor=ctx.actor, token=token, action=CREATE,
                    subject=chosen,
                )  # fmt: skip
                outcome = with_finance(
                    ctx.app,
                    lambda finance: claims.create(
                        ctx.app.uow(),
                        finance=finance,
                        practice_id=ctx.practice_id,
                        actor=ctx.actor,
                        number=chosen,
                    ),
                )  # fmt: skip
                st.session_state[FLASH] = (outcome.delivered, outcome.message)
                st.rerun()
        if no.button("Abbrechen", key="claim_cancel"):
            st.session_state.pop(PENDING, None)
            st.rerun()

if ctx.actor.may(Permission.CREATE_CLAIM) and items:
    show_reminder_letters(ctx, [i.number for i in items], FLASH)

if items:
    numbers = [i.number for i in items]
    consent_number = st.selectbox("Einwilligung der Person zu Rechnung", numbers, key="consent_number")
    if consent_number is not None:
        consent_panel(ctx, str(consent_number))
