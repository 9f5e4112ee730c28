"""Book settings: presets per chart, checked values, stored per practice, used by the DATEV file."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from core.bootstrap import App
from core.domain.errors import InvalidInput, NotAllowed
from core.services.accounting import book_settings, books
from core.services.accounting.chart import Account
from core.services.people.access import OPERATOR, Actor, Role
from tests.factories import add_practice, make_app
from tests.integration.books.books_helpers import cli_env, run_cli

STAFF = Actor(Role.STAFF, "dashboard:anna")


@pytest.fixture
def app(database_url: str, tmp_path: Path) -> Iterator[App]:
    app = make_app(database_url, tmp_path)
    add_practice(app)
    yield app
    app.close()


def _read(app: App) -> book_settings.BookSetup:
    return book_settings.read_settings(
        app.uow(), practice_id=app.practice_id, actor=OPERATOR, settings=app.settings
    )


def _save(app: App, **changes: object) -> book_settings.BookSetup:
    values: dict[str, object] = {"chart": "SKR04", "basis": "cash", "consultant_number": "29098",
                                 "client_number": "55003"} | changes  # fmt: skip
    return book_settings.save_settings(
        app.uow(),
        practice_id=app.practice_id,
        actor=OPERATOR,
        settings=app.settings,
        **values,  # type: ignore[arg-type]
    )


def test_without_settings_the_skr03_presets_and_cash_basis_apply(app: App) -> None:
    setup = _read(app)
    assert (setup.chart, setup.basis, setup.stored, setup.fiscal_year_start) == ("SKR03", "cash", False, 1)
    assert setup.accounts["interest"] == Account("2650", "Sonstige Zinsen und ähnliche Erträge")
    assert setup.accounts["clearing"].number == "1360" and setup.accounts["bank"].number == "1200"
    assert setup.accounts["revenue"].number == "8100" and setup.accounts["case_fee"].number == "4970"


def test_saved_settings_are_read_back_on_both_databases_and_accounts_can_be_changed(app: App) -> None:
    saved = _save(app, fiscal_year_start="07", accounts={"bank": Account("1810", "Sparkasse")})
    again = _read(app)
    assert again == saved and again.stored
    assert again.accounts["interest"] == Account("7100", "Sonstige Zinsen und ähnliche Erträge")
    assert again.accounts["bank"] == Account("1810", "Sparkasse") and again.fiscal_year_start == 7
    kept = _save(app, basis="accrual")  # same chart: the changed bank account stays
    assert kept.accounts["bank"].number == "1810" and kept.basis == "accrual"
    switched = _save(app, chart="SKR03")  # another chart: its presets
    assert switched.accounts["bank"].number == "1200" and switched.accounts["interest"].number == "2650"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"consultant_number": "12"}, "Beraternummer muss 4 bis 7 Ziffern"),
        ({"consultant_number": "12345678"}, "Beraternummer muss 4 bis 7 Ziffern"),
        ({"client_number": "123456"}, "Mandantennummer muss 1 bis 5 Ziffern"),
        ({"chart": "SKR05"}, "Möglich: SKR03 oder SKR04"),
        ({"basis": "monthly"}, "Möglich: cash"),
        ({"fiscal_year_start": "13"}, "Monat als MM"),
        ({"accounts": {"interest": "2650"}}, "Konto 2650 liegt außerhalb des SKR04 (erlaubt 7000–7999"),
        ({"accounts": {"interest": "abc"}}, "keine Kontonummer"),
        ({"accounts": {"bank": "1460"}}, "Konto 1460 ist zweimal vergeben"),
        ({"accounts": {"kasse": "1000"}}, "Konto „kasse“ gibt es nicht"),
    ],
)
def test_bad_values_are_refused_in_german_and_nothing_changes(
    app: App, changes: dict[str, object], message: str
) -> None:
    before = _save(app)
    with pytest.raises(InvalidInput) as refused:
        _save(app, **changes)
    assert message in refused.value.user_message
    assert _read(app) == before


def test_staff_may_not_change_the_books(app: App) -> None:
    with pytest.raises(NotAllowed):
        book_settings.save_settings(
            app.uow(), practice_id=app.practice_id, actor=STAFF, settings=app.settings,
            chart="SKR03", basis="cash", consultant_number="29098", client_number="1",
        )  # fmt: skip


def test_the_datev_file_uses_the_stored_chart_numbers_and_fiscal_year(app: App) -> None:
    _save(app, fiscal_year_start="04")
    made = books.monthly_file(
        app.uow(),
        settings=app.settings,
        practice_id=app.practice_id,
        actor=OPERATOR,
        month="2026-02",
        fmt="datev",
    )
    head = made.data.decode("cp1252").split("\r\n")[0].split(";")
    assert head[10:13] == ["29098", "55003", "20250401"] and head[26] == '"04"'


def test_the_cli_sets_up_the_books_and_answers_mistakes_in_german(app: App, tmp_path: Path) -> None:
    env = cli_env(app, tmp_path)
    first = run_cli(["books", "setup", "--chart", "SKR04"], env, tmp_path)
    assert (
        first.returncode == 1 and "Zum ersten Einrichten bitte --chart, --consultant-number" in first.stderr
    )
    args = ["books", "setup", "--chart", "SKR04", "--basis", "cash", "--consultant-number", "29098"]
    fee = "case_fee=6825:Rechts- und Beratungskosten"
    done = run_cli([*args, "--client-number", "55003", "--account", fee], env, tmp_path)
    assert done.returncode == 0, done.stderr
    assert "Buchhaltung gespeichert." in done.stdout and "6825 Rechts- und Beratungskosten" in done.stdout
    assert "7100 Sonstige Zinsen und ähnliche Erträge" in done.stdout
    wrong = run_cli([*args, "--client-number", "1", "--account", "interest=8400"], env, tmp_path)
    assert wrong.returncode == 1 and "Konto 8400 liegt außerhalb des SKR04" in wrong.stderr
    assert "Traceback" not in wrong.stderr
    assert _read(app).client_number == "55003"
    one = run_cli(["books", "setup", "--account", "interest=7110:Zinserträge"], env, tmp_path)
    assert one.returncode == 0, one.stderr
    setup = _read(app)
    assert (setup.chart, setup.consultant_number, setup.accounts["interest"].number) == (
        "SKR04",
        "29098",
        "7110",
    )
    assert setup.accounts["case_fee"].number == "6825"
