"""Monthly statements from 1159 Finance: kept as they came, parsed where the format is known,
reconciled against our own records. The dashboard's list of them is statement_list.py.

`receive_statement` is what the mail intake calls once per statement mail.
"""

from __future__ import annotations

import logging
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from core.db.engine import UnitOfWork
from core.db.models import Notification, Statement
from core.domain.errors import InvalidInput, NotFound
from core.services.accounting.ledger import Period, bookings, period
from core.services.accounting.reconcile import Reconciliation, from_bookings, from_statement, reconcile
from core.services.accounting.statement_csv import (
    StatementRefused,
    StatementRow,
    parse_statement_csv,
    pdf_text,
)
from core.services.people import audit
from core.services.people.access import Actor, Permission, require

__all__ = [
    "Attachment",
    "ForeignStatement",
    "check_client",
    "receive_statement",
    "reconcile_again",
    "reconciliation_for",
    "statement_rows",
]

log = logging.getLogger(__name__)

Attachment = tuple[str, str, bytes]  # (file name, content type, bytes)


def _is_pdf(name: str, content_type: str, data: bytes) -> bool:
    return name.lower().endswith(".pdf") or content_type.lower() == "application/pdf" or data[:5] == b"%PDF-"


def _is_csv(name: str, content_type: str) -> bool:
    return name.lower().endswith(".csv") or content_type.lower() in ("text/csv", "application/csv")


def _sort(attachments: list[Attachment]) -> tuple[Attachment | None, Attachment | None, list[Attachment]]:
    """(the CSV, the PDF, anything else); an unknown file takes the CSV slot if it is free."""
    csv_file = next((a for a in attachments if _is_csv(a[0], a[1])), None)
    pdf_file = next((a for a in attachments if a is not csv_file and _is_pdf(*a)), None)
    others = [a for a in attachments if a is not csv_file and a is not pdf_file]
    if csv_file is None and others:
        csv_file = others.pop(0)
    return csv_file, pdf_file, others


def _rows_json(rows: tuple[StatementRow, ...]) -> list[dict[str, Any]]:
    return [
        {
            "case_id": r.case_id,
            "reference": r.reference,
            "booked_on": r.booked_on.isoformat(),
            "kind": r.kind,
            "amount": str(r.amount),
            "line": r.line,
        }
        for r in rows
    ]


def statement_rows(statement: Statement) -> list[StatementRow]:
    return [
        StatementRow(
            r["case_id"],
            r["reference"],
            date.fromisoformat(r["booked_on"]),
            r["kind"],
            Decimal(r["amount"]),
            r["line"],
        )
        for r in statement.rows
    ]


def _parse(csv_file: Attachment | None) -> tuple[list[dict[str, Any]], str]:
    if csv_file is None:
        return [], "Keine CSV-Datei im Anhang; nur die Anhänge sind gespeichert."
    name, content_type, data = csv_file
    if not _is_csv(name, content_type):
        return (
            [],
            f"Format von „{name}“ ({content_type or 'unbekannt'}) ist unbekannt; die Datei ist gespeichert.",
        )
    try:
        return _rows_json(parse_statement_csv(data).rows), ""
    except StatementRefused as exc:
        return [], exc.user_message


class ForeignStatement(InvalidInput):
    """A statement that names another client of 1159 Finance: refused, nothing of it is kept."""


def check_client(named: str | None, ours: str, *, month: str) -> None:
    """Refuse a statement whose client id (Kundennummer / Client-ID, as the agency names it in the
    mail or its PDF) is not ours (FINANCE1159_CLIENT_ID); one that names none is taken as ours."""
    if named and named.strip().casefold() != ours.strip().casefold():
        label = period(month, allow_future=True).label
        raise ForeignStatement(
            f"Die Monatsabrechnung {label} ist für die Kundennummer „{named}“ bestimmt, diese Praxis hat bei "
            f"1159 Finance die Kundennummer „{ours}“. Sie wurde nicht gespeichert; die Mail liegt "
            "unverändert im Postfach. Bitte 1159 Finance Bescheid geben und die Mail danach löschen.",
            f"statement for client {named!r} refused (ours: {ours!r})",
        )


