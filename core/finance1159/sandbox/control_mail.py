"""Control routes for the agency's side of onboarding and statements: mails and the signing page."""

from __future__ import annotations

import logging

import aiosmtplib
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from core.finance1159 import wire
from core.finance1159.sandbox import mails, statement
from core.finance1159.sandbox.runtime import Runtime
from core.finance1159.sandbox.validation import ApiError, control_body, invalid, text

__all__ = ["routes", "send_mail", "sign"]

log = logging.getLogger(__name__)


async def send_mail(request: Request) -> Response:
    runtime: Runtime = request.app.state.runtime
    kind = request.path_params["kind"]
    body = await control_body(request)
    # Like the real agency, which writes to the address the practice gave when it asked for access.
    to = text(body, "to", required=False)
    if kind == "contract":
        msg = mails.contract_mail(runtime)
    elif kind == "activation":
        msg = mails.activation_mail(runtime)
    elif kind == "statement":
        month = body.get("month")
        try:
            statement.month_bounds(str(month))
        except ValueError:
            raise invalid("month", "must be YYYY-MM") from None
        msg = mails.statement_mail(runtime, str(month))
    else:
        raise ApiError(404, wire.ErrorCode.NOT_FOUND, f"no mail kind {kind}")
    if to is not None:
        msg.replace_header("To", to)
    try:
        await mails.send(runtime, msg)
    except (mails.MailNotSent, aiosmtplib.SMTPException, OSError) as exc:
        log.warning("sandbox mail %s not sent: %s", kind, exc)
        return JSONResponse({"sent": False, "kind": kind, "reason": str(exc)}, status_code=503)
    return JSONResponse({"sent": kind, "message_id": msg["Message-ID"], "to": msg["To"]})


async def sign(request: Request) -> Response:
    runtime: Runtime = request.app.state.runtime
    token = request.path_params["token"]
    with runtime.store.transaction() as conn:
        found = conn.execute(
            "UPDATE signings SET signed_at = COALESCE(signed_at, ?) WHERE token = ?",
            (runtime.clock.stamp(), token),
        ).rowcount
    if not found:
        return HTMLResponse("<h1>Unbekannter Link</h1>", status_code=404)
    return HTMLResponse(
        "<!doctype html><html lang=de><title>1159 Finance</title>"
        "<h1>Vertrag unterschrieben</h1><p>Vielen Dank. Wir prüfen Ihre Unterlagen.</p></html>"
    )


routes = [
    Route("/mail/{kind}", send_mail, methods=["POST"]),
    Route("/sign/{token}", sign, methods=["GET"]),
]
