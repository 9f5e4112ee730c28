"""The sandbox as a Starlette app: the partner API under /api/v1, the controls under /_sandbox."""

from __future__ import annotations

import logging

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.routing import Mount

from core.finance1159.sandbox import api, control
from core.finance1159.sandbox.config import SandboxConfig
from core.finance1159.sandbox.faults import FaultInjection
from core.finance1159.sandbox.runtime import Runtime
from core.finance1159.sandbox.validation import ApiError

__all__ = ["create_app"]

log = logging.getLogger(__name__)


async def _api_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    return api.error_response(exc)


async def _client_gone(request: Request, exc: Exception) -> Response:
    # The client hung up before its request body was read (it gave up during injected latency):
    # nobody is left to answer, as with any server, and nothing went wrong here.
    return Response(status_code=499)


def create_app(config: SandboxConfig) -> Starlette:
    """A new sandbox over the SQLite file in `config.data_dir` (created if missing)."""
    runtime = Runtime(config)
    app = Starlette(
        routes=[Mount("/api/v1", routes=api.routes), Mount("/_sandbox", routes=control.routes)],
        middleware=[Middleware(FaultInjection, runtime=runtime)],
        exception_handlers={ApiError: _api_error, ClientDisconnect: _client_gone},
    )
    app.state.runtime = runtime
    log.info("1159 Finance sandbox over %s", config.data_dir)
    return app
