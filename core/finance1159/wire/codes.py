"""The agency's codes: error codes, case statuses, fee types, payment sources."""

from __future__ import annotations

__all__ = ["CaseStatus", "ErrorCode", "FeeType", "PaymentSource"]


class ErrorCode:
    AUTHENTICATION_FAILED = "AUTHENTICATION_FAILED"
    NOT_FOUND = "NOT_FOUND"
    INVALID_JSON = "INVALID_JSON"
    INVALID_PARAMETER = "INVALID_PARAMETER"
    CLAIM_ALREADY_EXISTS = "CLAIM_ALREADY_EXISTS"
    PAYMENT_ALREADY_EXISTS = "PAYMENT_ALREADY_EXISTS"
    CASE_CLOSED = "CASE_CLOSED"
    AMOUNT_EXCEEDS_OUTSTANDING = "AMOUNT_EXCEEDS_OUTSTANDING"
    WITHDRAWAL_NOT_POSSIBLE = "WITHDRAWAL_NOT_POSSIBLE"


class CaseStatus:
    RECEIVED = "received"
    IN_COLLECTION = "in_collection"
    INSTALMENT = "instalment"
    LEGAL = "legal"
    PAID = "paid"
    UNCOLLECTIBLE = "uncollectible"
    WITHDRAWN = "withdrawn"
    ALL = frozenset({RECEIVED, IN_COLLECTION, INSTALMENT, LEGAL, PAID, UNCOLLECTIBLE, WITHDRAWN})
    CLOSED = frozenset({PAID, UNCOLLECTIBLE, WITHDRAWN})


class FeeType:
    COLLECTION_FEE = "collection_fee"
    EXPENSES = "expenses"
    REMINDER_FEE = "reminder_fee"
    INTEREST = "interest"
    ALL = frozenset({COLLECTION_FEE, EXPENSES, REMINDER_FEE, INTEREST})


class PaymentSource:
    AGENCY = "agency"
    CREDITOR = "creditor"
