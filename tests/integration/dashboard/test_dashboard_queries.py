"""The dashboard's read models on SQLite and PostgreSQL, against the hand-computed October 2026."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from core.bootstrap import App
from core.db.models import AuditEvent
from core.domain.dates import AgeBucket
from core.services.people.access import Actor, Role
from core.services.read import case_timeline, cases, fees, figures, overdue
from tests.factories import add_invoice, make_app
from tests.integration.books.books_helpers import build_october
from tests.peers.database import fresh_postgres_database

ON = date(2026, 11, 27)
STAFF = Actor(Role.STAFF, "dashboard:anna")
D = Decimal


@pytest.fixture(
    scope="module",
    params=[
        pytest.param("sqlite", id="sqlite"),
        pytest.param("postgres", id="postgres", marks=pytest.mark.postgres),
    ],
)
def app(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[App]:
    """One database per backend for the whole module: these tests only read (one adds an event)."""
    folder = tmp_path_factory.mktemp("queries")
    with ExitStack() as stack:
        if request.param == "sqlite":
            url = f"sqlite:///{folder / 'q.db'}"
        else:
            url = stack.enter_context(fresh_postgres_database(request.getfixturevalue("postgres_server_url")))
        app = make_app(url, folder)
        stack.callback(app.close)
        build_october(app)
        add_invoice(app, number="R-9", due_days_ago=45, reminder=True, announced=True, on=ON)
        add_invoice(app, number="R-10", due_days_ago=75, on=ON)
        add_invoice(app, number="R-11", due_days_ago=100, consent=True, on=ON)
        yield app


def test_the_overview_figures(app: App) -> None:
    kpi = figures.overview(app.uow(), practice_id=app.practice_id, actor=STAFF, on=ON)
    assert (kpi.open_claims, kpi.in_collection) == (4, D("560.00"))
    assert (kpi.collected_month, kpi.collected_year) == (D("30.00"), D("255.50"))
    assert kpi.success_rate is None and kpi.finished == 0
    assert (kpi.debtor_fees_year, kpi.case_fees_year) == (D("71.15"), D("7.50"))


def test_money_collected_per_month_has_every_month_in_order(app: App) -> None:
    months = figures.collected_by_month(app.uow(), practice_id=app.practice_id, actor=STAFF, months=3, on=ON)
    assert months == [("2026-09", D("0.00")), ("2026-10", D("225.50")), ("2026-11", D("30.00"))]


def test_fees_by_type_and_month(app: App) -> None:
    rows = fees.fees_by_type_and_month(app.uow(), practice_id=app.practice_id, actor=STAFF, year=2026)
    assert set(rows) == {
        ("2026-09", "Inkassokosten", D("12.00")),
        ("2026-10", "Inkassokosten", D("44.10")),
        ("2026-10", "Auslagen", D("8.82")),
        ("2026-10", "Mahngebühr", D("5.00")),
        ("2026-10", "Zinsen", D("1.23")),
    }
    assert [r[0] for r in rows] == sorted(r[0] for r in rows)


def test_case_fees_and_the_free_months(app: App) -> None:
    chart = fees.case_fees(app.uow(), practice_id=app.practice_id, actor=STAFF, year=2026, on=ON)
    assert (chart.contract_start, chart.free_until, chart.free_now, chart.free_months) == (
        date(2026, 3, 1),
        date(2026, 9, 1),
        False,
        6,
    )
    assert chart.by_month == [
        ("2026-08", 1, 1, D("0.00")),
        ("2026-09", 1, 0, D("2.50")),
        ("2026-10", 2, 0, D("5.00")),
    ]
    early = fees.case_fees(
        app.uow(), practice_id=app.practice_id, actor=STAFF, year=2026, on=date(2026, 5, 1)
    )
    assert early.free_now


def test_the_case_list_filters_and_pages(app: App) -> None:
    def refs(**kw: object) -> list[str]:
        page = cases.cases(app.uow(), practice_id=app.practice_id, actor=STAFF, **kw)  # type: ignore[arg-type]
        return [r.reference for r in page.rows]

    assert refs() == ["R-103", "R-101", "R-102", "R-104"]
    assert refs(status="offen") == ["R-103", "R-101", "R-102", "R-104"]
    assert refs(status="vollständig bezahlt") == []
    assert refs(search="r-103") == ["R-103"] and refs(search="MUSTERMANN-R-10") == refs()
    assert refs(since=date(2026, 10, 1)) == ["R-103", "R-101"]
    second = cases.cases(app.uow(), practice_id=app.practice_id, actor=STAFF, page=2, per_page=3)
    assert (second.total, second.pages, [r.reference for r in second.rows]) == (4, 2, ["R-104"])


def test_a_case_timeline_has_hand_over_fees_payments_and_status_changes(app: App) -> None:
    with app.uow() as uow:
        uow.session.add(
            AuditEvent(
                practice_id=app.practice_id,
                at=datetime(2026, 10, 4, 12, 0, tzinfo=UTC),
                actor="worker",
                action="claim.status",
                subject="invoice:R-102",
                details={"old": "received", "new": "in_collection"},
            )
        )
        uow.commit()
    entries = case_timeline.timeline(app.uow(), practice_id=app.practice_id, actor=STAFF, number="R-102")
    assert [(e.day, e.what, e.amount) for e in entries] == [
        (date(2026, 9, 15), "An 1159 Finance übergeben", D("300.00")),
        (date(2026, 9, 15), "Fallgebühr der Praxis", D("2.50")),
        (date(2026, 10, 3), "Zahlung an 1159 Finance", D("50.00")),
        (date(2026, 10, 4), "Status geändert", None),
        (date(2026, 10, 10), "Gebühr: Mahngebühr", D("5.00")),
        (date(2026, 10, 12), "Zahlung direkt an die Praxis", D("20.00")),
        (date(2026, 10, 17), "Zahlung an 1159 Finance", D("75.50")),
        (date(2026, 10, 31), "Gebühr: Zinsen", D("1.23")),
    ]
    assert entries[3].detail == "in Prüfung bei 1159 Finance → im Inkasso"


def test_overdue_invoices_filter_by_age_legal_basis_and_text(app: App) -> None:
    def numbers(**kw: object) -> list[str]:
        page = overdue.overdue(app.uow(), practice_id=app.practice_id, actor=STAFF, on=ON, **kw)  # type: ignore[arg-type]
        return [i.number for i in page.items]

    assert numbers() == ["R-11", "R-10", "R-9"]
    assert numbers(handover_possible=True) == ["R-11", "R-9"]
    assert numbers(handover_possible=False) == ["R-10"]
    assert numbers(bucket=AgeBucket.D61_90) == ["R-10"] and numbers(bucket=AgeBucket.D90_PLUS) == ["R-11"]
    assert numbers(search="r-9") == ["R-9"] and numbers(search="MUSTERMANN-R-10") == ["R-10"]
    paged = overdue.overdue(app.uow(), practice_id=app.practice_id, actor=STAFF, on=ON, page=2, per_page=2)
    assert (paged.total, paged.pages, [i.number for i in paged.items]) == (3, 2, ["R-9"])
