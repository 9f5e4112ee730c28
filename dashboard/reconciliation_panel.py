"""The month's three-way reconciliation on the Monatsabrechnungen page: our records against the
agency's statement, the statement's payouts against the bank, and the clearing account."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core.services.accounting.payout_month import STATUS_LABEL
from core.services.accounting.reconcile import Reconciliation
from core.services.accounting.three_way import ThreeWay
from dashboard.runtime import day, eur, month_label, plain

__all__ = ["show_records", "show_three_way"]


def show_records(rec: Reconciliation) -> None:
    """Our records against the agency's statement, with each difference."""
    (st.success if rec.ok else st.warning)(f"Abgleich {month_label(rec.month)}: {rec.summary()}")
    if rec.differences:
        st.dataframe(
            pd.DataFrame([{"Rechnung": d.reference, "Abweichung": d.text} for d in rec.differences]),
            hide_index=True,
            width="stretch",
        )


def show_three_way(result: ThreeWay, *, records: bool = True) -> None:
    """The whole comparison; without `records` only the payouts and the clearing account (where the
    page shows one statement's own reconciliation beside it)."""
    if records:
        label = month_label(result.span.month)
        (st.success if result.ok else st.warning)(
            f"Abgleich {label} (Aufzeichnungen, Abrechnung, Kontoauszug): {result.summary()}"
        )
        st.markdown("**Aufzeichnungen und Abrechnung von 1159 Finance**")
        if result.records is None:
            st.info("Für diesen Monat liegt noch keine Abrechnung von 1159 Finance vor.")
        else:
            show_records(result.records)
    st.markdown("**Auszahlungen: Abrechnung und Kontoauszug**")
    listed, bank = eur(result.payouts.listed_total()), eur(result.payouts.bank_total())
    st.caption(f"Laut Abrechnung {listed}, auf dem Konto {bank} ({result.bank_state()}).")
    if result.payouts.lines:
        rows = [
            {
                "Abrechnung vom": day(x.listed.paid_on) if x.listed else "–",
                "Betrag laut Abrechnung": eur(x.listed.amount) if x.listed else "–",
                "Kontoauszug vom": day(x.bank.booked_on) if x.bank else "–",
                "Betrag auf dem Konto": eur(x.bank.amount) if x.bank else "–",
                "Gebucht am": day(x.booked_on),
                "Ergebnis": STATUS_LABEL[x.status],
                "Hinweis": x.text,
            }
            for x in result.payouts.lines
        ]
        st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
    else:
        st.info("Keine Auszahlungen von 1159 Finance in diesem Monat.")
    st.markdown(
        plain(
            f"Verrechnungskonto {result.clearing.number} {result.clearing.name}: Anfangsbestand "
            f"{eur(result.opening)}, Auszahlungen gebucht {eur(result.payouts_booked)}, Endbestand "
            f"{eur(result.closing)} (noch von 1159 Finance auszuzahlen)."
        )
    )
