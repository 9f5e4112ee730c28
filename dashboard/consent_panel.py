"""The consent part of the case and overdue pages: the patient's consents (date, scope, where the
signed form lies, revocation); managers record, complete and revoke (enforced in the core)."""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from core.domain.consents import DEFAULT_SCOPE
from core.domain.dates import today
from core.services.collection import consent_revocation, consents
from core.services.people.access import Permission
from dashboard.runtime import Context, day, friendly, plain

__all__ = ["consent_panel"]


def _day(value: object) -> date | None:
    return value if isinstance(value, date) else None


FLASH = "consent_flash"


def consent_panel(ctx: Context, number: str) -> None:
    """For the patient of invoice `number`; what was just saved is shown above it after the rerun."""
    st.subheader("Einwilligung (Schweigepflichtentbindung)")
    if message := st.session_state.pop(FLASH, None):
        st.success(plain(str(message)))
    found = None
    with friendly():
        found = consents.history(ctx.app.uow(), practice_id=ctx.practice_id, actor=ctx.actor, number=number)
    if found is None:
        return
    if found.revoked_on is not None:
        st.error(
            f"Einwilligung widerrufen am {day(found.revoked_on)}: Rechnung {plain(found.number)} wird nicht "
            "an 1159 Finance übergeben, auch nicht nach einer Mahnung."
        )
    elif found.in_force is not None:
        st.success(f"Es gilt die Einwilligung vom {day(found.in_force)}.")
    else:
        st.info("Für diese Rechnung ist keine Einwilligung erfasst.")
    if found.consents:
        rows = [
            {
                "Nr.": c.id,
                "Unterschrieben am": day(c.given_on),
                "Gilt für": f"Rechnung {c.for_invoice}" if c.for_invoice else "alle Rechnungen",
                "Umfang": c.scope,
                "Formular liegt": c.form_location or "noch offen",
                "Erfasst von": "Import" if c.source == "import" else c.recorded_by,
                "Widerrufen am": day(c.revoked_on) if c.revoked_on else "",
            }
            for c in found.consents
        ]
        st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
    if ctx.actor.may(Permission.CONSENT):
        _record(ctx, number)
        if found.consents:
            _complete(ctx, [c.id for c in found.consents])
            _revoke(ctx, number)


def _done(message: str) -> None:
    st.session_state[FLASH] = message
    st.rerun()


def _record(ctx: Context, number: str) -> None:
    with st.expander("Einwilligung erfassen"):
        with st.form("consent_record", clear_on_submit=True):
            given = st.date_input(
                "Unterschrieben am",
                value=today(),
                max_value=today(),
                format="DD.MM.YYYY",
                key="consent_given",
            )
            scope = st.text_input("Umfang", value=DEFAULT_SCOPE, key="consent_scope")
            place = st.text_input(
                "Wo liegt das unterschriebene Formular? (z. B. Papierakte Nr. 12)", key="consent_place"
            )
            only = st.checkbox(
                "Nur für diese Rechnung (sonst für alle Rechnungen der Person)", key="consent_only"
            )
            send = st.form_submit_button("Einwilligung speichern")
        if send:
            with friendly():
                message = consents.record(
                    ctx.app.uow(), practice_id=ctx.practice_id, actor=ctx.actor, number=number,
                    given_on=_day(given) or today(), scope=scope, form_location=place, only_this_invoice=only,
                )  # fmt: skip
                _done(message)


def _complete(ctx: Context, ids: list[int]) -> None:
    with st.expander("Umfang und Ablageort ergänzen"):
        with st.form("consent_complete"):
            picked = st.selectbox("Einwilligung Nr.", ids, key="consent_pick")
            scope = st.text_input("Umfang (leer: unverändert)", key="consent_new_scope")
            place = st.text_input(
                "Wo liegt das unterschriebene Formular? (leer: unverändert)", key="consent_new_place"
            )
            send = st.form_submit_button("Ergänzen")
        if send:
            with friendly():
                message = consents.complete(
                    ctx.app.uow(), practice_id=ctx.practice_id, actor=ctx.actor, consent_id=int(picked or 0),
                    scope=scope or None, form_location=place or None,
                )  # fmt: skip
                _done(message)


def _revoke(ctx: Context, number: str) -> None:
    with st.expander("Widerruf erfassen"):
        st.caption(
            "Der Widerruf gilt ab seinem Tag: keine Übergabe mehr, auch nicht nach einer Mahnung. "
            "Forderungen, die schon bei 1159 Finance sind, bleiben dort, bis die Praxisleitung sie "
            "zurückzieht."
        )
        with st.form("consent_revoke"):
            when = st.date_input(
                "Widerruf eingegangen am", value=today(), max_value=today(), format="DD.MM.YYYY",
                key="consent_revoked_on",
            )  # fmt: skip
            sure = st.checkbox("Die Person hat ihre Einwilligung widerrufen", key="consent_revoke_sure")
            send = st.form_submit_button("Widerruf speichern")
        if send and not sure:
            st.warning("Bitte bestätigen, dass die Person widerrufen hat.")
        elif send:
            with friendly():
                done = consent_revocation.revoke(
                    ctx.app.uow(), practice_id=ctx.practice_id, actor=ctx.actor, number=number,
                    revoked_on=_day(when),
                )  # fmt: skip
                _done(done.message)
