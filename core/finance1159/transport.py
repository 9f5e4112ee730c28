"""One request to 1159 Finance: auth headers, retries for transient failures, error mapping."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date, datetime
from typing import Any, TypeVar
from urllib.parse import urlencode

import aiohttp
import httpx
from pydantic import SecretStr
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception_type,
    stop_after_attempt,
    wait_exponential_jitter,
)

from core.finance1159 import wire
from core.finance1159.errors import AgencyUnavailable, UnexpectedResponse, error_from_envelope

__all__ = ["T", "TRANSIENT_ERRORS", "Transport", "failure_name", "parse_answer", "query_params", "wire_id"]

log = logging.getLogger(__name__)
T = TypeVar("T")

# Connection resets surface as ReadError/WriteError/RemoteProtocolError; all of them, like
# timeouts and ConnectError, say nothing about whether the agency is willing, only able. The aiohttp
# transport maps its errors onto httpx's; what it leaves unmapped (a garbled answer) is an
# aiohttp.ClientError, a failure of the line as well.
TRANSIENT_ERRORS: tuple[type[Exception], ...] = (
    httpx.TimeoutException,
    httpx.ConnectError,
    httpx.ReadError,
    httpx.WriteError,
    httpx.RemoteProtocolError,
    aiohttp.ClientError,
)


class _ServerError(Exception):
    """A 5xx answer, retried like a broken connection."""

    def __init__(self, status_code: int) -> None:
        super().__init__(f"HTTP {status_code}")
        self.status_code = status_code


class Transport:
    """Sends requests with credentials and returns the decoded JSON object of a 2xx answer."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        *,
        client_id: str,
        api_key: SecretStr,
        max_attempts: int,
        backoff_base: float,
        backoff_max: float,
    ) -> None:
        self._http = http
        self._client_id = client_id
        self._api_key = api_key
        self._max_attempts = max_attempts
        self._wait = wait_exponential_jitter(multiplier=backoff_base, max=backoff_max, jitter=backoff_base)
        self.request_count = 0
        # Requests are built here from the client's base URL, headers and timeout rather than by
        # client.request(), whose merging of URL, query, headers and cookies cost 14 % of the
        # client's CPU on a full pull (measured); the client still sends them.
        self._base_url = str(http.base_url).rstrip("/")
        self._default_headers = list(http.headers.multi_items())
        self._timeout = http.timeout.as_dict()

    async def call(
        self, method: str, path: str, *, json_body: Any = None, params: dict[str, Any] | None = None
    ) -> tuple[int, dict[str, Any]]:
        """The status and the JSON object of a success answer; typed errors for everything else."""
        response = await self._respond(method, path, json_body, params)
        return response.status_code, _read(response, f"{method} {path}")

    async def decoded(
        self, path: str, decode: Callable[[bytes], T], *, params: dict[str, Any] | None = None
    ) -> T:
        """GET and decode a success answer straight from its bytes (the large listings).

        An answer `decode` refuses is read as an envelope instead, to raise the agency's own error.
        """
        context = f"GET {path}"
        response = await self._respond("GET", path, None, params)
        if response.status_code < 300:
            try:
                return decode(response.content)
            except ValueError as exc:
                refused = f"{type(exc).__name__}: {exc}"
        else:
            refused = f"HTTP {response.status_code}"
        _read(response, context)  # raises for an error envelope
        raise UnexpectedResponse(status_code=response.status_code, context=context, information=refused)

    async def _respond(
        self, method: str, path: str, json_body: Any, params: dict[str, Any] | None
    ) -> httpx.Response:
        context = f"{method} {path}"
        retrying = AsyncRetrying(
            stop=stop_after_attempt(self._max_attempts),
            wait=self._wait,
            retry=retry_if_exception_type((_ServerError, *TRANSIENT_ERRORS)),
            before_sleep=lambda state: _log_retry(context, state),
            reraise=True,
        )
        try:
            async for attempt in retrying:
                with attempt:
                    response = await self._send(method, path, json_body, params)
        except _ServerError as exc:
            failure = f"{exc} after {self._max_attempts} attempts"
        except TRANSIENT_ERRORS as exc:
            failure = f"{failure_name(exc)} after {self._max_attempts} attempts"
        except httpx.HTTPError as exc:  # e.g. an unsupported scheme: configuration, not transient
            failure = f"{type(exc).__name__}: {exc}"
        else:
            return response
        # Raised outside the handlers, so the transport's own error is not chained: aiohttp's keeps
        # the request, headers and API key included, in its repr. The name above says what broke.
        raise AgencyUnavailable(f"{context}: {failure}")

    async def _send(
        self, method: str, path: str, json_body: Any, params: dict[str, Any] | None
    ) -> httpx.Response:
        headers = [
            *self._default_headers,
            (wire.HEADER_CLIENT_ID, self._client_id),
            (wire.HEADER_API_KEY, self._api_key.get_secret_value()),
        ]
        content = None
        if json_body is not None:
            content = wire.to_json(json_body)
            headers.append(("Content-Type", "application/json"))
        url = self._base_url + path + (f"?{urlencode(params)}" if params else "")
        request = httpx.Request(
            method, url, content=content, headers=headers, extensions={"timeout": self._timeout}
        )
        self.request_count += 1
        response = await self._http.send(request)
        if response.status_code >= 500:
            raise _ServerError(response.status_code)
        return response


