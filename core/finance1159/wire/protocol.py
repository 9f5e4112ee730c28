"""Where and how to talk to 1159 Finance: headers, paths, paging limits, envelope keys."""

from __future__ import annotations

__all__ = [
    "DEFAULT_PER_PAGE",
    "HEADER_API_KEY",
    "HEADER_CLIENT_ID",
    "KEY_CASE",
    "KEY_CASES",
    "KEY_DATASET",
    "KEY_DEBTOR",
    "KEY_ERROR",
    "KEY_INFORMATION",
    "KEY_MESSAGE",
    "KEY_PAGE",
    "KEY_PAYMENTS",
    "KEY_PAYMENT_ID",
    "KEY_PER_PAGE",
    "KEY_TOTAL",
    "MAX_PER_PAGE",
    "PATH_CASES",
    "PATH_CLAIMS",
    "PATH_DEBTORS",
    "PATH_PAYMENTS",
    "path_case",
    "path_debtor",
    "path_withdrawal",
]

HEADER_CLIENT_ID = "X-Auth-Id"
HEADER_API_KEY = "X-Auth-Key"
PATH_CLAIMS = "/claims"
PATH_CASES = "/cases"
PATH_DEBTORS = "/debtors"
PATH_PAYMENTS = "/payments"


def path_case(case_id: int) -> str:
    return f"{PATH_CASES}/{case_id}"


def path_withdrawal(case_id: int) -> str:
    return f"{PATH_CASES}/{case_id}/withdrawal"


def path_debtor(debtor_id: int) -> str:
    return f"{PATH_DEBTORS}/{debtor_id}"


DEFAULT_PER_PAGE = 50
MAX_PER_PAGE = 100

# The envelope around every answer
KEY_ERROR = "error"
KEY_MESSAGE = "message"
KEY_INFORMATION = "information"
KEY_DATASET = "dataset"
KEY_PAGE = "page"
KEY_PER_PAGE = "per_page"
KEY_TOTAL = "total"
KEY_CASE = "case"
KEY_CASES = "cases"
KEY_DEBTOR = "debtor"
KEY_PAYMENTS = "payments"
KEY_PAYMENT_ID = "payment_id"
