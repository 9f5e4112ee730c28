"""What our database holds about the claims a pull mirrors, in stored form (driver_rows): read per
batch, or for a full pull all at once while its first requests are on their way."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from sqlalchemy import Table
from sqlalchemy.engine import Connection

from core.db import driver_rows
from core.db.engine import UnitOfWork
from core.db.models import Claim, Fee
from core.finance1159 import wire

__all__ = [
    "CLAIMS",
    "FEES",
    "KnownClaims",
    "StoredClaim",
    "known_claims",
    "read_claims",
    "read_known_claims",
]

CLAIMS: Table = Claim.__table__  # type: ignore[attr-defined]
FEES: Table = Fee.__table__  # type: ignore[attr-defined]


class StoredClaim(NamedTuple):
    """A claim's mirror columns as stored (cents as integers, times in the database's form)."""

    id: int
    case_id: int | None
    reference: str
    delivery: str
    agency_status: str
    agency_updated_at: Any
    paid_to_agency: int
    outstanding: int | None
    fees_total: int


@dataclass(frozen=True)
class KnownClaims:
    """A practice's claims and fees as stored when a full pull began, read while its first
    requests were on their way. Mirroring is still safe if a claim changed since: a plain update
    only lands where the stored case is not newer, and everything else reads the claim afresh.

    The claims are kept as the driver's plain rows (the fields of StoredClaim) and become
    StoredClaims batch by batch: ten thousand of them at once would hold up the first answers.
    """

    by_case: dict[int, tuple[Any, ...]]
    by_reference: dict[str, tuple[Any, ...]]
    fees: dict[int, list[tuple[Any, ...]]]


_CASE_ID, _REFERENCE = StoredClaim._fields.index("case_id"), StoredClaim._fields.index("reference")


def read_known_claims(uow: UnitOfWork, practice_id: int) -> KnownClaims:
    with uow:
        connection = uow.session.connection()
        rows = driver_rows.select_where(connection, CLAIMS, StoredClaim._fields, {"practice_id": practice_id})
        fees: dict[int, list[tuple[Any, ...]]] = {}
        for claim_id, kind, amount, day in driver_rows.select_where(
            connection, FEES, ("claim_id", "type", "amount", "charged_on"), {"practice_id": practice_id}
        ):
            fees.setdefault(claim_id, []).append((kind, amount, day))
    return KnownClaims(
        by_case={row[_CASE_ID]: row for row in rows if row[_CASE_ID] is not None},
        by_reference={row[_REFERENCE]: row for row in rows if row[_CASE_ID] is None},
        fees={claim_id: sorted(found) for claim_id, found in fees.items()},
    )


def known_claims(
    known: KnownClaims | None, cases: Sequence[wire.Case]
) -> tuple[dict[int, StoredClaim], dict[int, list[tuple[Any, ...]]], list[wire.Case]]:
    """The claims behind the cases by case id and their fees, as far as `known` has them; and the
    cases it has no claim for (a claim handed over since it was read, or none was read)."""
    found: dict[int, StoredClaim] = {}
    fees: dict[int, list[tuple[Any, ...]]] = {}
    if known is None:
        return found, fees, list(cases)
    missing: list[wire.Case] = []
    for case in cases:
        row = known.by_case.get(case.case_id) or known.by_reference.get(case.reference)
        if row is None:
            missing.append(case)
        else:
            claim = found[case.case_id] = StoredClaim._make(row)
            fees[claim.id] = known.fees.get(claim.id, [])
    return found, fees, missing


def read_claims(
    connection: Connection, practice_id: int, cases: Sequence[wire.Case]
) -> tuple[dict[int, StoredClaim], dict[int, list[tuple[Any, ...]]]]:
    """The claims behind the cases by case id, and their fees, read now."""

    def read(key: str, values: list[Any]) -> list[StoredClaim]:
        rows = driver_rows.select_in(
            connection, CLAIMS, StoredClaim._fields, key, values, where={"practice_id": practice_id}
        )
        return [StoredClaim._make(row) for row in rows]

    rows = read("case_id", [c.case_id for c in cases])
    found = {row.case_id or 0: row for row in rows}
    unknown = {c.reference: c.case_id for c in cases if c.case_id not in found}
    if unknown:
        # A claim whose creation answer was lost in a crash has no case id yet: found by reference.
        by_reference = read("reference", list(unknown))
        found.update((unknown[row.reference], row) for row in by_reference)
        rows += by_reference
    return found, _stored_fees(connection, [row.id for row in rows])


def _stored_fees(connection: Connection, claim_ids: list[int]) -> dict[int, list[tuple[Any, ...]]]:
    """Each claim's fees as stored, sorted, comparable with Form.fees."""
    found: dict[int, list[tuple[Any, ...]]] = {}
    for claim_id, kind, amount, day in driver_rows.select_in(
        connection, FEES, ("claim_id", "type", "amount", "charged_on"), "claim_id", claim_ids
    ):
        found.setdefault(claim_id, []).append((kind, amount, day))
    return {claim_id: sorted(rows) for claim_id, rows in found.items()}
