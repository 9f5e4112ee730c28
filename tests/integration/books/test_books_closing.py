"""Closed months: kept files never change, a second close is refused, late events become
corrections in the next open month that name what they correct."""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlmodel import select

from core.bootstrap import App
from core.db.models import BookExport, Claim, Fee
from core.domain.errors import InvalidInput
from core.services.accounting import books, closing, statements
from core.services.accounting.journal import Book, Entry
from core.services.accounting.ledger import period
from core.services.people.access import OPERATOR
from tests.factories import make_app
from tests.integration.books.books_helpers import (
    MONTH,
    PAYOUT_ROW,
    STATEMENT_CSV,
    add_paid_in_full_case,
    bank_credit,
    build_october,
    cli_env,
    import_bank,
    run_cli,
)

ON = date(2026, 11, 27)
D = Decimal


@pytest.fixture
def app(database_url: str, tmp_path: Path) -> Iterator[App]:
    app = make_app(database_url, tmp_path)
    build_october(app)
    add_paid_in_full_case(app)
    yield app
    app.close()


def _file(app: App, fmt: str, month: str = MONTH) -> bytes:
    return books.monthly_file(
        app.uow(),
        settings=app.settings,
        practice_id=app.practice_id,
        actor=OPERATOR,
        month=month,
        fmt=fmt,
        on=ON,
    ).data


def _close(app: App, month: str = MONTH, on: date = ON) -> list[BookExport]:
    return books.close_month(
        app.uow(), settings=app.settings, practice_id=app.practice_id, actor=OPERATOR, month=month, on=on
    )


def _late_fee(app: App) -> None:
    """Expenses of 3,00 on 20.10. for R-105, synced after October was closed."""
    with app.uow() as uow:
        claim = uow.session.exec(select(Claim).where(Claim.reference == "R-105")).one()
        uow.session.add(Fee(practice_id=app.practice_id, claim_id=claim.id or 0, type="expenses",
                            amount=D("3.00"), charged_on=date(2026, 10, 20)))  # fmt: skip
        uow.commit()


def _entries(app: App, month: str) -> list[Entry]:
    with app.uow() as uow:
        span = period(month, on=date(2027, 1, 5))
        return closing.month_entries(uow.session, practice_id=app.practice_id, book=Book(), span=span)


def _text(pdf: bytes) -> str:
    return "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)


def test_closing_keeps_the_files_with_their_hash_and_a_re_export_is_identical(app: App) -> None:
    assert "vorläufig" in _text(_file(app, "pdf"))
    kept = _close(app)
    assert sorted(k.format for k in kept) == ["csv", "datev", "pdf"]
    assert all(k.final and k.sha256 == hashlib.sha256(k.data).hexdigest() for k in kept)
    by_format = {k.format: k.data for k in kept}
    head = by_format["datev"].decode("cp1252").split("\r\n")[0].split(";")
    assert head[20] == "1"  # Festschreibung
    assert "Abgeschlossen am" in _text(by_format["pdf"]) and "vorläufig" not in _text(by_format["pdf"])
    _late_fee(app)
    for fmt, data in by_format.items():
        assert _file(app, fmt) == data
    with app.uow() as uow:
        exports = uow.session.exec(select(BookExport).where(BookExport.month == MONTH)).all()
    assert len(exports) == 4 and all(e.sha256 == hashlib.sha256(e.data).hexdigest() for e in exports)


def test_a_closed_month_cannot_be_closed_again_and_a_future_one_not_at_all(app: App) -> None:
    _close(app)
    with pytest.raises(InvalidInput, match="bereits abgeschlossen"):
        _close(app)
    with pytest.raises(InvalidInput, match="liegt in der Zukunft"):
        _close(app, "2026-12")
    november = _close(app, "2026-11", on=date(2026, 11, 30))  # the current month, on its last day
    assert len(november) == 3


def test_a_late_fee_for_a_closed_month_is_corrected_in_the_next_open_month(app: App) -> None:
    _close(app)
    assert [e for e in _entries(app, "2026-11") if e.corrects] == []
    _late_fee(app)
    # § 367: the 112,00 of 25.10. now paid 13,00 costs and 97,00 principal, not 10,00 and 100,00
    fixes = [e for e in _entries(app, "2026-11") if e.corrects]
    assert sorted((e.kind, e.amount) for e in fixes) == [
        ("costs", D("3.00")), ("costs_kept", D("3.00")), ("principal", D("-3.00"))
    ]  # fmt: skip
    principal = next(e for e in fixes if e.kind == "principal")
    assert principal.day == date(2026, 11, 1) and principal.corrects == MONTH
    assert principal.text == "Korrektur 10/2026: Zahlung Schuldner: Forderung"
    assert principal.source.startswith("berichtigt: Buchung vom 25.10.2026 (Zahlung 9006")
    assert (principal.debit, principal.credit) == ("1360", "8100")
    rows = [r.split(";") for r in _file(app, "datev", "2026-11").decode("cp1252").split("\r\n")[2:-1]]
    reversed_principal = next(r for r in rows if r[13].startswith('"Korrektur 10/2026: Zahlung Schuldner: F'))
    assert reversed_principal[:2] == ["3,00", '"H"'] and reversed_principal[9] == "0111"


