"""Typed errors of the 1159 Finance client, each with a German message for the practice.

    AgencyRejected                       (core.domain.errors) a final 4xx answer
    └── Finance1159Rejected              any error envelope; unknown `message` codes land here
        ├── AuthenticationFailed         403 AUTHENTICATION_FAILED
        ├── CaseNotFound                 404 NOT_FOUND (a case, or a payment's case)
        ├── DebtorNotFound               404 NOT_FOUND on /debtors
        ├── InvalidRequest               400 INVALID_JSON / INVALID_PARAMETER (`information` = field)
        ├── ClaimAlreadyExists           400 CLAIM_ALREADY_EXISTS (the client turns it into success)
        ├── PaymentAlreadyExists         400 PAYMENT_ALREADY_EXISTS (likewise)
        ├── CaseClosed                   400 CASE_CLOSED
        ├── AmountExceedsOutstanding     400 AMOUNT_EXCEEDS_OUTSTANDING
        ├── WithdrawalNotPossible        400 WITHDRAWAL_NOT_POSSIBLE
        └── UnexpectedResponse           an answer that breaks the contract (bad JSON, wrong envelope)
    PeerUnavailable                      (core.domain.errors)
    └── AgencyUnavailable                5xx, timeouts, broken connections after every retry

Every error carries `code`, `information`, `dataset` and `status_code` as the agency sent them.
None of them ever holds the API key: messages are built from the answer, never the request.
"""

from __future__ import annotations

from typing import Any

from core.domain.errors import AgencyRejected, PeerUnavailable
from core.finance1159.wire import ErrorCode

__all__ = [
    "AgencyUnavailable",
    "AmountExceedsOutstanding",
    "AuthenticationFailed",
    "CaseClosed",
    "CaseNotFound",
    "ClaimAlreadyExists",
    "DebtorNotFound",
    "Finance1159Rejected",
    "InvalidRequest",
    "PaymentAlreadyExists",
    "UnexpectedResponse",
    "WithdrawalNotPossible",
    "error_from_envelope",
]


class Finance1159Rejected(AgencyRejected):
    """1159 Finance answered with an error envelope."""

    user_text = "1159 Finance hat die Anfrage abgelehnt ({code}). Bitte später erneut versuchen."

    def __init__(
        self,
        *,
        code: str | None = None,
        information: str | None = None,
        dataset: Any = None,
        status_code: int | None = None,
        context: str = "",
    ) -> None:
        self.code = code
        self.information = information
        self.dataset = dataset
        self.status_code = status_code
        fmt = {
            "code": code or "ohne Code",
            "information": information or "ohne Angabe",
            "nr": f" (Nr. {dataset})" if dataset is not None else "",
        }
        where = f"1159 Finance {context}".rstrip()
        log = f"{where} -> {status_code} {code}: {information!r} (dataset={dataset!r})"
        super().__init__(self.user_text.format(**fmt), log)


class AuthenticationFailed(Finance1159Rejected):
    user_text = "1159 Finance hat die Anmeldung abgelehnt. Bitte Client-ID und API-Schlüssel prüfen."


class CaseNotFound(Finance1159Rejected):
    user_text = "1159 Finance kennt diesen Inkasso-Fall nicht{nr}."


class DebtorNotFound(Finance1159Rejected):
    user_text = "1159 Finance kennt diesen Schuldner nicht{nr}."


class InvalidRequest(Finance1159Rejected):
    user_text = "1159 Finance hat die Daten nicht angenommen: {information}. Bitte die Angaben prüfen."


class ClaimAlreadyExists(Finance1159Rejected):
    user_text = "Diese Forderung liegt 1159 Finance bereits vor{nr}."


class PaymentAlreadyExists(Finance1159Rejected):
    user_text = "Diese Zahlung wurde 1159 Finance bereits gemeldet."


class CaseClosed(Finance1159Rejected):
    user_text = "Der Inkasso-Fall ist bei 1159 Finance bereits abgeschlossen; es ist nichts mehr möglich."


class AmountExceedsOutstanding(Finance1159Rejected):
    user_text = "Der Betrag ist höher als die offene Forderung bei 1159 Finance."


class WithdrawalNotPossible(Finance1159Rejected):
    user_text = (
        "Die Forderung kann nicht mehr zurückgezogen werden, weil 1159 Finance bereits Geld eingezogen hat."
    )


class UnexpectedResponse(Finance1159Rejected):
    user_text = (
        "1159 Finance hat unerwartet geantwortet. Bitte später erneut versuchen oder den Support fragen."
    )


class AgencyUnavailable(PeerUnavailable):
    """5xx, timeouts or broken connections after the last retry."""

    def __init__(self, log_message: str) -> None:
        super().__init__(
            "1159 Finance ist gerade nicht erreichbar. Der Vorgang wird später automatisch wiederholt; "
            "bitte nicht doppelt erfassen.",
            log_message,
        )
        self.code = None
        self.information = None
        self.dataset = None
        self.status_code: int | None = None


_BY_CODE: dict[str, type[Finance1159Rejected]] = {
    ErrorCode.AUTHENTICATION_FAILED: AuthenticationFailed,
    ErrorCode.NOT_FOUND: CaseNotFound,
    ErrorCode.INVALID_JSON: InvalidRequest,
    ErrorCode.INVALID_PARAMETER: InvalidRequest,
    ErrorCode.CLAIM_ALREADY_EXISTS: ClaimAlreadyExists,
    ErrorCode.PAYMENT_ALREADY_EXISTS: PaymentAlreadyExists,
    ErrorCode.CASE_CLOSED: CaseClosed,
    ErrorCode.AMOUNT_EXCEEDS_OUTSTANDING: AmountExceedsOutstanding,
    ErrorCode.WITHDRAWAL_NOT_POSSIBLE: WithdrawalNotPossible,
}


def error_from_envelope(
    *, status_code: int, code: str | None, information: str | None, dataset: Any, context: str
) -> Finance1159Rejected:
    """The typed error for one error answer; `context` is method and path, for the log."""
    cls = _BY_CODE.get(code or "", Finance1159Rejected)
    if cls is CaseNotFound and " /debtors" in context:
        cls = DebtorNotFound
    elif code is None and status_code == 403:
        cls = AuthenticationFailed
    return cls(code=code, information=information, dataset=dataset, status_code=status_code, context=context)
