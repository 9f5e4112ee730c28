"""Control routes at /_sandbox/: the clock, debtor payments, faults, bulk data and agency mails."""

from __future__ import annotations

import json
import random
from decimal import Decimal
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from core.finance1159 import wire
from core.finance1159.sandbox import control_mail, ledger, simulation
from core.finance1159.sandbox.runtime import Runtime
from core.finance1159.sandbox.validation import amount, control_body, invalid

__all__ = ["BULK_DEBTOR", "bulk_cases", "clock", "pay", "reset", "routes", "set_faults", "state", "touch"]

BULK_DEBTOR = {
    "first_name": "Erika",
    "last_name": "Mustermann",
    "street": "Heidestraße 17",
    "zip": "51147",
    "city": "Köln",
    "country": "DE",
}


def _rt(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


def _reply(payload: dict[str, Any]) -> Response:
    return Response(wire.to_json(payload), media_type="application/json")


def _number(body: dict[str, Any], name: str, default: float, high: float) -> float:
    value = body.get(name)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int | Decimal) or not 0 <= value <= high:
        raise invalid(name, f"must be a number from 0 to {high}")
    return float(value)


async def clock(request: Request) -> Response:
    body = await control_body(request)
    days = int(_number(body, "days", 1, 3660))
    events = simulation.advance(_rt(request), days)
    return _reply({"day": _rt(request).clock.day, "now": _rt(request).clock.stamp(), **events})


async def pay(request: Request) -> Response:
    """A debtor pays the agency an exact amount (for deterministic tests)."""
    runtime = _rt(request)
    body = await control_body(request)
    if isinstance(body.get("amount"), str):  # the control also takes "12.50", unlike the API
        try:
            body["amount"] = Decimal(body["amount"].replace(",", "."))
        except ArithmeticError:
            raise invalid("amount", "must be a number") from None
    value = amount(body, "amount")
    assert value is not None
    with runtime.store.transaction() as conn:
        case = ledger.find_case(conn, int(request.path_params["case_id"]), runtime.config.client_id)
        payment_id, split = ledger.book_payment(
            conn,
            runtime.clock,
            case,
            value=value,
            source=wire.PaymentSource.AGENCY,
            paid_on=runtime.clock.today(),
        )
        status = ledger.find_case(conn, case["case_id"], runtime.config.client_id)["status"]
    return _reply(
        {
            "payment_id": payment_id,
            "status": status,
            "to_costs": split.costs,
            "to_interest": split.interest,
            "to_principal": split.principal,
        }
    )


async def state(request: Request) -> Response:
    runtime = _rt(request)
    q = runtime.store.query
    by_status = {r["status"]: r["n"] for r in q("SELECT status, COUNT(*) AS n FROM cases GROUP BY status")}
    faults = runtime.faults
    return JSONResponse(
        {
            "day": runtime.clock.day,
            "now": runtime.clock.stamp(),
            "seed": runtime.config.seed,
            "cases": sum(by_status.values()),
            "by_status": by_status,
            "payments": q("SELECT COUNT(*) AS n FROM payments")[0]["n"],
            "debtors": q("SELECT COUNT(*) AS n FROM debtors")[0]["n"],
            "signed": q("SELECT COUNT(*) AS n FROM signings WHERE signed_at IS NOT NULL")[0]["n"],
            "contract_start": runtime.store.get_meta("contract_start"),
            "api_requests": runtime.api_requests,
            "faults": {
                "latency_ms": faults.latency_ms,
                "error_rate": faults.error_rate,
                "timeout_rate": faults.timeout_rate,
                "timeout_seconds": faults.timeout_seconds,
            },
        }
    )


async def set_faults(request: Request) -> Response:
    runtime = _rt(request)
    body = await control_body(request)
    runtime.clear_faults()
    faults = runtime.faults
    faults.latency_ms = _number(body, "latency_ms", 0, 60_000)
    faults.error_rate = _number(body, "error_rate", 0, 1)
    faults.timeout_rate = _number(body, "timeout_rate", 0, 1 - faults.error_rate)
    faults.timeout_seconds = _number(body, "timeout_seconds", runtime.config.timeout_seconds, 600)
    return await state(request)


async def reset(request: Request) -> Response:
    runtime = _rt(request)
    runtime.store.reset()
    runtime.clock.set_day(0)
    runtime.clear_faults()
    runtime.api_requests = 0
    return await state(request)


async def bulk_cases(request: Request) -> Response:
    """Many cases at once, straight into the books (for benchmarks); references BULK-<n>."""
    runtime = _rt(request)
    count = int(_number(await control_body(request), "count", 1, 1_000_000))
    now, client_id = runtime.clock.stamp(), runtime.config.client_id
    claim = json.dumps({"subject": "Honorarforderung"})
    with runtime.store.transaction() as conn:
        debtor_id = conn.execute(
            "INSERT INTO debtors (client_id, data) VALUES (?, ?)", (client_id, json.dumps(BULK_DEBTOR))
        ).lastrowid
        first = (conn.execute("SELECT COALESCE(MAX(case_id), 0) FROM cases").fetchone()[0]) + 1
        rng = random.Random(f"{runtime.config.seed}:bulk:{first}")
        conn.executemany(
            "INSERT INTO cases (case_id, client_id, reference, debtor_id, status, principal, interest, claim,"
            " created_at, updated_at, created_day) VALUES (?, ?, ?, ?, 'received', ?, '0.00', ?, ?, ?, ?)",
            [
                (
                    first + i,
                    client_id,
                    f"BULK-{first + i}",
                    debtor_id,
                    f"{rng.randint(2000, 90000) / 100:.2f}",
                    claim,
                    now,
                    now,
                    runtime.clock.day,
                )
                for i in range(count)
            ],
        )
    return _reply({"created": count, "first_case_id": first, "last_case_id": first + count - 1})


async def touch(request: Request) -> Response:
    """Marks a share of the open cases as changed, as if the agency had worked on them."""
    runtime = _rt(request)
    fraction = _number(await control_body(request), "fraction", 0.01, 1)
    with runtime.store.transaction() as conn:
        ids = [
            r[0] for r in conn.execute("SELECT case_id FROM cases WHERE closed_at IS NULL ORDER BY case_id")
        ]
        chosen = random.Random(f"{runtime.config.seed}:touch:{runtime.clock.day}").sample(
            ids, round(len(ids) * fraction)
        )
        now = runtime.clock.stamp()
        conn.executemany("UPDATE cases SET updated_at = ? WHERE case_id = ?", [(now, i) for i in chosen])
    return _reply({"touched": len(chosen)})


routes = [
    Route("/clock", clock, methods=["POST"]),
    Route("/cases/{case_id:int}/pay", pay, methods=["POST"]),
    Route("/state", state, methods=["GET"]),
    Route("/faults", set_faults, methods=["POST"]),
    Route("/reset", reset, methods=["POST"]),
    Route("/bulk_cases", bulk_cases, methods=["POST"]),
    Route("/touch", touch, methods=["POST"]),
    *control_mail.routes,
]
