"""Mirror a page of cases onto our claims.

Most cases of a pull changed nothing but amounts (or nothing at all); those are compared and
written in bulk, in the form the database stores them (driver_rows). A new status, new fees, or a
claim whose creation answer was lost goes through case_mirror.apply_case, which also raises the
notifications and audit entries.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.engine import Dialect
from sqlmodel import Session

from core.db import driver_rows
from core.db.engine import UnitOfWork, is_postgres
from core.db.models import Claim
from core.domain.claim_lifecycle import AWAITING_CASE
from core.domain.dates import utcnow
from core.finance1159 import wire
from core.services.collection.case_mirror import MIRROR_COLUMNS, apply_case, mirror_row
from core.sync.stored import CLAIMS, FEES, KnownClaims, StoredClaim, known_claims, read_claims

__all__ = ["Form", "Plan", "apply_cases", "plan_cases", "write_plans"]

_AMOUNTS = ("paid_to_agency", "outstanding", "fees_total")  # a change here counts as a change
_AMOUNT_AT = tuple(MIRROR_COLUMNS.index(n) for n in _AMOUNTS)
# MIRROR_COLUMNS ends with the three times, which mirror() converts once per case or per page.
_TIMES = MIRROR_COLUMNS.index("agency_updated_at")
assert MIRROR_COLUMNS[_TIMES:] == ("agency_updated_at", "closed_at", "status_as_of")


class Form:
    """The stored form of the values compared and written here, for one database dialect."""

    _made: dict[str, Form] = {}

    @classmethod
    def of(cls, dialect: Dialect) -> Form:
        """One per kind of database (the converters are the same for every engine of a kind)."""
        key = f"{dialect.name}+{dialect.driver}"
        if key not in cls._made:
            cls._made[key] = cls(dialect)
        return cls._made[key]

    def __init__(self, dialect: Dialect) -> None:
        self.column = [driver_rows.binder(CLAIMS.c[n], dialect) for n in MIRROR_COLUMNS[:_TIMES]]
        self.time = _required(driver_rows.binder(CLAIMS.c.agency_updated_at, dialect))
        self.cents = _required(driver_rows.binder(FEES.c.amount, dialect))
        self.day = driver_rows.binder(FEES.c.charged_on, dialect) or (lambda day: day)

    def mirror(self, case: wire.Case, updated_at: Any, as_of: datetime, as_of_stored: Any) -> list[Any]:
        """The stored values of MIRROR_COLUMNS; the two times come already converted."""
        values = mirror_row(case, as_of)
        # zip stops at the times (self.column covers MIRROR_COLUMNS[:_TIMES]), converted apart.
        stored = [value if store is None else store(value) for store, value in zip(self.column, values)]  # noqa: B905
        closed_at = None if case.closed_at is None else self.time(case.closed_at)
        return [*stored, updated_at, closed_at, as_of_stored]

    def fees(self, case: wire.Case) -> list[tuple[Any, ...]]:
        if not case.fees:  # most cases of a pull
            return []
        return sorted((f.type, self.cents(f.amount), self.day(f.date)) for f in case.fees)


def _required(store: driver_rows.Binder | None) -> driver_rows.Binder:
    assert store is not None, "money and times always have a stored form of their own"
    return store


@dataclass
class Plan:
    """What mirroring some cases writes: plain changes in stored form, claims the agency left as
    they were (only status_as_of moves on), and cases for apply_case (new status, fees, case id).

    Planning needs the stored claims but no database; a writer thread can then do the writing.
    """

    as_of: Any
    bulk: list[list[Any]] = field(default_factory=list)
    unchanged: list[int] = field(default_factory=list)
    thorough: list[tuple[int, wire.Case]] = field(default_factory=list)
    changed: int = 0  # plain changes of money; apply_case counts its own


def plan_cases(
    form: Form,
    stored: dict[int, StoredClaim],
    fees: dict[int, list[tuple[Any, ...]]],
    cases: Sequence[wire.Case],
    into: Plan | None = None,
) -> Plan:
    """Plan the cases, adding to `into` if given."""
    now = utcnow()
    plan = into or Plan(as_of=form.time(now))
    for case in cases:
        row = stored.get(case.case_id)
        if row is None:
            continue  # not a claim of this practice
        updated_at = form.time(case.updated_at)
        if row.case_id == case.case_id and row.agency_updated_at == updated_at:
            plan.unchanged.append(row.id)  # the agency changed nothing since we mirrored it
        elif (
            row.case_id == case.case_id
            and row.delivery not in AWAITING_CASE  # finding the case changes nothing else
            and row.agency_status == case.status
            and fees.get(row.id, []) == form.fees(case)
        ):
            values = form.mirror(case, updated_at, now, plan.as_of)
            plan.changed += [values[i] for i in _AMOUNT_AT] != [
                row.paid_to_agency,
                row.outstanding,
                row.fees_total,
            ]
            plan.bulk.append([*values, row.id, updated_at])
        else:
            plan.thorough.append((row.id, case))
    return plan


def write_plans(uow: UnitOfWork, plans: Sequence[Plan]) -> int:
    """Write plans, in order, in one transaction; returns how many claims changed in status or money."""
    with uow:
        if is_postgres(uow.engine) and not any(plan.thorough for plan in plans):
            # Only mirrored amounts and times: PostgreSQL need not wait for the disk at this commit.
            # A crash may lose it, never half of it, and then the pull's cursor is lost as well (its
            # later commit waits for the disk, which writes everything before it): the next pull
            # reads these cases again. Notifications and audit entries (apply_case) always wait.
            uow.session.connection().exec_driver_sql("SET LOCAL synchronous_commit TO off")
        changed = sum(plan.changed + _write(uow.session, plan) for plan in plans)
        uow.commit()
    return changed


def apply_cases(
    uow: UnitOfWork, practice_id: int, cases: Sequence[wire.Case], known: KnownClaims | None = None
) -> int:
    """Mirror cases in one transaction; returns how many changed in status or money."""
    with uow:
        connection = uow.session.connection()
        form = Form.of(connection.dialect)
        stored, fees, missing = known_claims(known, cases)
        if missing:
            read, read_fees = read_claims(connection, practice_id, missing)
            stored |= read
            fees |= read_fees
        plan = plan_cases(form, stored, fees, cases)
        changed = plan.changed + _write(uow.session, plan)
        uow.commit()
    return changed


def _write(session: Session, plan: Plan) -> int:
    changed = 0
    for claim_id, case in plan.thorough:
        claim = session.get(Claim, claim_id)
        assert claim is not None
        changed += apply_case(session, claim, case)
    connection = session.connection()
    # Never back in time: a claim another writer mirrored from a newer answer keeps that.
    driver_rows.update_many(
        connection, CLAIMS, MIRROR_COLUMNS, "id", plan.bulk, unless_newer="agency_updated_at"
    )
    driver_rows.set_where_in(connection, CLAIMS, {"status_as_of": plan.as_of}, "id", plan.unchanged)
    return changed
