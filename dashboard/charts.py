"""Bar charts with German number labels (Streamlit's own charts write 50,000 for fifty thousand)."""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

__all__ = ["euro_bars"]

# Thousands with a dot, as the practice reads them: 50.000
_GERMAN_THOUSANDS = "replace(format(datum.value, ',.0f'), regexp(',', 'g'), '.')"


def euro_bars(frame: pd.DataFrame, *, x: str, y: str, tooltip: list[str] | None = None) -> None:
    """Draw amounts per category; the values are for display only (money stays Decimal in the core)."""
    chart = (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            x=alt.X(f"{x}:N", sort=None, axis=alt.Axis(labelAngle=0)),
            y=alt.Y(f"{y}:Q", axis=alt.Axis(labelExpr=_GERMAN_THOUSANDS)),
            tooltip=tooltip or [x, y],
        )
    )
    st.altair_chart(chart, width="stretch")
