"""The banner on every dashboard page: what keeps the worker from doing its job (core.ops.problems)."""

from __future__ import annotations

import streamlit as st

from core.bootstrap import App
from core.domain.dates import format_datetime
from core.ops import problems
from dashboard.runtime import plain

__all__ = ["show_problems"]


def show_problems(app: App) -> None:
    for problem in problems.active(app.uow(), practice_id=app.practice_id):
        st.error(f"{plain(problem.text)} Seit {format_datetime(problem.since)}.", icon=":material/error:")
