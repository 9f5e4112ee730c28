"""Async client for the 1159 Finance partner API (contract: FINANCE1159-API.md, details in wire.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

import httpx
from pydantic import SecretStr

from core.config import Settings
from core.finance1159 import wire
from core.finance1159.errors import (
    CaseClosed,
    ClaimAlreadyExists,
    PaymentAlreadyExists,
    UnexpectedResponse,
)
from core.finance1159.http_client import make_http_client
from core.finance1159.transport import Transport, parse_answer, query_params, wire_id
from core.finance1159.wire import Case, ClaimCreated, ClaimIn, Debtor, Page, Payment, PaymentIn

__all__ = ["Finance1159Client", "make_client", "make_http_client"]


class Finance1159Client:
    """Typed calls to 1159 Finance; transient failures are retried, 4xx become typed errors."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        *,
        client_id: str,
        api_key: SecretStr,
        max_attempts: int = 5,
        backoff_base: float = 0.5,
        backoff_max: float = 8.0,
    ) -> None:
        self._http = http
        self.client_id = client_id
        self._transport = Transport(
            http,
            client_id=client_id,
            api_key=api_key,
            max_attempts=max_attempts,
            backoff_base=backoff_base,
            backoff_max=backoff_max,
        )

    def __repr__(self) -> str:
        return f"Finance1159Client(base_url={str(self._http.base_url)!r}, client_id={self.client_id!r})"

    async def aclose(self) -> None:
        """Closes the httpx client (also when the caller passed it in)."""
        await self._http.aclose()

    async def __aenter__(self) -> Finance1159Client:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    @property
    def request_count(self) -> int:
        """HTTP requests sent, retries included (for benchmarks)."""
        return self._transport.request_count

    async def create_claim(self, claim: ClaimIn) -> ClaimCreated:
        """Hand over one invoice; a claim the agency already holds (same reference) counts as success."""
        try:
            _, body = await self._transport.call("POST", wire.PATH_CLAIMS, json_body=claim)
        except ClaimAlreadyExists as exc:
            if exc.dataset is None:
                raise
            case = await self.get_case(wire_id(exc.dataset, "dataset"))
            if case.reference != claim.reference:
                raise UnexpectedResponse(
                    code=exc.code,
                    dataset=exc.dataset,
                    context="POST /claims",
                    information=f"existing case {case.case_id} has another reference",
                ) from exc
            return ClaimCreated(
                case_id=case.case_id, debtor_id=case.debtor_id, status=case.status, already_existed=True
            )
        return parse_answer(
            lambda: ClaimCreated(
                case_id=wire_id(body["case_id"], "case_id"),
                debtor_id=wire_id(body["debtor_id"], "debtor_id"),
                status=str(body["status"]),
            ),
            "POST /claims",
        )

    async def get_case(self, case_id: int) -> Case:
        path = wire.path_case(case_id)
        _, body = await self._transport.call("GET", path)
        return parse_answer(lambda: wire.parse_case(body[wire.KEY_CASE]), f"GET {path}")

    async def list_cases(
        self,
        *,
        updated_since: datetime | None = None,
        reference: str | None = None,
        status: str | None = None,
        page: int = 1,
        per_page: int = wire.MAX_PER_PAGE,
    ) -> Page[Case]:
        params = query_params(updated_since=updated_since, reference=reference, status=status)
        return await self._page(wire.PATH_CASES, wire.KEY_CASES, params, page, per_page)

    async def iter_cases(
        self,
        *,
        updated_since: datetime | None = None,
        reference: str | None = None,
        status: str | None = None,
        per_page: int = wire.MAX_PER_PAGE,
    ) -> AsyncIterator[Case]:
        """Every matching case, page by page (the agency orders by case id, so pages stay stable)."""
        params = query_params(updated_since=updated_since, reference=reference, status=status)
        async for case in self._iterate(wire.PATH_CASES, wire.KEY_CASES, params, per_page):
            yield case

    async def withdraw_case(self, case_id: int) -> Case:
        """Withdraw a case created by mistake; repeating it for a withdrawn case is harmless."""
        path = wire.path_withdrawal(case_id)
        try:
            _, body = await self._transport.call("POST", path)
        except CaseClosed:
            # A retried withdrawal whose first answer was lost finds the case already closed.
            case = await self.get_case(case_id)
            if case.status == wire.CaseStatus.WITHDRAWN:
                return case
            raise
        return parse_answer(lambda: wire.parse_case(body[wire.KEY_CASE]), f"POST {path}")

    async def get_debtor(self, debtor_id: int) -> Debtor:
        path = wire.path_debtor(debtor_id)
        _, body = await self._transport.call("GET", path)
        return parse_answer(lambda: wire.parse_debtor(body[wire.KEY_DEBTOR]), f"GET {path}")

    async def list_payments(
        self,
        *,
        case_id: int | None = None,
        since: datetime | None = None,
        page: int = 1,
        per_page: int = wire.MAX_PER_PAGE,
    ) -> Page[Payment]:
        params = query_params(case_id=case_id, since=since)
        return await self._page(wire.PATH_PAYMENTS, wire.KEY_PAYMENTS, params, page, per_page)

    async def iter_payments(
        self, *, case_id: int | None = None, since: datetime | None = None, per_page: int = wire.MAX_PER_PAGE
    ) -> AsyncIterator[Payment]:
        params = query_params(case_id=case_id, since=since)
        async for payment in self._iterate(wire.PATH_PAYMENTS, wire.KEY_PAYMENTS, params, per_page):
            yield payment

    async def report_payment(self, payment: PaymentIn) -> int:
        """Report money the practice received directly; a repeated reference returns the first id."""
        try:
            _, body = await self._transport.call("POST", wire.PATH_PAYMENTS, json_body=payment)
        except PaymentAlreadyExists as exc:
            if exc.dataset is None:
                raise
            return wire_id(exc.dataset, "dataset")
        return parse_answer(lambda: wire_id(body[wire.KEY_PAYMENT_ID], "payment_id"), "POST /payments")

    async def _page(self, path: str, key: str, params: dict[str, str], page: int, per_page: int) -> Page[Any]:
        query = {**params, wire.KEY_PAGE: str(page), wire.KEY_PER_PAGE: str(per_page)}
        return await self._transport.decoded(path, lambda data: wire.decode_page(key, data), params=query)

    async def _iterate(
        self, path: str, key: str, params: dict[str, str], per_page: int
    ) -> AsyncIterator[Any]:
        page = 1
        while True:
            result = await self._page(path, key, params, page, per_page)
            for item in result.items:
                yield item
            if result.is_last:
                return
            page += 1


def make_client(settings: Settings, http: httpx.AsyncClient | None = None) -> Finance1159Client:
    """A client from the settings; close it with `await client.aclose()` or `async with`."""
    return Finance1159Client(
        http or make_http_client(settings.finance1159_base_url, concurrency=settings.finance1159_concurrency),
        client_id=settings.finance1159_client_id,
        api_key=settings.finance1159_api_key,
        max_attempts=settings.finance1159_max_attempts,
        backoff_base=settings.finance1159_backoff_base,
        backoff_max=settings.finance1159_backoff_max,
    )
