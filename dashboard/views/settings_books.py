"""Einstellungen → Buchhaltung: chart of accounts, basis, DATEV numbers and the accounts the bookings use."""

from __future__ import annotations

import streamlit as st

from core.services.accounting import book_settings
from core.services.accounting.book_settings import BASES
from core.services.accounting.chart import ROLES
from core.services.people.access import Permission
from core.services.setup import settings_view
from core.services.setup.practice_fields import format_iban
from dashboard.runtime import day, eur, friendly, page_context, plain

ctx = page_context(Permission.VIEW_REPORTS)
st.title("Buchhaltung")
FLASH = "books_flash"
if message := st.session_state.pop(FLASH, None):
    st.success(plain(message))

MONTHS = list(range(1, 13))

with friendly():
    books = settings_view.books(
        ctx.app.uow(), practice_id=ctx.practice_id, actor=ctx.actor, settings=ctx.app.settings
    )
    book = books.book
    st.subheader("Gebühren")
    a, b, c = st.columns(3)
    a.metric("Fallgebühr", eur(books.case_fee))
    b.metric("Kostenfrei ab Vertragsbeginn", f"{books.free_months} Monate")
    c.metric("Vertragsbeginn", day(books.contract_start))
    st.subheader("Praxis")
    st.text(f"Steuernummer: {books.tax_number or '– (unter Praxisdaten eintragen)'}")
    st.text(f"IBAN: {format_iban(books.iban) or '– (unter Praxisdaten eintragen)'}")

    st.subheader("Kontenrahmen und DATEV")
    if not book.stored:
        st.info("Noch nichts gespeichert: angezeigt sind die Voreinstellungen (SKR03, Ist-Versteuerung).")
    with st.form("books"):
        chart = st.selectbox(
            "Kontenrahmen", ["SKR03", "SKR04"], index=["SKR03", "SKR04"].index(book.chart), key="books_chart"
        )
        basis = st.selectbox(
            "Gewinnermittlung",
            list(BASES),
            index=list(BASES).index(book.basis),
            format_func=BASES.__getitem__,
        )
        left, right, month = st.columns(3)
        consultant = left.text_input(
            "Beraternummer (4–7 Ziffern)", value=book.consultant_number, key="books_consultant"
        )
        client = right.text_input("Mandantennummer (1–5 Ziffern)", value=book.client_number)
        start = month.selectbox(
            "Beginn des Wirtschaftsjahres (Monat)", MONTHS, index=MONTHS.index(book.fiscal_year_start)
        )
        st.caption("Konten (bei einem Wechsel des Kontenrahmens gelten dessen Voreinstellungen)")
        accounts = {
            key: st.text_input(
                role.label,
                value=book.accounts[key].number,
                help=book.accounts[key].name,
                key=f"acct_{book.chart}_{key}",
            )
            for key, role in ROLES.items()
        }
        if st.form_submit_button("Speichern"):
            with friendly():
                saved = book_settings.save_settings(
                    ctx.app.uow(),
                    practice_id=ctx.practice_id,
                    actor=ctx.actor,
                    settings=ctx.app.settings,
                    chart=chart,
                    basis=basis,
                    consultant_number=consultant,
                    client_number=client,
                    fiscal_year_start=start,
                    accounts=accounts if chart == book.chart else None,
                )
                st.session_state[FLASH] = f"Gespeichert: {saved.chart}, {BASES[saved.basis]}."
                st.rerun()
