"""The partner API under /api/v1, exactly as FINANCE1159-API.md describes it."""

from __future__ import annotations

import hmac
import json
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from core.finance1159 import wire
from core.finance1159.sandbox import ledger, views
from core.finance1159.sandbox.bodies import parse_claim, parse_payment
from core.finance1159.sandbox.runtime import Runtime
from core.finance1159.sandbox.validation import ApiError, invalid, parse_body, query_int, query_time

__all__ = [
    "E",
    "authenticate",
    "create_claim",
    "error_response",
    "get_case",
    "get_debtor",
    "list_cases",
    "list_payments",
    "ok",
    "path_id",
    "report_payment",
    "routes",
    "unknown",
    "withdraw_case",
]

E = wire.ErrorCode


def ok(payload: dict[str, Any], status: int = 200) -> Response:
    return Response(wire.to_json({wire.KEY_ERROR: False, **payload}), status, media_type="application/json")


def error_response(exc: ApiError) -> Response:
    body = {
        wire.KEY_ERROR: True,
        wire.KEY_MESSAGE: exc.code,
        wire.KEY_INFORMATION: exc.information,
        wire.KEY_DATASET: exc.dataset,
    }
    return Response(wire.to_json(body), exc.status, media_type="application/json")


def authenticate(request: Request) -> tuple[Runtime, str]:
    runtime: Runtime = request.app.state.runtime
    client_id = request.headers.get(wire.HEADER_CLIENT_ID, "")
    key = request.headers.get(wire.HEADER_API_KEY, "")
    config = runtime.config
    # Both comparisons always run, so the answer time does not tell which one failed.
    id_ok = hmac.compare_digest(client_id.encode(), config.client_id.encode())
    key_ok = hmac.compare_digest(key.encode(), config.api_key.encode())
    if not (id_ok and key_ok):
        raise ApiError(403, E.AUTHENTICATION_FAILED, "unknown client id or wrong API key")
    return runtime, client_id


def path_id(request: Request, name: str) -> int:
    raw = request.path_params[name]
    if not raw.isdigit() or int(raw) < 1:
        raise ApiError(404, E.NOT_FOUND, f"{name} {raw!r} is not an id")
    return int(raw)


async def create_claim(request: Request) -> Response:
    runtime, client_id = authenticate(request)
    claim = parse_claim(parse_body(await request.body()))
    with runtime.store.transaction() as conn:
        case = ledger.create_claim(conn, runtime.clock, client_id, claim)
    return ok({"case_id": case["case_id"], "debtor_id": case["debtor_id"], "status": case["status"]}, 201)


async def list_cases(request: Request) -> Response:
    runtime, client_id = authenticate(request)
    params = request.query_params
    where, args = ["client_id = ?"], [client_id]
    if (since := query_time(params, "updated_since")) is not None:
        where.append("updated_at >= ?")
        args.append(since)
    if (reference := params.get("reference")) is not None:
        where.append("reference = ?")
        args.append(reference)
    if (status := params.get("status")) is not None:
        if status not in wire.CaseStatus.ALL:
            raise invalid("status", "unknown status")
        where.append("status = ?")
        args.append(status)
    return _page(runtime, request, "cases", " AND ".join(where), args, wire.KEY_CASES)


async def get_case(request: Request) -> Response:
    runtime, client_id = authenticate(request)
    conn = runtime.store.conn
    with runtime.store.transaction():
        case = ledger.find_case(conn, path_id(request, "case_id"), client_id)
        return ok({wire.KEY_CASE: views.case_objects(conn, [case])[0]})


async def withdraw_case(request: Request) -> Response:
    runtime, client_id = authenticate(request)
    with runtime.store.transaction() as conn:
        case_id = path_id(request, "case_id")
        ledger.withdraw(conn, runtime.clock, ledger.find_case(conn, case_id, client_id))
        case = ledger.find_case(conn, case_id, client_id)
        return ok({wire.KEY_CASE: views.case_objects(conn, [case])[0]})


async def get_debtor(request: Request) -> Response:
    runtime, client_id = authenticate(request)
    debtor_id = path_id(request, "debtor_id")
    rows = runtime.store.query(
        "SELECT * FROM debtors WHERE debtor_id = ? AND client_id = ?", (debtor_id, client_id)
    )
    if not rows:
        raise ApiError(404, E.NOT_FOUND, f"no debtor {debtor_id}", debtor_id)
    return ok({wire.KEY_DEBTOR: {"debtor_id": debtor_id, **json.loads(rows[0]["data"])}})


async def list_payments(request: Request) -> Response:
    runtime, client_id = authenticate(request)
    params = request.query_params
    where, args = ["client_id = ?"], [client_id]
    if params.get("case_id") is not None:
        where.append("case_id = ?")
        args.append(str(query_int(params, "case_id", 0, low=1, high=2**62)))
    if (since := query_time(params, "since")) is not None:
        where.append("created_at >= ?")
        args.append(since)
    return _page(runtime, request, "payments", " AND ".join(where), args, wire.KEY_PAYMENTS)


async def report_payment(request: Request) -> Response:
    runtime, client_id = authenticate(request)
    payment = parse_payment(parse_body(await request.body()))
    with runtime.store.transaction() as conn:
        payment_id = ledger.report_payment(conn, runtime.clock, client_id, payment)
    return ok({wire.KEY_PAYMENT_ID: payment_id}, 201)


async def unknown(request: Request) -> Response:
    authenticate(request)
    raise ApiError(404, E.NOT_FOUND, f"no endpoint {request.method} {request.url.path}")


def _page(runtime: Runtime, request: Request, table: str, where: str, args: list[Any], key: str) -> Response:
    page = query_int(request.query_params, "page", 1, low=1, high=10**9)
    per_page = query_int(
        request.query_params, "per_page", wire.DEFAULT_PER_PAGE, low=1, high=wire.MAX_PER_PAGE
    )
    # A case is sent as the JSON text stored with it (views.render_stale keeps it current).
    columns, order = ("case_id, json", "case_id") if table == "cases" else ("*", "payment_id")
    conn = runtime.store.conn

    def render(total: int, rows: list[Any]) -> bytes:
        if table == "cases":  # stored JSON texts, joined as they are
            items: Any = wire.RawJSON("[" + ",".join(views.case_fragments(conn, rows)) + "]")
        else:
            items = [views.payment_object(r) for r in rows]
        body = {wire.KEY_ERROR: False, key: items, wire.KEY_PAGE: page, wire.KEY_PER_PAGE: per_page}
        return wire.to_json({**body, wire.KEY_TOTAL: total})

    with runtime.store.transaction():
        body = runtime.listings.page(table, order, columns, where, args, page, per_page, render)
    return Response(body, 200, media_type="application/json")


routes = [
    Route(wire.PATH_CLAIMS, create_claim, methods=["POST"]),
    Route(wire.PATH_CASES, list_cases, methods=["GET"]),
    Route(wire.PATH_CASES + "/{case_id}", get_case, methods=["GET"]),
    Route(wire.PATH_CASES + "/{case_id}/withdrawal", withdraw_case, methods=["POST"]),
    Route(wire.PATH_DEBTORS + "/{debtor_id}", get_debtor, methods=["GET"]),
    Route(wire.PATH_PAYMENTS, list_payments, methods=["GET"]),
    Route(wire.PATH_PAYMENTS, report_payment, methods=["POST"]),
    Route("/{rest:path}", unknown, methods=["GET", "POST", "PUT", "PATCH", "DELETE"]),
]
