"""The monthly statements kept, as the dashboard lists them and offers their files for download."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from core.db.engine import UnitOfWork
from core.db.models import Statement
from core.domain.errors import NotFound
from core.services.people.access import Actor, Permission, require

__all__ = ["StatementSummary", "get_statement", "latest_readable", "list_statements"]


@dataclass(frozen=True)
class StatementSummary:
    id: int
    month: str
    received_at: Any
    csv_name: str
    pdf_name: str
    rows: int
    parse_error: str
    reconciled: bool
    differences: int | None
    summary: str


def list_statements(
    uow: UnitOfWork, *, practice_id: int, actor: Actor, limit: int = 36
) -> list[StatementSummary]:
    """The statements kept, newest month first (without their bytes)."""
    require(actor, Permission.VIEW_REPORTS)
    with uow:
        rows = uow.session.exec(
            select(  # type: ignore[call-overload]
                Statement.id,
                Statement.month,
                Statement.received_at,
                Statement.csv_name,
                Statement.pdf_name,
                Statement.rows,
                Statement.parse_error,
                Statement.reconciliation,
            )
            .where(Statement.practice_id == practice_id)
            .order_by(col(Statement.month).desc(), col(Statement.id).desc())
            .limit(limit)
        ).all()
    out = []
    for sid, month, received, csv_name, pdf_name, srows, error, rec in rows:
        rec = rec or {}
        diffs = len(rec["differences"]) if "differences" in rec else None
        out.append(
            StatementSummary(
                sid,
                month,
                received,
                csv_name,
                pdf_name,
                len(srows or []),
                error,
                bool(rec),
                diffs,
                rec.get("summary", "") or (error and "nicht gelesen") or "",
            )
        )
    return out


def get_statement(uow: UnitOfWork, *, practice_id: int, actor: Actor, statement_id: int) -> Statement:
    """One statement with its attachments (for downloads)."""
    require(actor, Permission.VIEW_REPORTS)
    with uow:
        statement = uow.session.get(Statement, statement_id)
        if statement is None or statement.practice_id != practice_id:
            raise NotFound(f"Monatsabrechnung {statement_id} gibt es nicht.")
        return statement


def latest_readable(session: Session, *, practice_id: int, month: str) -> tuple[int, datetime] | None:
    """(id, received_at) of the newest statement kept for the month whose CSV was read, or None:
    the one a month is reconciled with."""
    found = session.exec(
        select(Statement.id, Statement.received_at)
        .where(Statement.practice_id == practice_id, Statement.month == month, Statement.parse_error == "")
        .order_by(col(Statement.received_at).desc(), col(Statement.id).desc())
    ).first()
    return None if found is None else (found[0] or 0, found[1])
