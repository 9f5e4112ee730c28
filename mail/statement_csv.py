"""Moved to `core.services.statement_csv` (the core must never import mail/); kept as a re-export."""

from core.services.statement_csv import (
    BOOKING_KINDS,
    StatementRefused,
    StatementRow,
    StatementRows,
    parse_statement_csv,
    pdf_text,
)

__all__ = [
    "BOOKING_KINDS",
    "StatementRefused",
    "StatementRow",
    "StatementRows",
    "parse_statement_csv",
    "pdf_text",
]
