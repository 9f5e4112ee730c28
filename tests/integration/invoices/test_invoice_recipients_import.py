"""Importing the export's `Empfänger …` columns: the recipient stored with its invoice, on SQLite and
PostgreSQL; replaced or removed by a newer export; a recipient without an address refused."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlmodel import col

from core.bootstrap import App
from core.db.models import Invoice, InvoiceRecipient
from core.domain.errors import ImportRefused
from core.domain.invoice_rows import REQUIRED
from core.services.invoicing.invoice_import import BATCH, ImportResult, import_invoices
from core.services.people.access import OPERATOR
from tests.factories import export_row, write_csv

MOTHER = {
    "Empfänger Anrede": "Frau",
    "Empfänger Vorname": "Jana",
    "Empfänger Nachname": "Keller",
    "Empfänger Straße": "Lindenweg 3",
    "Empfänger PLZ": "50667",
    "Empfänger Ort": "Köln",
}
COMPANY = {"Empfänger Firma": "Becker Bau GmbH", "Empfänger Straße": "Hafenstraße 1",
           "Empfänger PLZ": "20457", "Empfänger Ort": "Hamburg"}  # fmt: skip


def run_import(app: App, path: Path) -> ImportResult:
    return import_invoices(app.uow(), practice_id=app.practice_id, actor=OPERATOR, path=path)


def recipients(app: App) -> dict[str, tuple[Any, ...]]:
    """Invoice number -> (first name, last name, company, street, city) of its recipient."""
    r = InvoiceRecipient
    query = select(
        *(col(c) for c in (Invoice.number, r.first_name, r.last_name, r.company, r.street, r.city))
    )
    with app.uow() as uow:
        rows = uow.session.execute(query.join(r, col(r.invoice_id) == col(Invoice.id))).all()
    return {number: tuple(rest) for number, *rest in rows}


def test_recipients_are_stored_with_their_invoices_and_the_same_file_again_changes_nothing(
    app: App, tmp_path: Path
) -> None:
    rows = [export_row("R-1", cells=MOTHER), export_row("R-2", cells=COMPANY), export_row("R-3")]
    path = write_csv(tmp_path / "export.csv", rows)

    assert run_import(app, path).created == 3
    expected = {
        "R-1": ("Jana", "Keller", "", "Lindenweg 3", "Köln"),
        "R-2": ("", "", "Becker Bau GmbH", "Hafenstraße 1", "Hamburg"),
    }
    assert recipients(app) == expected
    assert run_import(app, path) == ImportResult(rows=3, created=0, updated=0, unchanged=3, dry_run=False)
    assert recipients(app) == expected


def test_a_newer_export_replaces_a_changed_recipient_removes_a_dropped_one_and_adds_a_new_one(
    app: App, tmp_path: Path
) -> None:
    run_import(app, write_csv(tmp_path / "monday.csv", [
        export_row("R-1", cells=MOTHER), export_row("R-2", cells=COMPANY), export_row("R-3"),
    ]))  # fmt: skip
    newer = [
        export_row("R-1", cells={**MOTHER, "Empfänger Straße": "Am Markt 1", "Empfänger Ort": "Bonn"}),
        export_row("R-2"),
        export_row("R-3", cells=COMPANY),
    ]
    assert run_import(app, write_csv(tmp_path / "tuesday.csv", newer)).updated == 3
    assert recipients(app) == {
        "R-1": ("Jana", "Keller", "", "Am Markt 1", "Bonn"),
        "R-3": ("", "", "Becker Bau GmbH", "Hafenstraße 1", "Hamburg"),
    }


def test_an_export_with_only_some_recipient_columns_is_imported(sqlite_app: App, tmp_path: Path) -> None:
    columns = [*REQUIRED, "Empfänger Vorname", "Empfänger Nachname", "Empfänger Straße", "Empfänger PLZ",
               "Empfänger Ort"]  # fmt: skip
    path = write_csv(
        tmp_path / "export.csv", [export_row("R-1", cells=MOTHER), export_row("R-2")], columns=columns
    )
    assert run_import(sqlite_app, path).created == 2
    assert recipients(sqlite_app) == {"R-1": ("Jana", "Keller", "", "Lindenweg 3", "Köln")}


def test_a_recipient_without_a_complete_address_refuses_the_file_naming_line_and_column(
    sqlite_app: App, tmp_path: Path
) -> None:
    run_import(sqlite_app, write_csv(tmp_path / "earlier.csv", [export_row("R-1", cells=MOTHER)]))
    rows = [
        export_row("R-1", cells={**MOTHER, "Empfänger Ort": "Bonn"}),
        export_row("R-2", cells={**MOTHER, "Empfänger Straße": ""}),
    ]
    with pytest.raises(ImportRefused) as refused:
        run_import(sqlite_app, write_csv(tmp_path / "export.csv", rows))
    [(line, reason)] = refused.value.problems
    assert line == 3 and "„Empfänger Straße“ fehlt" in reason and "vollständige Anschrift" in reason
    assert recipients(sqlite_app) == {"R-1": ("Jana", "Keller", "", "Lindenweg 3", "Köln")}


def test_recipients_across_several_batches_each_land_on_their_own_invoice(
    sqlite_app: App, tmp_path: Path
) -> None:
    count = BATCH + 5
    rows = [export_row(f"R-{i}", cells={**MOTHER, "Empfänger Nachname": f"Keller-{i}"}) for i in range(count)]
    assert run_import(sqlite_app, write_csv(tmp_path / "export.csv", rows)).created == count
    stored = recipients(sqlite_app)
    assert len(stored) == count
    assert all(stored[f"R-{i}"][1] == f"Keller-{i}" for i in range(count))
