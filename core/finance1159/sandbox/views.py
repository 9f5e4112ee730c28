"""The sandbox's rows as the contract's JSON objects (amounts as Decimal, for wire.to_json)."""

from __future__ import annotations

import sqlite3
from decimal import Decimal
from typing import Any

from core.finance1159 import wire

__all__ = [
    "CHUNK",
    "ZERO",
    "case_fragment",
    "case_fragments",
    "case_objects",
    "payment_object",
    "render_stale",
]

ZERO = Decimal("0.00")
CHUNK = 500  # cases per fees query while rendering


def case_objects(conn: sqlite3.Connection, rows: list[sqlite3.Row]) -> list[dict[str, Any]]:
    """Cases as the contract's objects, with their fees and balances (one query for all fees)."""
    ids = [row["case_id"] for row in rows]
    marks = ",".join("?" * len(ids))
    fees: dict[int, list[dict[str, Any]]] = {case_id: [] for case_id in ids}
    for fee in conn.execute(f"SELECT * FROM fees WHERE case_id IN ({marks}) ORDER BY fee_id", ids):
        fees[fee["case_id"]].append(
            {"type": fee["type"], "amount": Decimal(fee["amount"]), "date": fee["date"]}
        )
    result = []
    for row in rows:
        fee_total = sum((f["amount"] for f in fees[row["case_id"]]), ZERO)
        paid_agency, paid_creditor = Decimal(row["paid_to_agency"]), Decimal(row["paid_to_creditor"])
        principal, interest = Decimal(row["principal"]), Decimal(row["interest"])
        result.append(
            {
                "case_id": row["case_id"],
                "reference": row["reference"],
                "debtor_id": row["debtor_id"],
                "status": row["status"],
                "principal": principal,
                "interest": interest,
                "fees": fees[row["case_id"]],
                "paid_to_agency": paid_agency,
                "paid_to_creditor": paid_creditor,
                "outstanding": principal + interest + fee_total - paid_agency - paid_creditor,
                "created_at": row["created_at"],
                "updated_at": row["updated_at"],
                "closed_at": row["closed_at"],
            }
        )
    return result


def case_fragment(case: dict[str, Any]) -> wire.RawJSON:
    """One case object as the exact JSON text the API sends (wire.to_json of the same object)."""
    return wire.RawJSON(wire.to_json(case).decode("utf-8"))


def render_stale(conn: sqlite3.Connection) -> int:
    """Renders every case whose stored JSON the triggers cleared; returns how many (Store.before_commit)."""
    rendered = 0
    while rows := conn.execute(
        "SELECT * FROM cases WHERE json IS NULL ORDER BY case_id LIMIT ?", (CHUNK,)
    ).fetchall():
        conn.executemany(
            "UPDATE cases SET json = ? WHERE case_id = ?",
            [(case_fragment(case), case["case_id"]) for case in case_objects(conn, rows)],
        )
        rendered += len(rows)
    return rendered


def case_fragments(conn: sqlite3.Connection, rows: list[sqlite3.Row]) -> list[wire.RawJSON]:
    """The stored JSON of `rows` (columns case_id and json); a stale one is rendered on the spot."""
    stale = [row["case_id"] for row in rows if row["json"] is None]
    fresh: dict[int, wire.RawJSON] = {}
    if stale:  # only a write that bypassed Store.transaction leaves one behind
        marks = ",".join("?" * len(stale))
        full = conn.execute(f"SELECT * FROM cases WHERE case_id IN ({marks})", stale).fetchall()
        fresh = {case["case_id"]: case_fragment(case) for case in case_objects(conn, full)}
    return [fresh[row["case_id"]] if row["json"] is None else wire.RawJSON(row["json"]) for row in rows]


def payment_object(row: sqlite3.Row) -> dict[str, Any]:
    return {
        "payment_id": row["payment_id"],
        "case_id": row["case_id"],
        "amount": Decimal(row["amount"]),
        "date": row["date"],
        "source": row["source"],
        "reference": row["reference"],
        "created_at": row["created_at"],
    }
