"""Import: upload the practice software's export (CSV or Excel), see a preview and every problem
before anything is stored, then import (managers only)."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pandas as pd
import streamlit as st

from core.domain.errors import by_line
from core.services.invoicing.import_preview import ImportPreview, preview_import
from core.services.invoicing.import_profile import builtin_names
from core.services.invoicing.invoice_import import import_invoices
from core.services.people.access import Permission
from dashboard.runtime import friendly, page_context, plain

ctx = page_context(Permission.IMPORT)
st.title("Import")
st.caption("Rechnungen aus dem Export der Praxissoftware: erst prüfen, dann importieren (alles oder nichts).")
FLASH = "import_flash"
if message := st.session_state.pop(FLASH, None):
    st.success(plain(message))

ROUND = "import_round"
upload = st.file_uploader(
    "Export (CSV oder Excel)",
    type=["csv", "txt", "xlsx"],
    key=f"import_file_{st.session_state.get(ROUND, 0)}",
)
names = sorted(builtin_names(), key=lambda n: n != "standard")  # the product's own format first
profile_name = st.selectbox("Importprofil", names, key="import_profile")
own_profile = st.file_uploader("Eigenes Profil (TOML, optional)", type=["toml"], key="import_profile_file")


def _stored(folder: Path, name: str, data: bytes) -> Path:
    path = folder / Path(name).name  # the name only: the suffix tells CSV from Excel in messages
    path.write_bytes(data)
    return path


def _show(preview: ImportPreview) -> None:
    if preview.refusal:
        st.error(plain(preview.refusal))
        return
    if preview.first_rows:
        st.subheader("Vorschau (erste Zeilen)")
        st.dataframe(pd.DataFrame(preview.first_rows), hide_index=True, width="stretch")
    if preview.problems:
        st.error(f"Die Datei würde nicht importiert: {len(preview.problems)} fehlerhafte Zeile(n).")
        st.code(by_line(preview.problems), language=None)
    if preview.result is not None:
        r = preview.result
        st.info(f"{r.rows} Rechnungen: {r.created} neu, {r.updated} geändert, {r.unchanged} unverändert.")
        if r.warnings:
            st.warning(f"Hinweise ({len(r.warnings)}): diese Kontaktdaten gehen nicht an 1159 Finance.")
            st.code(by_line(r.warnings, noun="Hinweise"), language=None)
        if r.protected:
            st.warning(f"Nicht übernommen ({len(r.protected)}): diese Rechnungen sind schon übergeben.")
            st.code(by_line(r.protected, noun="Zeilen"), language=None)
        if r.payments:
            st.info(f"Zahlungen laut Praxissoftware ({len(r.payments)}):")
            st.code(by_line(r.payments, noun="Zeilen"), language=None)


if upload is not None:
    with tempfile.TemporaryDirectory(prefix="import-") as tmp:
        folder = Path(tmp)
        path = _stored(folder, upload.name, upload.getvalue())
        profile: str | Path = profile_name
        if own_profile is not None:
            profile = _stored(folder, "profil.toml", own_profile.getvalue())
        with friendly():
            preview = preview_import(
                ctx.app.uow(), practice_id=ctx.practice_id, actor=ctx.actor, path=path, profile=profile
            )
            _show(preview)
            if preview.importable and st.button("Importieren", key="import_go", type="primary"):
                result = import_invoices(
                    ctx.app.uow(), practice_id=ctx.practice_id, actor=ctx.actor, path=path, profile=profile
                )
                st.session_state[FLASH] = (
                    f"Importiert: {result.created} neu, {result.updated} geändert, "
                    f"{result.unchanged} unverändert."
                )
                st.session_state[ROUND] = st.session_state.get(ROUND, 0) + 1  # a fresh, empty upload field
                st.rerun()
