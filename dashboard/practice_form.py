"""The Praxisdaten inputs, shared by the first start and Einstellungen → Praxisdaten."""

from __future__ import annotations

from collections.abc import Mapping

import streamlit as st

from core.services.setup.practice_fields import FIELDS

__all__ = ["HELP", "practice_inputs"]

HELP = {
    "email": "An diese Adresse schreibt 1159 Finance (Vertrag, Freischaltung, Monatsabrechnungen).",
    "tax_number": "Steuernummer (z. B. 181/815/08155) oder USt-IdNr. (z. B. DE136695976).",
    "iban": "Das Konto der Praxis, z. B. DE89 3704 0044 0532 0130 00.",
}


def practice_inputs(key: str, current: Mapping[str, str]) -> dict[str, str]:
    """One text input per field (inside the caller's form), filled with `current`; returns what is typed."""
    typed: dict[str, str] = {}
    for name, field in FIELDS.items():
        label = field.label + (" *" if field.required else " (freiwillig)")
        typed[name] = st.text_input(
            label, value=current.get(name, ""), key=f"{key}_{name}", help=HELP.get(name), max_chars=200
        )
    return typed
