"""The sandbox's rows as the contract's JSON objects (amounts as Decimal, for wire.to_json)."""

from __future__ import annotations

import sqlite3
from decimal import Decimal
from typing import Any

ZERO = Decimal("0.00")


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
