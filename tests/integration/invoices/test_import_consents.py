"""An imported `Einwilligung am` is a consent to collection for its invoice; re-imports replace it
unless the practice completed it or the patient revoked it (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from core.bootstrap import App
from core.domain.dates import today
from core.services.collection import consent_revocation, consents
from core.services.invoicing import invoices
from core.services.invoicing.invoice_import import import_invoices
from core.services.people.access import OPERATOR
from tests.factories import export_row, write_csv

SIGNED = today() - timedelta(days=200)
LATER = today() - timedelta(days=100)


def run(app: App, tmp_path: Path, name: str, consent: date | None, **columns: str) -> None:
    """Import one row R-1 (overdue, no reminder) with `Einwilligung am` = `consent`."""
    cells = {"Einwilligung am": consent.strftime("%d.%m.%Y") if consent else ""}
    path = write_csv(tmp_path / name, [export_row("R-1", due_days_ago=60, cells=cells, **columns)])
    import_invoices(app.uow(), practice_id=app.practice_id, actor=OPERATOR, path=path)


def history(app: App) -> list[tuple[date, str, str, date | None]]:
    found = consents.history(app.uow(), practice_id=app.practice_id, actor=OPERATOR, number="R-1")
    return [(c.given_on, c.source, c.form_location, c.revoked_on) for c in found.consents]


def possible(app: App) -> bool:
    page = invoices.overdue(app.uow(), practice_id=app.practice_id, handover_possible=True)
    return [i.number for i in page.items] == ["R-1"]


def test_an_imported_consent_counts_and_follows_the_export_until_someone_completes_it(
    app: App, tmp_path: Path
) -> None:
    run(app, tmp_path, "1.csv", SIGNED)
    assert history(app) == [(SIGNED, "import", "", None)] and possible(app)
    run(app, tmp_path, "2.csv", LATER)  # the practice software corrected the date
    assert history(app) == [(LATER, "import", "", None)]
    run(app, tmp_path, "3.csv", None)  # and then removed it: no consent any more
    assert history(app) == [] and not possible(app)
    run(app, tmp_path, "4.csv", SIGNED)
    found = consents.history(app.uow(), practice_id=app.practice_id, actor=OPERATOR, number="R-1")
    consents.complete(
        app.uow(), practice_id=app.practice_id, actor=OPERATOR, consent_id=found.consents[0].id,
        form_location="Ordner 3",
    )  # fmt: skip
    run(app, tmp_path, "5.csv", LATER)  # a completed consent is the practice's record: kept beside it
    assert history(app) == [(SIGNED, "import", "Ordner 3", None), (LATER, "import", "", None)]


def test_a_reimport_never_undoes_a_revocation(app: App, tmp_path: Path) -> None:
    run(app, tmp_path, "1.csv", SIGNED)
    consent_revocation.revoke(app.uow(), practice_id=app.practice_id, actor=OPERATOR, number="R-1")
    run(app, tmp_path, "2.csv", SIGNED, **{"E-Mail": "neu@example.org"})  # a changed row, same consent date
    assert history(app) == [(SIGNED, "import", "", today())] and not possible(app)
    run(app, tmp_path, "3.csv", None, **{"E-Mail": "neuer@example.org"})
    assert history(app) == [(SIGNED, "import", "", today())] and not possible(app)
