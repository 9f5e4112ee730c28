"""Books: the monthly report as a file (PDF, CSV or DATEV), and closing a month.

The one entry point the CLI and the dashboard share for `report monthly` and `books close`; the
month's reconciliation is three_way.py.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from enum import StrEnum

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from core.config import Settings
from core.db.engine import UnitOfWork
from core.db.models import BookExport, BookMonth
from core.domain.dates import format_datetime, utcnow
from core.domain.errors import InvalidInput
from core.services.accounting import closing, datev, report_files
from core.services.accounting.book_settings import current_book
from core.services.accounting.pdf_journal import JournalSheet
from core.services.accounting.reports import MonthlyReport, monthly_report
from core.services.accounting.three_way import ThreeWay, three_way
from core.services.people import audit
from core.services.people.access import Actor, Role

__all__ = [
    "MIME",
    "ReportFile",
    "ReportFormat",
    "close_month",
    "monthly_file",
    "parse_format",
]


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
    """The month's report file, kept with its hash; a closed month's is the file made at closing,
    byte for byte. Refuses a future month, gives an empty report for a quiet one."""
    fmt = fmt if isinstance(fmt, ReportFormat) else parse_format(fmt)
    job = _job(uow, settings, practice_id, actor, month, on)
    span = job.report.span
    with uow.fresh() as tx:
        kept = closing.final_export(tx.session, practice_id=practice_id, month=span.month, fmt=fmt)
        if kept is None:
            name, data = _build(tx.session, job, fmt)
            closing.keep_export(tx.session, practice_id=practice_id, month=span.month, fmt=fmt, name=name,
                                data=data, by=actor.label, final=False)  # fmt: skip
        else:
            name, data = kept.name, kept.data
        audit.record(tx.session, practice_id=practice_id, actor=actor, action="report.monthly",
                     subject=span.month, format=fmt, final=kept is not None)  # fmt: skip
        tx.commit()
    return ReportFile(name, MIME[fmt], data, job.report)


@dataclass(frozen=True)
class _Job:
    settings: Settings
    practice_id: int
    report: MonthlyReport
    made_by: str
    reconciliation: ThreeWay
    closed: str = ""


def _job(
    uow: UnitOfWork, settings: Settings, practice_id: int, actor: Actor, month: str, on: date | None
) -> _Job:
    report = monthly_report(uow.fresh(), practice_id=practice_id, actor=actor, month=month, on=on)
    rec = three_way(uow, practice_id=practice_id, actor=actor, month=report.span.month, on=on)
    return _Job(settings, practice_id, report, _who(actor), rec)


def _who(actor: Actor) -> str:
    """A person's name as the PDF prints it: "anna" for "dashboard:anna", the CLI as such."""
    return "Betreiber (Kommandozeile)" if actor.role == Role.OPERATOR else actor.label.split(":")[-1]


def _build(session: Session, job: _Job, fmt: ReportFormat) -> tuple[str, bytes]:
    span = job.report.span
    if fmt == ReportFormat.CSV:
        return f"Inkasso-Monatsbericht_{span.month}.csv", report_files.to_csv(job.report)
    book = current_book(session, practice_id=job.practice_id, settings=job.settings)
    entries = closing.month_entries(session, practice_id=job.practice_id, book=book, span=span)
    if fmt == ReportFormat.DATEV:
        return datev.filename(span), datev.to_extf(book, span, entries, locked=bool(job.closed))
    opening = closing.clearing_before(session, practice_id=job.practice_id, book=book, span=span)
    rec = job.reconciliation
    sheet = JournalSheet(
        book.named("clearing"), opening, entries, rec.lines(), rec.payouts.lines, rec.summary()
    )
    data = report_files.to_pdf(job.report, closed=job.closed, made_by=job.made_by, sheet=sheet)
    return f"Inkasso-Monatsbericht_{span.month}.pdf", data


def close_month(
    uow: UnitOfWork, *, settings: Settings, practice_id: int, actor: Actor, month: str, on: date | None = None
) -> list[BookExport]:
    """Close a month (up to and including the current one): its entries and final files are kept
    and never change again. A month already closed is refused in German."""
    job = _job(uow, settings, practice_id, actor, month, on)
    span = job.report.span
    with uow.fresh() as tx:
        done = closing.closed_months(tx.session, practice_id=practice_id).get(span.month)
        if done is not None:
            raise InvalidInput(
                f"Der Monat {span.label} ist bereits abgeschlossen (am {format_datetime(done.closed_at)}, "
                f"{done.closed_by}); seine Dateien bleiben unverändert, "
                "Nachträge kommen in den nächsten offenen Monat."
            )
        book = current_book(tx.session, practice_id=practice_id, settings=settings)
        entries = closing.month_entries(tx.session, practice_id=practice_id, book=book, span=span)
        now = utcnow()
        job = replace(job, closed=f"Abgeschlossen am {format_datetime(now)} von {actor.label}.")
        files = [_build(tx.session, job, fmt) for fmt in ReportFormat]
        rows = [closing.to_json(e) for e in entries]
        tx.session.add(
            BookMonth(
                practice_id=practice_id, month=span.month, closed_at=now, closed_by=actor.label, entries=rows
            )
        )
        kept = [
            closing.keep_export(
                tx.session,
                practice_id=practice_id,
                month=span.month,
                fmt=fmt,
                name=name,
                data=data,
                by=actor.label,
                final=True,
            )  # fmt: skip
            for fmt, (name, data) in zip(ReportFormat, files, strict=True)
        ]
        hashes = ", ".join(k.sha256 for k in kept)
        audit.record(
            tx.session,
            practice_id=practice_id,
            actor=actor,
            action="books.close",
            subject=span.month,
            hashes=hashes,
        )
        try:
            tx.commit()
        except IntegrityError:  # closed by someone else in the same moment
            raise InvalidInput(f"Der Monat {span.label} ist bereits abgeschlossen.") from None
        for k in kept:
            tx.session.refresh(k)
    return kept
