"""core.db.driver_rows on SQLite and PostgreSQL: values in stored form, written and read past the ORM,
must be exactly what the ORM itself stores and reads."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import Table
from sqlmodel import col, select

from core.bootstrap import App
from core.db.driver_rows import (
    Binder,
    binder,
    insert_many,
    insert_new_pg,
    select_in,
    select_where,
    set_where_in,
    storer,
    update_many,
)
from core.db.models import Claim, Invoice, Patient, PaymentSuggestion, Practice

CLAIMS: Table = Claim.__table__  # type: ignore[attr-defined]
WRITTEN = ("agency_status", "paid_to_agency", "outstanding", "interest", "agency_updated_at", "closed_at")
T0 = datetime(2026, 3, 1, 12, 34, 56, 789012, tzinfo=UTC)


def add_claims(app: App, count: int, *, practice_id: int | None = None, prefix: str = "R") -> list[int]:
    """`count` claims (one invoice each) of the practice, default the app's; returns their ids."""
    practice_id = practice_id or app.practice_id
    due = date(2026, 1, 15)
    with app.uow() as uow:
        session = uow.session
        if session.get(Practice, practice_id) is None:
            session.add(Practice(id=practice_id, name=f"Praxis {practice_id}"))
            session.flush()
        patient = Patient(
            practice_id=practice_id, patient_key=f"{prefix}-patient", first_name="Erika",
            last_name="Mustermann", street="Heidestraße 17", zip="51147", city="Köln",
        )  # fmt: skip
        session.add(patient)
        session.flush()
        invoices = [
            Invoice(
                practice_id=practice_id,
                patient_id=saved(patient.id),
                number=f"{prefix}-{n}",
                invoice_date=due - timedelta(days=14),
                due_date=due,
                amount=Decimal("100.00"),
            )
            for n in range(count)
        ]
        session.add_all(invoices)
        session.flush()
        claims = [
            Claim(
                practice_id=practice_id,
                invoice_id=saved(invoice.id),
                reference=invoice.number,
                delivery="submitted",
                legal_basis="consent",
                legal_basis_date=due,
                principal=Decimal("100.00"),
                case_id=1000 + n,
                agency_status="received",
                created_by="test",
            )
            for n, invoice in enumerate(invoices)
        ]
        session.add_all(claims)
        session.flush()
        ids = [saved(claim.id) for claim in claims]
        uow.commit()
    return ids


def saved(row_id: int | None) -> int:
    """The id of a flushed row."""
    assert row_id is not None
    return row_id


def stored(app: App, name: str) -> Binder:
    """The column's stored form, or the value as it is where the driver takes it unchanged."""
    return binder(CLAIMS.c[name], app.engine.dialect) or (lambda value: value)


def stored_row(app: App, values: dict[str, Any]) -> list[Any]:
    return [stored(app, name)(value) for name, value in values.items()]


def set_updated_at(app: App, moments: dict[int, datetime | None]) -> None:
    """agency_updated_at written through the ORM."""
    with app.uow() as uow:
        for claim_id, moment in moments.items():
            claim = uow.session.get(Claim, claim_id)
            assert claim is not None
            claim.agency_updated_at = moment
        uow.commit()


def orm_claims(app: App, ids: list[int]) -> list[Claim]:
    with app.uow() as uow:
        claims = [uow.session.get(Claim, claim_id) for claim_id in ids]
    assert all(claim is not None for claim in claims)
    return [claim for claim in claims if claim is not None]


