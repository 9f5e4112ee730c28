"""Strict checks of request bodies and query parameters; every failure names its field."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from starlette.requests import Request

from core.finance1159 import wire
from core.finance1159.sandbox.clock import stamp

__all__ = [
    "ApiError",
    "E",
    "amount",
    "control_body",
    "day",
    "identifier",
    "invalid",
    "parse_body",
    "query_int",
    "query_time",
    "text",
]

E = wire.ErrorCode


class ApiError(Exception):
    """An error answer of the sandbox API, rendered as the contract's envelope."""

    def __init__(self, status: int, code: str, information: str = "", dataset: Any = None) -> None:
        super().__init__(f"{status} {code} {information}")
        self.status = status
        self.code = code
        self.information = information
        self.dataset = dataset


def invalid(name: str, why: str) -> ApiError:
    return ApiError(400, E.INVALID_PARAMETER, f"{name}: {why}")


def parse_body(raw: bytes) -> dict[str, Any]:
    try:
        body = wire.from_json(raw)
    except ValueError as exc:
        raise ApiError(400, E.INVALID_JSON, "body is not valid JSON") from exc
    if not isinstance(body, dict):
        raise ApiError(400, E.INVALID_JSON, "body must be a JSON object")
    return body


async def control_body(request: Request) -> dict[str, Any]:
    """The JSON object of a control request; an empty body counts as `{}`."""
    raw = await request.body()
    return parse_body(raw) if raw.strip() else {}


def text(obj: dict[str, Any], name: str, *, prefix: str = "", required: bool = True) -> str | None:
    value = obj.get(name)
    if value is None:
        if required:
            raise invalid(prefix + name, "missing")
        return None
    if not isinstance(value, str) or not value.strip() or len(value) > 200:
        raise invalid(prefix + name, "must be a non-empty text of at most 200 characters")
    return value.strip()


def day(obj: dict[str, Any], name: str, *, prefix: str = "", required: bool = True) -> date | None:
    value = obj.get(name)
    if value is None:
        if required:
            raise invalid(prefix + name, "missing")
        return None
    try:
        if not isinstance(value, str) or len(value) != 10:
            raise ValueError
        return date.fromisoformat(value)
    except ValueError:
        raise invalid(prefix + name, "must be a date YYYY-MM-DD") from None


def amount(obj: dict[str, Any], name: str, *, required: bool = True, positive: bool = True) -> Decimal | None:
    value = obj.get(name)
    if value is None:
        if required:
            raise invalid(name, "missing")
        return None
    # Amounts are JSON numbers; strings and booleans are refused like the contract says.
    if isinstance(value, bool) or not isinstance(value, Decimal | int):
        raise invalid(name, "must be a number")
    number = Decimal(value)
    if not number.is_finite() or number.as_tuple().exponent < -2:  # type: ignore[operator]
        raise invalid(name, "must have at most two decimals")
    if number < 0 or (positive and number == 0) or number >= Decimal("1e9"):
        raise invalid(name, "must be positive" if positive else "must not be negative")
    return number.quantize(wire.CENT)


def identifier(obj: dict[str, Any], name: str) -> int:
    value = obj.get(name)
    if value is None:
        raise invalid(name, "missing")
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise invalid(name, "must be a positive integer")
    return value


def query_int(params: Any, name: str, default: int, *, low: int, high: int) -> int:
    raw = params.get(name)
    if raw is None:
        return default
    if not raw.isdigit() or not low <= int(raw) <= high:
        raise invalid(name, f"must be an integer from {low} to {high}")
    return int(raw)


def query_time(params: Any, name: str) -> str | None:
    """An ISO 8601 time with offset, returned as a stamp comparable with the stored ones."""
    raw = params.get(name)
    if raw is None:
        return None
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError:
        raise invalid(name, "must be an ISO 8601 time with offset") from None
    if moment.tzinfo is None:
        raise invalid(name, "must carry a UTC offset")
    return stamp(moment)