def receive_statement(
    uow: UnitOfWork,
    *,
    practice_id: int,
    month: str,
    message_key: str,
    attachments: list[Attachment],
    actor: Actor | str = "worker",
    client_id: str | None = None,
) -> Statement:
    """Keep a statement mail's attachments, parse and reconcile; the same message twice is kept once.
    A statement naming another client (`client_id`) is refused (ForeignStatement), nothing kept."""
    span = period(month, allow_future=True)
    check_client(client_id, uow.settings.finance1159_client_id, month=span.month)
    with uow:
        existing = _by_key(uow.session, practice_id, message_key)
        if existing is not None:
            return existing
        csv_file, pdf_file, others = _sort(attachments)
        rows, parse_error = _parse(csv_file)
        if others:
            names = ", ".join(a[0] or "ohne Namen" for a in others)
            parse_error = (
                parse_error + " " if parse_error else ""
            ) + f"Weitere Anhänge nicht zugeordnet: {names}."
        statement = Statement(
            practice_id=practice_id,
            month=span.month,
            message_key=message_key,
            csv_name=csv_file[0] if csv_file else "",
            csv_data=csv_file[2] if csv_file else None,
            pdf_name=pdf_file[0] if pdf_file else "",
            pdf_data=pdf_file[2] if pdf_file else None,
            pdf_text=(pdf_text(pdf_file[2]) or "") if pdf_file else "",
            rows=rows,
            parse_error=parse_error,
        )
        uow.session.add(statement)
        try:
            uow.session.flush()
        except IntegrityError:
            uow.session.rollback()
            found = _by_key(uow.session, practice_id, message_key)
            if found is None:
                raise
            return found
        result = _reconcile(uow.session, statement, span) if not parse_error or rows else None
        audit.record(
            uow.session,
            practice_id=practice_id,
            actor=actor,
            action="statement.receive",
            subject=f"statement:{span.month}",
            message_key=message_key,
            rows=len(rows),
            parse_error=bool(parse_error),
            differences=len(result.differences) if result else None,
        )
        uow.session.add(
            Notification(practice_id=practice_id, kind="statement", text=_notice(span, statement, result))
        )
        uow.commit()
        log.info("statement %s kept (%d rows, parse error: %s)", span.month, len(rows), bool(parse_error))
        return statement


def _by_key(session: Session, practice_id: int, message_key: str) -> Statement | None:
    return session.exec(
        select(Statement).where(Statement.practice_id == practice_id, Statement.message_key == message_key)
    ).first()


def _reconcile(session: Session, statement: Statement, span: Period) -> Reconciliation:
    ours = from_bookings(bookings(session, practice_id=statement.practice_id, span=span))
    result = reconcile(span=span, ours=ours, theirs=from_statement(statement_rows(statement)))
    statement.reconciliation = result.to_json()
    return result


def _notice(span: Period, statement: Statement, result: Reconciliation | None) -> str:
    head = f"📄 Monatsabrechnung {span.label} eingegangen"
    if statement.parse_error and result is None:
        return f"{head}; die Anhänge sind gespeichert, aber nicht gelesen: {statement.parse_error}"
    assert result is not None
    if result.ok:
        return f"{head}: {len(statement.rows)} Buchungen, stimmt mit unseren Aufzeichnungen überein."
    return (
        f"{head}: {len(result.differences)} Abweichung(en) zu unseren Aufzeichnungen. "
        "Details im Dashboard unter „Monatsabrechnungen“."
    )


def reconcile_again(uow: UnitOfWork, *, practice_id: int, actor: Actor, statement_id: int) -> Reconciliation:
    """Reconcile a kept statement once more (our records may have caught up since)."""
    require(actor, Permission.VIEW_REPORTS)
    with uow:
        statement = uow.session.get(Statement, statement_id)
        if statement is None or statement.practice_id != practice_id:
            raise NotFound(f"Monatsabrechnung {statement_id} gibt es nicht.")
        result = _reconcile(uow.session, statement, period(statement.month, allow_future=True))
        audit.record(
            uow.session,
            practice_id=practice_id,
            actor=actor,
            action="statement.reconcile",
            subject=f"statement:{statement.month}",
            differences=len(result.differences),
        )
        uow.commit()
        return result


def reconciliation_for(
    uow: UnitOfWork, *, practice_id: int, actor: Actor, statement_id: int
) -> Reconciliation:
    """The reconciliation as of now, without storing it (for display)."""
    require(actor, Permission.VIEW_REPORTS)
    with uow:
        statement = uow.session.get(Statement, statement_id)
        if statement is None or statement.practice_id != practice_id:
            raise NotFound(f"Monatsabrechnung {statement_id} gibt es nicht.")
        span = period(statement.month, allow_future=True)
        ours = from_bookings(bookings(uow.session, practice_id=practice_id, span=span))
        return reconcile(span=span, ours=ours, theirs=from_statement(statement_rows(statement)))
