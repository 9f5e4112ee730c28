"""Monatsabrechnungen: the agency's statements, our own monthly report, the reconciliation, downloads."""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from core.domain.dates import today
from core.services.accounting import books, statement_list, statements, three_way
from core.services.people.access import Permission
from dashboard.reconciliation_panel import show_records, show_three_way
from dashboard.runtime import day, eur, friendly, month_label, page_context, plain

ctx = page_context(Permission.VIEW_REPORTS)
st.title("Monatsabrechnungen")
REPORT = "monthly_report_file"


def _previous_month(on: date) -> str:
    return f"{on.year - 1}-12" if on.month == 1 else f"{on.year}-{on.month - 1:02d}"


st.subheader("Eigener Monatsbericht (für die Steuerberatung)")
a, b, c = st.columns(3)
month = a.text_input("Monat (JJJJ-MM)", value=_previous_month(today()), key="report_month")
fmt = b.selectbox("Format", ["pdf", "csv", "datev"], key="report_format")
c.write("")
if c.button("Bericht erstellen", key="report_make", type="primary"):
    st.session_state.pop(REPORT, None)
    with friendly():
        st.session_state[REPORT] = books.monthly_file(
            ctx.app.uow(),
            settings=ctx.app.settings,
            practice_id=ctx.practice_id,
            actor=ctx.actor,
            month=month,
            fmt=fmt,
        )
made = st.session_state.get(REPORT)
if made is not None:
    rep = made.report
    if rep.note:
        st.info(plain(rep.note))
    else:
        st.write(
            f"{len(rep.lines)} Fälle · Zahlungen an 1159 Finance {eur(rep.paid_to_agency)} · "
            f"Gebühren Schuldner {eur(rep.debtor_fees)} · Fallgebühren {eur(rep.case_fees)}"
        )
        with st.expander(f"Fälle im Bericht {month_label(rep.span.month)}"):
            st.dataframe(
                pd.DataFrame(
                    [
                        {
                            "Fall-Nr": x.case_id or "–",
                            "Rechnung": x.reference,
                            "Schuldner/in": x.debtor,
                            "Zahlungen an 1159 Finance": eur(x.paid_to_agency),
                            "Gebühren Schuldner": eur(x.debtor_fees),
                            "Fallgebühr": eur(x.case_fee),
                        }
                        for x in rep.lines
                    ]
                ),
                hide_index=True,
                width="stretch",
            )
    st.download_button(
        f"{made.name} herunterladen", made.data, file_name=made.name, mime=made.mime, key="report_dl"
    )
    sure = st.checkbox(
        f"Monat {month_label(rep.span.month)} abschließen: Buchungen und Dateien bleiben danach unverändert, "
        "Nachträge kommen in den nächsten offenen Monat.",
        key="close_sure",
    )
    if st.button("Monat abschließen", key="close_month", disabled=not sure):
        with friendly():
            final = books.close_month(
                ctx.app.uow(), settings=ctx.app.settings, practice_id=ctx.practice_id, actor=ctx.actor,
                month=rep.span.month,
            )  # fmt: skip
            st.success(
                f"Monat {month_label(rep.span.month)} abgeschlossen. "
                + " · ".join(f"{k.name} (SHA-256 {k.sha256[:12]}…)" for k in final)
            )
    with friendly():
        result = three_way.three_way(
            ctx.app.uow(), practice_id=ctx.practice_id, actor=ctx.actor, month=rep.span.month
        )
        show_three_way(result)

st.subheader("Abrechnungen von 1159 Finance")
with friendly():
    kept = statement_list.list_statements(ctx.app.uow(), practice_id=ctx.practice_id, actor=ctx.actor)
    if not kept:
        st.info("Noch keine Monatsabrechnung eingegangen. Sie kommt per Mail und wird automatisch abgelegt.")
    else:
        st.dataframe(
            pd.DataFrame(
                [
                    {
                        "Monat": month_label(s.month),
                        "Eingegangen": day(s.received_at),
                        "Buchungen": s.rows,
                        "Abgleich": s.parse_error or s.summary or "–",
                    }
                    for s in kept
                ]
            ),
            hide_index=True,
            width="stretch",
        )
        labels = {f"{month_label(s.month)} (eingegangen {day(s.received_at)})": s.id for s in kept}
        picked = st.selectbox("Abrechnung", list(labels), key="statement_pick")
        statement = statement_list.get_statement(
            ctx.app.uow(), practice_id=ctx.practice_id, actor=ctx.actor, statement_id=labels[picked]
        )
        left, right = st.columns(2)
        if statement.csv_data is not None:
            left.download_button(
                f"{statement.csv_name} herunterladen", statement.csv_data, file_name=statement.csv_name,
                mime="text/csv", key="statement_csv",
            )  # fmt: skip
        if statement.pdf_data is not None:
            right.download_button(
                f"{statement.pdf_name} herunterladen", statement.pdf_data, file_name=statement.pdf_name,
                mime="application/pdf", key="statement_pdf",
            )  # fmt: skip
        if statement.parse_error:
            st.error(f"Nicht gelesen: {plain(statement.parse_error)}")
        else:
            show_records(
                statements.reconciliation_for(
                    ctx.app.uow(),
                    practice_id=ctx.practice_id,
                    actor=ctx.actor,
                    statement_id=statement.id or 0,
                )
            )
            if st.button("Abgleich neu speichern", key="statement_reconcile"):
                statements.reconcile_again(
                    ctx.app.uow(),
                    practice_id=ctx.practice_id,
                    actor=ctx.actor,
                    statement_id=statement.id or 0,
                )
                st.success("Abgleich gespeichert.")
            with st.expander(f"Auszahlungen und Verrechnungskonto {month_label(statement.month)}"):
                show_three_way(
                    three_way.three_way(
                        ctx.app.uow(), practice_id=ctx.practice_id, actor=ctx.actor, month=statement.month
                    ),
                    records=False,
                )
        if statement.pdf_text:
            with st.expander("Text der PDF-Abrechnung"):
                st.text(statement.pdf_text[:20000])