def _log_retry(context: str, state: RetryCallState) -> None:
    exc = state.outcome.exception() if state.outcome else None
    log.warning(
        "1159 Finance %s failed (%s), attempt %d; retrying", context, failure_name(exc), state.attempt_number
    )


def failure_name(exc: BaseException | None) -> str:
    """What broke, for logs: the aiohttp error behind an httpx one where there is one (the mapping
    files a refused connection under ConnectTimeout, a hang-up under ConnectTimeout too)."""
    cause = exc.__cause__ if exc is not None else None
    return type(cause if isinstance(cause, aiohttp.ClientError) else exc).__name__


def _read(response: httpx.Response, context: str) -> dict[str, Any]:
    """The JSON object of an answer; raises the typed error for an error envelope."""
    status = response.status_code
    try:
        body = wire.from_json(response.content) if response.content else None
    except ValueError:
        body = None
    if not isinstance(body, dict) or not isinstance(body.get(wire.KEY_ERROR), bool):
        # Also for 4xx: the contract promises an envelope there, so a bare 404 means a wrong URL.
        raise UnexpectedResponse(status_code=status, context=context, information="no JSON envelope")
    if body[wire.KEY_ERROR] or status >= 400:
        message = body.get(wire.KEY_MESSAGE)
        information = body.get(wire.KEY_INFORMATION)
        raise error_from_envelope(
            status_code=status,
            code=str(message) if message is not None else None,
            information=str(information) if information is not None else None,
            dataset=body.get(wire.KEY_DATASET),
            context=context,
        )
    return body


def query_params(**values: int | str | datetime | date | None) -> dict[str, str]:
    params: dict[str, str] = {}
    for name, value in values.items():
        if value is None:
            continue
        if isinstance(value, datetime):
            if value.tzinfo is None:
                raise ValueError(f"{name} needs a time zone")
            params[name] = value.isoformat()
        else:
            params[name] = str(value)
    return params


def wire_id(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | str) or not str(value).isdigit():
        raise UnexpectedResponse(information=f"{name} is not an id: {value!r}")
    return int(value)


def parse_answer(build: Callable[[], T], context: str) -> T:
    """Turns a success envelope that lacks what the contract promises into UnexpectedResponse."""
    try:
        return build()
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise UnexpectedResponse(context=context, information=f"{type(exc).__name__}: {exc}") from exc
