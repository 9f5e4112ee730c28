"""Migration 0011_consents: every imported `Einwilligung am` keeps counting as consent to collection,
on SQLite and PostgreSQL, and the downgrade gives each invoice its consent date back."""

from __future__ import annotations

from datetime import date

from alembic import command
from sqlalchemy import text

from core.db.engine import make_engine
from core.db.migrate import alembic_config, upgrade
from core.services.invoicing import invoices
from tests.factories import add_invoice, make_app
from tests.integration.platform.test_migration_recipient import empty_url  # noqa: F401  (fixture)

SIGNED = date(2025, 3, 1)


def test_imported_consent_dates_become_consents_and_come_back_on_downgrade(empty_url: str, tmp_path) -> None:  # noqa: F811
    app = make_app(empty_url, tmp_path)  # migrated to head on start
    add_invoice(app, number="R-1", due_days_ago=60, consent=SIGNED)
    add_invoice(app, number="R-2", due_days_ago=60)
    app.close()
    engine = make_engine(empty_url)
    try:
        command.downgrade(alembic_config(engine), "0010_login_sessions")
        with engine.begin() as conn:
            dates = dict(conn.execute(text("SELECT number, consent_date FROM invoice")).all())
            assert {k: None if v is None else date.fromisoformat(str(v)) for k, v in dates.items()} == {
                "R-1": SIGNED,
                "R-2": None,
            }
            conn.execute(text("UPDATE invoice SET consent_date = :d WHERE number = 'R-2'"), {"d": SIGNED})
        upgrade(engine)
        with engine.connect() as conn:
            rows = conn.execute(
                text(
                    "SELECT i.number, c.given_on, c.scope, c.source FROM consent c "
                    "JOIN invoice i ON i.id = c.invoice_id ORDER BY i.number"
                )
            ).all()
        assert [(n, str(d), s, src) for n, d, s, src in rows] == [
            ("R-1", "2025-03-01", "Inkasso durch 1159 Finance", "import"),
            ("R-2", "2025-03-01", "Inkasso durch 1159 Finance", "import"),
        ]
    finally:
        engine.dispose()
    app = make_app(empty_url, tmp_path)
    listing = invoices.overdue(app.uow(), practice_id=app.practice_id, handover_possible=True)
    assert sorted(i.number for i in listing.items) == ["R-1", "R-2"]
    app.close()
