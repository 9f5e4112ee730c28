"""Overdue invoices with ageing, on SQLite and PostgreSQL (core/services/invoicing/invoices.py)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from core.bootstrap import App
from core.db.models import Invoice
from core.domain.claims import InvoiceStatus
from core.domain.dates import AgeBucket
from core.domain.errors import InvalidInput, NotFound
from core.services.invoicing import invoices
from core.services.invoicing.invoices import BucketSum
from tests.factories import add_invoice, add_patient

ON = date(2026, 6, 15)


def numbers(app: App, **options: object) -> list[str]:
    page = invoices.overdue(app.uow(), practice_id=app.practice_id, on=ON, per_page=100, **options)  # type: ignore[arg-type]
    return [item.number for item in page.items]


def test_only_unpaid_invoices_past_their_due_date_are_overdue_oldest_first(app: App) -> None:
    patient = add_patient(app)
    add_invoice(app, number="due-tomorrow", due_days_ago=-1, patient=patient, on=ON)
    add_invoice(app, number="due-today", due_days_ago=0, patient=patient, on=ON)
    add_invoice(app, number="due-yesterday", due_days_ago=1, patient=patient, on=ON)
    add_invoice(app, number="long-overdue", due_days_ago=200, patient=patient, on=ON)
    add_invoice(app, number="paid", due_days_ago=50, amount="80,00", paid="80,00", patient=patient, on=ON)
    add_invoice(
        app, number="part-paid", due_days_ago=40, amount="80,00", paid="30,00", patient=patient, on=ON
    )

    assert numbers(app) == ["long-overdue", "part-paid", "due-yesterday"]


def test_an_invoice_in_collection_is_no_longer_listed(sqlite_app: App) -> None:
    handed_over = add_invoice(sqlite_app, number="R-1", due_days_ago=60, on=ON)
    add_invoice(sqlite_app, number="R-2", due_days_ago=60, on=ON)
    with sqlite_app.uow() as uow:
        handed_over.status = InvoiceStatus.IN_COLLECTION
        uow.session.add(handed_over)
        uow.commit()
    assert numbers(sqlite_app) == ["R-2"]


def test_money_paid_directly_to_the_practice_reduces_the_open_amount(app: App) -> None:
    paid_off = add_invoice(app, number="R-1", due_days_ago=60, amount="100,00", paid="40,00", on=ON)
    partly = add_invoice(app, number="R-2", due_days_ago=60, amount="100,00", paid="40,00", on=ON)
    with app.uow() as uow:
        paid_off.paid_direct = Decimal("60.00")
        partly.paid_direct = Decimal("10.00")
        uow.session.add_all([paid_off, partly])
        uow.commit()

    page = invoices.overdue(app.uow(), practice_id=app.practice_id, on=ON)

    assert [(i.number, i.open_amount) for i in page.items] == [("R-2", Decimal("50.00"))]


def test_each_item_carries_its_age_bucket_patient_and_legal_basis(app: App) -> None:
    add_invoice(app, number="R-1", due_days_ago=31, reminder=True, announced=True, on=ON)
    add_invoice(app, number="R-2", due_days_ago=30, reminder=True, announced=False, on=ON)
    add_invoice(app, number="R-3", due_days_ago=95, consent=True, on=ON)

    items = {i.number: i for i in invoices.overdue(app.uow(), practice_id=app.practice_id, on=ON).items}

    assert (items["R-1"].days_overdue, items["R-1"].bucket, items["R-1"].has_legal_basis) == (
        31,
        AgeBucket.D31_60,
        True,
    )
    assert (items["R-2"].bucket, items["R-2"].has_legal_basis) == (AgeBucket.D0_30, False)
    assert (items["R-3"].bucket, items["R-3"].has_legal_basis) == (AgeBucket.D90_PLUS, True)
    assert items["R-3"].patient == "Erika Mustermann-R-3"
    assert items["R-1"].open_amount == Decimal("120.00")


def test_the_listing_is_paged(sqlite_app: App) -> None:
    patient = add_patient(sqlite_app)
    for i in range(1, 8):
        add_invoice(sqlite_app, number=f"R-{i}", due_days_ago=100 - i, patient=patient, on=ON)

    first = invoices.overdue(sqlite_app.uow(), practice_id=sqlite_app.practice_id, on=ON, per_page=3)
    last = invoices.overdue(sqlite_app.uow(), practice_id=sqlite_app.practice_id, on=ON, per_page=3, page=3)

    assert (first.total, first.pages, [i.number for i in first.items]) == (7, 3, ["R-1", "R-2", "R-3"])
    assert [i.number for i in last.items] == ["R-7"]


def test_the_listing_can_be_narrowed_to_one_age_bucket(app: App) -> None:
    patient = add_patient(app)
    for days in (1, 30, 31, 60, 61, 90, 91, 400):
        add_invoice(app, number=f"D{days}", due_days_ago=days, patient=patient, on=ON)

    assert numbers(app, bucket=AgeBucket.D0_30) == ["D30", "D1"]
    assert numbers(app, bucket=AgeBucket.D31_60) == ["D60", "D31"]
    assert numbers(app, bucket=AgeBucket.D61_90) == ["D90", "D61"]
    assert numbers(app, bucket=AgeBucket.D90_PLUS) == ["D400", "D91"]


def test_ageing_sums_count_and_open_amount_per_bucket_exactly(app: App) -> None:
    patient = add_patient(app)
    add_invoice(app, number="A", due_days_ago=5, amount="0,10", patient=patient, on=ON)
    add_invoice(app, number="B", due_days_ago=30, amount="0,20", patient=patient, on=ON)
    add_invoice(app, number="C", due_days_ago=45, amount="1.000,00", paid="0,01", patient=patient, on=ON)
    add_invoice(app, number="D", due_days_ago=365, amount="99,99", patient=patient, on=ON)
    add_invoice(app, number="not-due", due_days_ago=-3, amount="50,00", patient=patient, on=ON)

    sums = invoices.ageing(app.uow(), practice_id=app.practice_id, on=ON)

    assert sums == [
        BucketSum(AgeBucket.D0_30, 2, Decimal("0.30")),
        BucketSum(AgeBucket.D31_60, 1, Decimal("999.99")),
        BucketSum(AgeBucket.D61_90, 0, Decimal("0.00")),
        BucketSum(AgeBucket.D90_PLUS, 1, Decimal("99.99")),
    ]
    assert all(isinstance(s.amount, Decimal) for s in sums)


def test_nothing_overdue_gives_an_empty_first_page(sqlite_app: App) -> None:
    page = invoices.overdue(sqlite_app.uow(), practice_id=sqlite_app.practice_id, on=ON)
    assert (page.items, page.total, page.pages) == ([], 0, 1)


def test_an_invoice_is_found_by_its_number_and_an_unknown_one_is_named(sqlite_app: App) -> None:
    add_invoice(sqlite_app, number="R-2026-0042", on=ON)
    with sqlite_app.uow() as uow:
        found = invoices.find(uow.session, practice_id=sqlite_app.practice_id, number=" R-2026-0042 ")
        assert isinstance(found, Invoice)
        with pytest.raises(NotFound) as missing:
            invoices.find(uow.session, practice_id=sqlite_app.practice_id, number="R-9")
        assert missing.value.user_message.startswith("Rechnung R-9 gibt es nicht.")
        with pytest.raises(InvalidInput):  # a control character is never part of a number
            invoices.find(uow.session, practice_id=sqlite_app.practice_id, number="R\x1b9")
        # Spaces are part of numbers as practice software writes them (RE 2026 0001).
        with pytest.raises(NotFound, match="Rechnung R 9 gibt es nicht"):
            invoices.find(uow.session, practice_id=sqlite_app.practice_id, number="R  9")
