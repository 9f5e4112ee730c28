"""`inkasso consent record|show|complete|revoke` from a shell: German messages, exit 1 and nothing
changed on bad input (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from sqlmodel import col, select

from core.bootstrap import App
from core.db.models import Consent
from core.domain.dates import today
from tests.integration.collection.claims_helpers import cli, cli_env, ready_invoice

SIGNED = (today() - timedelta(days=30)).strftime("%d.%m.%Y")
TOMORROW = (today() + timedelta(days=1)).strftime("%d.%m.%Y")
EARLY = (today() - timedelta(days=40)).strftime("%d.%m.%Y")


def consents_of(app: App) -> list[tuple[object, ...]]:
    with app.uow() as uow:
        rows = uow.session.exec(select(Consent).order_by(col(Consent.id))).all()
        return [(c.given_on, c.scope, c.form_location, c.revoked_on) for c in rows]


def test_consent_is_recorded_completed_shown_and_revoked_from_the_command_line(
    app: App, tmp_path: Path
) -> None:
    ready_invoice(app, "R-1", reminder=False, announced=False)
    env = cli_env(app)

    def run(*args: str) -> tuple[int, str, str]:
        done = cli(env, "consent", *args, cwd=tmp_path)
        return done.returncode, done.stdout, done.stderr

    for args, words in [
        (("record", "R-1", "--date", TOMORROW), "in der Zukunft. Bitte den Tag der Unterschrift angeben"),
        (("record", "R-1", "--date", "31.02.2026"), "31.02.2026"),
        (("record", "R-404", "--date", SIGNED), "Rechnung R-404 gibt es nicht"),
        (("revoke", "R-1"), "keine Einwilligung erfasst; es gibt nichts zu widerrufen"),
    ]:
        code, out, err = run(*args)
        assert (code, out) == (1, ""), (args, err)
        assert words in err and "Traceback" not in err
    assert consents_of(app) == []

    code, out, err = run("record", "R-1", "--date", SIGNED, "--form", "Papierakte Nr. 12")
    assert code == 0, err
    assert out.strip() == (
        f"Einwilligung vom {SIGNED} für alle Rechnungen der Person erfasst "
        "(Umfang: Inkasso durch 1159 Finance; Formular: Papierakte Nr. 12)."
    )
    code, out, err = run("show", "R-1")
    assert code == 0, err
    assert f"Für Rechnung R-1 gilt die Einwilligung vom {SIGNED}." in out
    [consent_id] = [c.id for c in _rows(app)]
    code, out, err = run("complete", str(consent_id), "--scope", "Inkasso und gerichtliches Mahnverfahren")
    assert code == 0 and "Umfang Inkasso und gerichtliches Mahnverfahren" in out, err
    assert "Rechtsgrundlage ok" in cli(env, "overdue", cwd=tmp_path).stdout

    before = consents_of(app)
    for args, words in [
        (("revoke", "R-1", "--date", TOMORROW), "Das Datum des Widerrufs"),
        (("revoke", "R-1", "--date", EARLY), "liegt vor der Einwilligung vom"),
        (("complete", "9999", "--form", "x"), "Eine Einwilligung Nr. 9999 gibt es nicht"),
    ]:
        code, out, err = run(*args)
        assert code == 1 and words in err, (args, err)
    assert consents_of(app) == before

    code, out, err = run("revoke", "R-1")
    assert code == 0, err
    assert out.startswith(f"Widerruf vom {today():%d.%m.%Y} erfasst")
    code, out, err = run("show", "R-1")
    assert out.startswith(f"Widerrufen am {today():%d.%m.%Y}: Rechnung R-1 wird nicht übergeben.")
    assert f"Einwilligung widerrufen am {today():%d.%m.%Y}" in cli(env, "overdue", cwd=tmp_path).stdout
    refused = cli(env, "claim", "preview", "R-1", cwd=tmp_path)
    assert refused.returncode == 1 and "widerrufen" in refused.stderr


def _rows(app: App) -> list[Consent]:
    with app.uow() as uow:
        return list(uow.session.exec(select(Consent)).all())
