"""Simulated days at the agency: review, first letter with fees, debtors paying, cases ending.

Every random choice comes from an RNG seeded by (seed, case id, simulated day), so the same seed
and the same calls give the same cases, fees and payments, whatever the wall clock says.
"""

from __future__ import annotations

import random
import sqlite3
from decimal import ROUND_DOWN, Decimal

from core.finance1159 import wire
from core.finance1159.sandbox import ledger
from core.finance1159.sandbox.runtime import Runtime

__all__ = [
    "ACTIVE",
    "PAY_IN_FULL",
    "PAY_IN_PART",
    "S",
    "TO_INSTALMENT",
    "TO_LEGAL",
    "TO_UNCOLLECTIBLE",
    "advance",
    "review_days",
]

S = wire.CaseStatus
ACTIVE = (S.RECEIVED, S.IN_COLLECTION, S.INSTALMENT, S.LEGAL)
# Chances per simulated day for a case in collection.
PAY_IN_FULL = 0.05
PAY_IN_PART = 0.07
TO_INSTALMENT = 0.02
TO_LEGAL = 0.01
TO_UNCOLLECTIBLE = 0.01


def review_days(seed: int, case_id: int) -> int:
    """How long the agency reviews a case before the first letter: one or two days."""
    return 1 + random.Random(f"{seed}:{case_id}:review").randrange(2)


def advance(runtime: Runtime, days: int) -> dict[str, int]:
    """Moves the clock on by `days`, one simulated day at a time; returns what happened."""
    events = {"letters": 0, "payments": 0, "paid": 0, "status_changes": 0}
    for _ in range(days):
        runtime.clock.set_day(runtime.clock.day + 1)
        with runtime.store.transaction() as conn:
            marks = ",".join("?" * len(ACTIVE))
            rows = conn.execute(
                f"SELECT * FROM cases WHERE status IN ({marks}) ORDER BY case_id", ACTIVE
            ).fetchall()
            for case in rows:
                _one_day(runtime, conn, case, events)
    return events


def _one_day(runtime: Runtime, conn: sqlite3.Connection, case: sqlite3.Row, events: dict[str, int]) -> None:
    seed, case_id, day = runtime.config.seed, case["case_id"], runtime.clock.day
    # Derived, not stored: updating every open case every simulated day would dominate the run.
    days_open = day - case["created_day"]
    if case["status"] == S.RECEIVED:
        if days_open >= review_days(seed, case_id):
            ledger.charge_collection_costs(conn, runtime.clock, case)
            events["letters"] += 1
        return
    rng = random.Random(f"{seed}:{case_id}:{day}")
    roll = rng.random()
    if roll < PAY_IN_FULL + PAY_IN_PART:
        outstanding = ledger.balance(conn, case).outstanding
        value = outstanding if roll < PAY_IN_FULL else _part(outstanding, rng)
        if value > 0:
            ledger.book_payment(
                conn,
                runtime.clock,
                case,
                value=value,
                source=wire.PaymentSource.AGENCY,
                paid_on=runtime.clock.today(),
            )
            events["payments"] += 1
            events["paid"] += value == outstanding
        return
    roll -= PAY_IN_FULL + PAY_IN_PART
    new_status = None
    if case["status"] == S.IN_COLLECTION and days_open > 30 and roll < TO_INSTALMENT:
        new_status = S.INSTALMENT
    elif case["status"] == S.IN_COLLECTION and days_open > 60 and roll < TO_INSTALMENT + TO_LEGAL:
        new_status = S.LEGAL
    elif case["status"] == S.LEGAL and days_open > 120 and roll < TO_UNCOLLECTIBLE:
        new_status = S.UNCOLLECTIBLE
    if new_status:
        ledger.set_status(conn, runtime.clock, case_id, new_status)
        events["status_changes"] += 1


def _part(outstanding: Decimal, rng: random.Random) -> Decimal:
    """A partial payment: a tenth to a half of what is open, in whole euros where possible."""
    share = Decimal(rng.choice(("0.10", "0.20", "0.25", "0.50")))
    value = (outstanding * share).quantize(Decimal("1"), ROUND_DOWN)
    return min(max(value, Decimal("1.00")), outstanding).quantize(wire.CENT)