def test_values_written_by_update_many_read_back_through_the_orm_unchanged(app: App) -> None:
    ids = add_claims(app, 2)
    plus_two = timezone(timedelta(hours=2))
    wanted: list[dict[str, Any]] = [
        {
            "agency_status": "in_collection",
            "paid_to_agency": Decimal("1234.56"),
            "outstanding": Decimal("0.10"),
            "interest": Decimal("7.05"),
            "agency_updated_at": T0,
            "closed_at": None,
        },
        {
            "agency_status": "paid",
            "paid_to_agency": Decimal("0.01"),
            "outstanding": None,
            "interest": Decimal("98765432.99"),
            "agency_updated_at": datetime(2026, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
            "closed_at": datetime(2027, 1, 1, 1, 0, 0, 1, tzinfo=plus_two),  # 2026-12-31 23:00 UTC
        },
    ]
    with app.uow() as uow:
        rows = [[*stored_row(app, values), claim_id] for values, claim_id in zip(wanted, ids, strict=True)]
        update_many(uow.session.connection(), CLAIMS, WRITTEN, "id", rows)
        uow.commit()
    for claim, values in zip(orm_claims(app, ids), wanted, strict=True):
        assert {name: getattr(claim, name) for name in WRITTEN} == values
        assert claim.paid_to_agency.as_tuple() == values["paid_to_agency"].as_tuple()  # 0.10 stays 0.10
        assert claim.agency_updated_at is not None and claim.agency_updated_at.tzinfo == UTC
        assert claim.principal == Decimal("100.00")  # a column not named is left as it was


def test_select_in_returns_what_binder_makes_of_orm_written_values(app: App) -> None:
    [first, second] = add_claims(app, 2)
    with app.uow() as uow:
        claim = uow.session.get(Claim, first)
        assert claim is not None
        claim.paid_to_agency, claim.outstanding, claim.agency_updated_at = Decimal("0.10"), None, T0
        uow.commit()
    names = ("id", "paid_to_agency", "outstanding", "agency_updated_at")
    with app.engine.connect() as connection:
        rows = select_in(connection, CLAIMS, names, "id", [first, second])
    assert sorted(rows) == [
        (first, 10, None, stored(app, "agency_updated_at")(T0)),
        (second, 0, None, None),
    ]


def test_select_in_keeps_to_the_where_filter_and_reads_more_than_500_keys(app: App) -> None:
    ours = add_claims(app, 620)
    [theirs] = add_claims(app, 1, practice_id=app.practice_id + 1, prefix="OTHER")
    where = {"practice_id": app.practice_id}
    with app.engine.connect() as connection:
        found = select_in(connection, CLAIMS, ("id", "reference"), "id", [*ours, theirs], where=where)
        unfiltered = select_in(connection, CLAIMS, ("id",), "id", [*ours, theirs])
        by_reference = select_in(connection, CLAIMS, ("id",), "reference", ["OTHER-0", "R-619"], where=where)
        none = select_in(connection, CLAIMS, ("id",), "id", [])
    assert sorted(found) == [(claim_id, f"R-{n}") for n, claim_id in enumerate(ours)]
    assert sorted(row[0] for row in unfiltered) == sorted([*ours, theirs])
    assert by_reference == [(ours[-1],)]
    assert none == []


def test_update_many_unless_newer_never_moves_a_claim_back_in_time(app: App) -> None:
    unset, older, equal, newer = add_claims(app, 4)
    set_updated_at(app, {older: T0 - timedelta(microseconds=1), equal: T0, newer: T0 + timedelta(seconds=1)})
    at = stored(app, "agency_updated_at")(T0)
    with app.uow() as uow:
        rows = [
            [*stored_row(app, {"agency_status": "legal"}), at, claim_id, at]
            for claim_id in (unset, older, equal, newer)
        ]
        update_many(
            uow.session.connection(), CLAIMS, ("agency_status", "agency_updated_at"), "id", rows,
            unless_newer="agency_updated_at",
        )  # fmt: skip
        uow.commit()
    claims = orm_claims(app, [unset, older, equal, newer])
    assert [(c.agency_status, c.agency_updated_at) for c in claims] == [
        ("legal", T0),
        ("legal", T0),
        ("received", T0),
        ("received", T0 + timedelta(seconds=1)),
    ]


def test_set_where_in_sets_the_column_on_exactly_the_listed_rows(app: App) -> None:
    ids = add_claims(app, 560)
    listed = ids[::2] + ids[1:530:2]  # more than 500 keys, in no particular order
    with app.uow() as uow:
        values = {"status_as_of": stored(app, "status_as_of")(T0), "agency_status": "paid"}
        set_where_in(uow.session.connection(), CLAIMS, values, "id", listed)
        set_where_in(uow.session.connection(), CLAIMS, values, "id", [])
        uow.commit()
    changed = {c.id for c in orm_claims(app, ids) if (c.status_as_of, c.agency_status) == (T0, "paid")}
    untouched = {
        c.id for c in orm_claims(app, ids) if (c.status_as_of, c.agency_status) == (None, "received")
    }
    assert changed == set(listed)
    assert untouched == set(ids) - set(listed) and len(untouched) == 15


def test_select_where_returns_exactly_the_matching_rows(app: App) -> None:
    ids = add_claims(app, 5)
    add_claims(app, 2, practice_id=app.practice_id + 1, prefix="OTHER")
    with app.uow() as uow:
        for claim_id in ids[1:3]:
            claim = uow.session.get(Claim, claim_id)
            assert claim is not None
            claim.agency_status, claim.paid_to_agency = "legal", Decimal("12.34")
        uow.commit()
    names = ("id", "reference", "paid_to_agency")
    with app.engine.connect() as connection:
        legal = select_where(
            connection, CLAIMS, names, {"practice_id": app.practice_id, "agency_status": "legal"}
        )
        paid = select_where(
            connection, CLAIMS, ("id",), {"paid_to_agency": stored(app, "paid_to_agency")(Decimal("12.34"))}
        )
        everything = select_where(connection, CLAIMS, ("id",), {"practice_id": app.practice_id})
        nothing = select_where(connection, CLAIMS, ("id",), {"reference": "R-404"})
    assert sorted(legal) == [(ids[1], "R-1", 1234), (ids[2], "R-2", 1234)]
    assert sorted(paid) == [(ids[1],), (ids[2],)]
    assert sorted(row[0] for row in everything) == ids
    assert nothing == []


def test_update_many_of_one_key_twice_leaves_what_row_by_row_updates_leave(app: App) -> None:
    """PostgreSQL joins the rows in with one UPDATE … FROM, which applies one row per claim."""
    timed, plain = add_claims(app, 2)
    at = stored(app, "agency_updated_at")

    def row(status: str, moment: datetime, claim_id: int) -> list[Any]:
        return [*stored_row(app, {"agency_status": status}), at(moment), claim_id, at(moment)]

    with app.uow() as uow:
        connection = uow.session.connection()
        names = ("agency_status", "agency_updated_at")
        # The newest stands, wherever it comes; of two equally new ones the first.
        rows = [
            row("older", T0, timed),
            row("newest", T0 + timedelta(seconds=2), timed),
            row("as new, later", T0 + timedelta(seconds=2), timed),
            row("newer", T0 + timedelta(seconds=1), timed),
        ]
        update_many(connection, CLAIMS, names, "id", rows, unless_newer="agency_updated_at")
        # Without a time to compare, the last row stands.
        plain_rows = [[status, plain] for status in ("first", "second", "last")]
        update_many(connection, CLAIMS, ("agency_status",), "id", plain_rows)
        uow.commit()
    [timed_claim, plain_claim] = orm_claims(app, [timed, plain])
    assert (timed_claim.agency_status, timed_claim.agency_updated_at) == ("newest", T0 + timedelta(seconds=2))
    assert plain_claim.agency_status == "last"


def test_update_many_twice_in_one_transaction_applies_each_call_once(app: App) -> None:
    first, second = add_claims(app, 2)
    with app.uow() as uow:
        connection = uow.session.connection()
        update_many(connection, CLAIMS, ("agency_status",), "id", [["legal", first]])
        # Changed in between by another statement: the second call must not write the first's row again.
        set_where_in(connection, CLAIMS, {"agency_status": "paid"}, "id", [first])
        update_many(connection, CLAIMS, ("agency_status",), "id", [["closed", second]])
        uow.commit()
    assert [c.agency_status for c in orm_claims(app, [first, second])] == ["paid", "closed"]


def test_update_many_works_again_after_a_transaction_that_used_it_was_rolled_back(app: App) -> None:
    [claim_id] = add_claims(app, 1)
    for status in ("legal", "paid"):
        with app.uow() as uow:  # the engine's pool hands out the same connection again
            update_many(uow.session.connection(), CLAIMS, ("agency_status",), "id", [[status, claim_id]])
            # not committed: rolled back, with whatever the call made in the transaction
    with app.uow() as uow:
        update_many(uow.session.connection(), CLAIMS, ("agency_status",), "id", [["closed", claim_id]])
        uow.commit()
    assert [c.agency_status for c in orm_claims(app, [claim_id])] == ["closed"]


INVOICES: Table = Invoice.__table__  # type: ignore[attr-defined]


def test_insert_many_stores_rows_the_orm_reads_back_as_given(app: App) -> None:
    """The import's path: Python values turned into stored form (storer), then one INSERT per row
    on SQLite or one binary COPY on PostgreSQL."""
    add_claims(app, 1)  # the practice and a patient
    with app.uow() as uow:
        patient_id = uow.session.exec(select(Patient.id)).one()
    names = (
        "practice_id", "patient_id", "number", "invoice_date", "due_date", "amount", "paid_before",
        "paid_direct", "service_text", "reminder_date", "handover_announced", "status",
        "row_hash", "updated_at",
    )  # fmt: skip
    wanted = [
        (app.practice_id, patient_id, "N-1", date(2026, 1, 2), date(2026, 1, 16), Decimal("1234.56"),
         Decimal("0.10"), Decimal("0"), "Krankengymnastik; 6×", None, True, "offen",
         "abc", T0),
        (app.practice_id, patient_id, "N-2", date(1, 1, 1), date(9999, 12, 31), Decimal("0.01"),
         Decimal("0"), Decimal("0"), "", date(2026, 2, 1), False, "bezahlt", "", T0),
    ]  # fmt: skip
    with app.uow() as uow:
        connection = uow.session.connection()
        stored = storer(INVOICES, names, connection.dialect)
        insert_many(connection, INVOICES, names, [stored(row) for row in wanted])
        uow.commit()
    with app.uow() as uow:
        invoices = uow.session.exec(select(Invoice).where(col(Invoice.number).in_(["N-1", "N-2"]))).all()
        found = sorted(tuple(getattr(i, name) for name in names) for i in invoices)
    assert found == wanted
    assert found[0][6].as_tuple() == Decimal("0.10").as_tuple()


def test_insert_many_refuses_to_leave_out_a_column_with_a_python_side_default(app: App) -> None:
    with app.uow() as uow, pytest.raises(AssertionError, match="status"):
        names = ("practice_id", "patient_id", "number", "service_text", "handover_announced", "row_hash")
        insert_many(uow.session.connection(), INVOICES, names, [])


def test_insert_new_pg_leaves_out_known_keys_and_returns_only_the_new_rows(app: App) -> None:
    """The bank import's suggestions on PostgreSQL: COPY into a staging table, one INSERT … SELECT
    ON CONFLICT DO NOTHING; what it stores reads back through the ORM as given."""
    if app.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL's bulk path")
    add_claims(app, 1)
    with app.uow() as uow:
        invoice_id = uow.session.exec(select(Invoice.id)).one()
    names = (
        "practice_id", "invoice_id", "amount", "paid_on", "source", "evidence", "reason", "confidence",
        "payer", "transaction_key", "state", "decided_by", "created_at",
    )  # fmt: skip
    table: Table = PaymentSuggestion.__table__  # type: ignore[attr-defined]

    def rows(*keys: str) -> list[tuple[Any, ...]]:
        values = [
            (app.practice_id, invoice_id, Decimal("12.50"), date(2026, 12, 3), "bank", "", "", "sicher", "",
             k, "open", "", T0)
            for k in keys
        ]  # fmt: skip
        with app.uow() as uow:
            stored = storer(table, names, uow.session.connection().dialect)
        return [stored(v) for v in values]

    with app.uow() as uow:
        first = insert_new_pg(
            uow.session.connection(), table, names, rows("a", "b"), unique=("practice_id", "transaction_key"),
            returning=("transaction_key",),
        )  # fmt: skip
        uow.commit()
    with app.uow() as uow:
        again = insert_new_pg(
            uow.session.connection(), table, names, rows("b", "c"), unique=("practice_id", "transaction_key"),
            returning=("transaction_key",),
        )  # fmt: skip
        uow.commit()
    assert sorted(first) == [("a",), ("b",)]
    assert again == [("c",)]  # "b" was known: left out, not an error
    with app.uow() as uow:
        found = uow.session.exec(
            select(PaymentSuggestion).order_by(col(PaymentSuggestion.transaction_key))
        ).all()
    assert [(s.transaction_key, s.amount, s.paid_on, s.created_at) for s in found] == [
        (k, Decimal("12.50"), date(2026, 12, 3), T0) for k in "abc"
    ]
