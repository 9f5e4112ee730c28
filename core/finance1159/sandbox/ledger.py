"""The sandbox agency's books: cases, fees and payments, and every change to them."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from core.finance1159 import wire
from core.finance1159.sandbox.bodies import ClaimBody, PaymentBody
from core.finance1159.sandbox.clock import Clock
from core.finance1159.sandbox.fees import Allocation, allocate, collection_costs
from core.finance1159.sandbox.validation import ApiError

__all__ = [
    "Balance",
    "COST_TYPES",
    "E",
    "S",
    "ZERO",
    "add_fee",
    "balance",
    "book_payment",
    "charge_collection_costs",
    "create_claim",
    "find_case",
    "report_payment",
    "set_status",
    "withdraw",
]

E = wire.ErrorCode
S = wire.CaseStatus
ZERO = Decimal("0.00")
COST_TYPES = (wire.FeeType.COLLECTION_FEE, wire.FeeType.EXPENSES, wire.FeeType.REMINDER_FEE)


@dataclass(frozen=True)
class Balance:
    """What is still open of one case, per booking bucket."""

    costs: Decimal
    interest: Decimal
    principal: Decimal

    @property
    def outstanding(self) -> Decimal:
        return self.costs + self.interest + self.principal


def find_case(conn: sqlite3.Connection, case_id: int, client_id: str) -> sqlite3.Row:
    row = conn.execute(
        "SELECT * FROM cases WHERE case_id = ? AND client_id = ?", (case_id, client_id)
    ).fetchone()
    if row is None:
        raise ApiError(404, E.NOT_FOUND, f"no case {case_id}", case_id)
    found: sqlite3.Row = row
    return found


def balance(conn: sqlite3.Connection, case: sqlite3.Row) -> Balance:
    fees = conn.execute("SELECT type, amount FROM fees WHERE case_id = ?", (case["case_id"],)).fetchall()
    paid = conn.execute(
        "SELECT to_costs, to_interest, to_principal FROM payments WHERE case_id = ?", (case["case_id"],)
    ).fetchall()
    costs = sum((Decimal(f["amount"]) for f in fees if f["type"] in COST_TYPES), ZERO)
    fee_interest = sum((Decimal(f["amount"]) for f in fees if f["type"] == wire.FeeType.INTEREST), ZERO)
    return Balance(
        costs=costs - sum((Decimal(p["to_costs"]) for p in paid), ZERO),
        interest=Decimal(case["interest"])
        + fee_interest
        - sum((Decimal(p["to_interest"]) for p in paid), ZERO),
        principal=Decimal(case["principal"]) - sum((Decimal(p["to_principal"]) for p in paid), ZERO),
    )


def create_claim(conn: sqlite3.Connection, clock: Clock, client_id: str, claim: ClaimBody) -> sqlite3.Row:
    existing = conn.execute(
        "SELECT case_id FROM cases WHERE client_id = ? AND reference = ?", (client_id, claim.reference)
    ).fetchone()
    if existing is not None:
        raise ApiError(
            400, E.CLAIM_ALREADY_EXISTS, f"reference {claim.reference} exists", existing["case_id"]
        )
    now = clock.stamp()
    debtor_id = conn.execute(
        "INSERT INTO debtors (client_id, data) VALUES (?, ?)", (client_id, json.dumps(claim.debtor))
    ).lastrowid
    raw = {
        "invoice_date": claim.invoice_date.isoformat(),
        "due_date": claim.due_date.isoformat(),
        "subject": claim.subject,
    }
    case_id = conn.execute(
        "INSERT INTO cases (client_id, reference, debtor_id, status, principal, interest, claim,"
        " created_at, updated_at, created_day) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            client_id,
            claim.reference,
            debtor_id,
            S.RECEIVED,
            str(claim.principal),
            str(claim.interest),
            json.dumps(raw),
            now,
            now,
            clock.day,
        ),
    ).lastrowid
    if claim.reminder_fees:
        fee_date = claim.reminder_date or claim.due_date
        add_fee(conn, int(case_id or 0), wire.FeeType.REMINDER_FEE, claim.reminder_fees, fee_date)
    return find_case(conn, int(case_id or 0), client_id)


def add_fee(conn: sqlite3.Connection, case_id: int, fee_type: str, value: Decimal, on: date) -> None:
    conn.execute(
        "INSERT INTO fees (case_id, type, amount, date) VALUES (?, ?, ?, ?)",
        (case_id, fee_type, str(value), on.isoformat()),
    )


def charge_collection_costs(conn: sqlite3.Connection, clock: Clock, case: sqlite3.Row) -> None:
    """The first letter to the debtor: 0,9 fee and expenses (capped for small claims)."""
    today = clock.today()
    costs = collection_costs(Decimal(case["principal"]), today)
    add_fee(conn, case["case_id"], wire.FeeType.COLLECTION_FEE, costs.fee, today)
    add_fee(conn, case["case_id"], wire.FeeType.EXPENSES, costs.expenses, today)
    conn.execute(
        "UPDATE cases SET status = ?, first_letter = ?, updated_at = ? WHERE case_id = ?",
        (S.IN_COLLECTION, today.isoformat(), clock.stamp(), case["case_id"]),
    )


def book_payment(
    conn: sqlite3.Connection,
    clock: Clock,
    case: sqlite3.Row,
    *,
    value: Decimal,
    source: str,
    paid_on: date,
    reference: str | None = None,
) -> tuple[int, Allocation]:
    """Books money against a case (costs, interest, principal) and settles it when nothing is left."""
    if case["status"] in S.CLOSED:
        raise ApiError(400, E.CASE_CLOSED, f"case {case['case_id']} is {case['status']}", case["case_id"])
    open_ = balance(conn, case)
    if value > open_.outstanding:
        raise ApiError(
            400, E.AMOUNT_EXCEEDS_OUTSTANDING, f"outstanding is {open_.outstanding}", case["case_id"]
        )
    split = allocate(value, open_costs=open_.costs, open_interest=open_.interest)
    now = clock.stamp()
    payment_id = conn.execute(
        "INSERT INTO payments (client_id, case_id, amount, date, source, reference, to_costs, to_interest,"
        " to_principal, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            case["client_id"],
            case["case_id"],
            str(value),
            paid_on.isoformat(),
            source,
            reference,
            str(split.costs),
            str(split.interest),
            str(split.principal),
            now,
        ),
    ).lastrowid
    column = "paid_to_agency" if source == wire.PaymentSource.AGENCY else "paid_to_creditor"
    settled = value == open_.outstanding
    conn.execute(
        f"UPDATE cases SET {column} = ?, updated_at = ?, status = ?, closed_at = ? WHERE case_id = ?",
        (
            str(Decimal(case[column]) + value),
            now,
            S.PAID if settled else case["status"],
            now if settled else None,
            case["case_id"],
        ),
    )
    return int(payment_id or 0), split


def report_payment(conn: sqlite3.Connection, clock: Clock, client_id: str, body: PaymentBody) -> int:
    # The duplicate check comes first: a retried report must find its payment even once the
    # payment has closed the case.
    existing = conn.execute(
        "SELECT payment_id FROM payments WHERE client_id = ? AND reference = ?", (client_id, body.reference)
    ).fetchone()
    if existing is not None:
        raise ApiError(
            400, E.PAYMENT_ALREADY_EXISTS, f"reference {body.reference} exists", existing["payment_id"]
        )
    case = find_case(conn, body.case_id, client_id)
    payment_id, _ = book_payment(
        conn,
        clock,
        case,
        value=body.amount,
        source=wire.PaymentSource.CREDITOR,
        paid_on=body.date,
        reference=body.reference,
    )
    return payment_id


def withdraw(conn: sqlite3.Connection, clock: Clock, case: sqlite3.Row) -> None:
    if case["status"] in S.CLOSED:
        raise ApiError(400, E.CASE_CLOSED, f"case {case['case_id']} is {case['status']}", case["case_id"])
    if Decimal(case["paid_to_agency"]) > 0:
        raise ApiError(400, E.WITHDRAWAL_NOT_POSSIBLE, "money was collected", case["case_id"])
    now = clock.stamp()
    conn.execute(
        "UPDATE cases SET status = ?, updated_at = ?, closed_at = ? WHERE case_id = ?",
        (S.WITHDRAWN, now, now, case["case_id"]),
    )


def set_status(conn: sqlite3.Connection, clock: Clock, case_id: int, status: str) -> None:
    now = clock.stamp()
    closed = now if status in S.CLOSED else None
    conn.execute(
        "UPDATE cases SET status = ?, updated_at = ?, closed_at = ? WHERE case_id = ?",
        (status, now, closed, case_id),
    )
