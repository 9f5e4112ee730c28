"""Books: the monthly report as a file (PDF, CSV or DATEV), and the month's reconciliation status.

The one entry point the CLI and the dashboard share for `report monthly`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from sqlmodel import col, select

from core.config import Settings
from core.db.engine import UnitOfWork
from core.db.models import Statement
from core.domain.errors import InvalidInput
from core.services.accounting import datev, journal, report_files
from core.services.accounting.book_settings import current_book
from core.services.accounting.ledger import period
from core.services.accounting.reconcile import Reconciliation
from core.services.accounting.reports import MonthlyReport, monthly_report
from core.services.accounting.statements import reconciliation_for
from core.services.people import audit
from core.services.people.access import Actor, Permission, require


class ReportFormat(StrEnum):
    PDF = "pdf"
    CSV = "csv"
    DATEV = "datev"


MIME = {
    ReportFormat.PDF: "application/pdf",
    ReportFormat.CSV: "text/csv",
    ReportFormat.DATEV: "text/csv",
}


@dataclass(frozen=True)
class ReportFile:
    name: str
    mime: str
    data: bytes
    report: MonthlyReport


def parse_format(text: str) -> ReportFormat:
    try:
        return ReportFormat(text.strip().lower())
    except ValueError:
        raise InvalidInput(f"Format „{text}“ gibt es nicht. Möglich: pdf, csv, datev.") from None


def monthly_file(
    uow: UnitOfWork,
    *,
    settings: Settings,
    practice_id: int,
    actor: Actor,
    month: str,
    fmt: ReportFormat | str = ReportFormat.PDF,
    on: date | None = None,
) -> ReportFile:
    """Build the month's report file; refuses a future month, gives an empty report for a quiet one."""
    fmt = fmt if isinstance(fmt, ReportFormat) else parse_format(fmt)
    report = monthly_report(uow.fresh(), practice_id=practice_id, actor=actor, month=month, on=on)
    span = report.span
    if fmt == ReportFormat.PDF:
        data, name = report_files.to_pdf(report), f"Inkasso-Monatsbericht_{span.month}.pdf"
    elif fmt == ReportFormat.CSV:
        data, name = report_files.to_csv(report), f"Inkasso-Monatsbericht_{span.month}.csv"
    else:
        with uow.fresh() as tx:
            book = current_book(tx.session, practice_id=practice_id, settings=settings)
            entries = journal.build(tx.session, practice_id=practice_id, book=book, span=span)
        data, name = datev.to_extf(book, span, entries), datev.filename(span)
    with uow.fresh() as tx:
        audit.record(
            tx.session,
            practice_id=practice_id,
            actor=actor,
            action="report.monthly",
            subject=span.month,
            format=fmt,
        )
        tx.commit()
    return ReportFile(name, MIME[fmt], data, report)


def month_reconciliation(
    uow: UnitOfWork, *, practice_id: int, actor: Actor, month: str, on: date | None = None
) -> Reconciliation | None:
    """The reconciliation against the newest statement kept for the month, or None without one."""
    require(actor, Permission.VIEW_REPORTS)
    span = period(month, on=on)
    with uow.fresh() as tx:
        statement_id = tx.session.exec(
            select(Statement.id)
            .where(
                Statement.practice_id == practice_id,
                Statement.month == span.month,
                Statement.parse_error == "",
            )
            .order_by(col(Statement.received_at).desc(), col(Statement.id).desc())
        ).first()
    if statement_id is None:
        return None
    return reconciliation_for(uow.fresh(), practice_id=practice_id, actor=actor, statement_id=statement_id)