def test_a_payout_arriving_late_for_a_closed_month_is_booked_in_the_next_open_month(app: App) -> None:
    kept = {k.format: k.data for k in _close(app)}
    import_bank(app, bank_credit(date(2026, 10, 30), "40.00", "OKT-2"))  # imported in November
    [fix] = [e for e in _entries(app, "2026-11") if e.corrects]
    assert (fix.kind, fix.day, fix.amount, fix.debit, fix.credit) == ("payout", date(2026, 11, 1), D("40.00"),
                                                                      "1200", "1360")  # fmt: skip
    assert fix.corrects == MONTH and fix.original_day == date(2026, 10, 30)
    assert fix.text == "Korrektur 10/2026: Auszahlung 1159 Finance"
    assert fix.source == (
        "nachgetragen: Buchung vom 30.10.2026 (Kontoauszug (camt.053): Gutschrift vom 30.10.2026, "
        "Ref. OKT-2; Abrechnung steht noch aus)"
    )
    assert all(_file(app, fmt) == data for fmt, data in kept.items())  # October stays as closed
    rows = [r.split(";") for r in _file(app, "datev", "2026-11").decode("cp1252").split("\r\n")[2:-1]]
    late = next(r for r in rows if r[13] == '"Korrektur 10/2026: Auszahlung 1159 Finance"')
    assert late[:10] == ["40,00", '"S"', '"EUR"', "", "", "", "1200", "1360", "", "0111"]
    with app.uow() as uow:
        december = period("2026-12", on=date(2027, 1, 5))
        balance = closing.clearing_before(
            uow.session, practice_id=app.practice_id, book=Book(), span=december
        )
    # −2,50 before October, +262,08 in October, −40,00 the late payout, +18,00 in November (R-104 pays
    # 30,00 on 02.11.: 12,00 costs kept by the agency, 18,00 principal)
    assert balance == D("237.58")


def test_a_payout_booked_from_the_statement_moves_to_the_banks_day_once_the_bank_shows_it(app: App) -> None:
    statements.receive_statement(
        app.uow(), practice_id=app.practice_id, month=MONTH, message_key="<okt@1159finance.com>",
        attachments=[("Monatsabrechnung_2026-10.csv", "text/csv", (STATEMENT_CSV + PAYOUT_ROW).encode())],
    )  # fmt: skip
    _close(app)  # October books the payout of 28.10. from the statement: no bank statement yet
    october = [e.text for e in _entries(app, MONTH) if e.kind == "payout"]
    assert october == ["Auszahlung 1159 Finance laut Abrechnung"]
    import_bank(app, bank_credit(date(2026, 11, 2), "150.00", "NOV-1"))
    november = [e for e in _entries(app, "2026-11") if e.kind == "payout"]
    assert sorted((e.day, e.amount, e.source.split(":")[0]) for e in november) == [
        (date(2026, 11, 1), D("-150.00"), "storniert"),  # the statement's booking of 28.10. reversed
        (date(2026, 11, 2), D("150.00"), "Kontoauszug (camt.053)"),  # the bank's, on its day
    ]
    assert sum(e.amount for e in november) == 0  # October booked it already: the money is counted once


def test_corrections_are_booked_once_when_their_month_is_closed_too(app: App) -> None:
    _close(app)
    _late_fee(app)
    _close(app, "2026-11", on=date(2026, 12, 1))
    assert len([e for e in _entries(app, "2026-11") if e.corrects]) == 3  # kept as locked
    assert [e for e in _entries(app, "2026-12") if e.corrects] == []


def test_the_cli_closes_a_month_and_refuses_a_second_time_in_german(app: App, tmp_path: Path) -> None:
    env = cli_env(app, tmp_path)
    done = run_cli(["books", "close", MONTH], env, tmp_path)
    assert done.returncode == 0, done.stderr
    assert "Monat 10/2026 abgeschlossen" in done.stdout and "SHA-256" in done.stdout
    again = run_cli(["books", "close", MONTH], env, tmp_path)
    assert (
        again.returncode == 1 and "bereits abgeschlossen" in again.stderr and "Traceback" not in again.stderr
    )


def test_two_managers_closing_at_the_same_moment_get_one_close_and_a_german_answer(
    app: App, monkeypatch: pytest.MonkeyPatch
) -> None:
    _close(app)
    # The second one read "not closed yet" just before the first committed: the database decides.
    monkeypatch.setattr(closing, "closed_months", lambda session, *, practice_id: {})
    with pytest.raises(InvalidInput, match="ist bereits abgeschlossen"):
        _close(app)
    with app.uow() as uow:
        assert len(uow.session.exec(select(BookExport).where(BookExport.final)).all()) == 3
