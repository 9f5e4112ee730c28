"""The three-way reconciliation of October (records, the agency's statement, the bank): in core,
through `inkasso books reconcile [--json]`, and in the tax advisor's PDF.

October's statement lists four payouts (STATEMENT below); the bank (camt.053) shows:
- 15.10. 25,00 listed → on the bank 17.10. with 24,00: amount differs;
- 20.10. 10,00 on the bank, not listed;
- 28.10. 150,00 listed → on the bank 29.10.: agrees;
- 30.10. 60,00 listed → not on the bank, which is imported up to 12.11.: missing.
The records' side has one difference too: Inkassokosten of R-101 44,10 here, 40,00 there.
Clearing account 1360: −2,50 before October, +162,58 from October's bookings, −184,00 payouts
booked from the bank (24,00 + 10,00 + 150,00) = −23,92.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from pypdf import PdfReader

from core.bootstrap import App
from core.db.models import Practice
from core.domain.errors import InvalidInput
from core.services.accounting import books, statements, three_way
from core.services.people.access import OPERATOR
from tests.factories import make_app
from tests.integration.books.books_helpers import (
    MONTH,
    PAYOUT_ROW,
    STATEMENT_CSV,
    bank_credit,
    build_october,
    cli_env,
    import_bank,
    run_cli,
)

ON = date(2026, 11, 27)
D = Decimal
PAYOUTS = ";;15.10.2026;Auszahlung;25,00\n" + PAYOUT_ROW + ";;30.10.2026;Auszahlung;60,00\n"
STATEMENT = STATEMENT_CSV.replace("44,10", "40,00") + PAYOUTS


@pytest.fixture
def app(database_url: str, tmp_path: Path) -> Iterator[App]:
    app = make_app(database_url, tmp_path)
    build_october(app)
    with app.uow() as uow:
        practice = uow.session.get(Practice, app.practice_id)
        assert practice is not None
        practice.tax_number = "181/815/08155"
        uow.commit()
    yield app
    app.close()


def _statement(app: App, text: str = STATEMENT) -> None:
    statements.receive_statement(
        app.uow(), practice_id=app.practice_id, month=MONTH, message_key="<okt@1159finance.com>",
        attachments=[("Monatsabrechnung_2026-10.csv", "text/csv", text.encode())],
    )  # fmt: skip


def _bank(app: App) -> None:
    import_bank(
        app,
        bank_credit(date(2026, 10, 17), "24.00", "OKT-A"),
        bank_credit(date(2026, 10, 20), "10.00", "OKT-B"),
        bank_credit(date(2026, 10, 29), "150.00", "OKT-C"),
        bank_credit(date(2026, 11, 12), "70.00", "NOV-A"),  # November's: the bank is read to 12.11.
    )


def _three(app: App) -> three_way.ThreeWay:
    return three_way.three_way(app.uow(), practice_id=app.practice_id, actor=OPERATOR, month=MONTH, on=ON)


def test_records_statement_and_bank_are_compared_and_every_difference_is_named(app: App) -> None:
    _statement(app)
    _bank(app)
    result = _three(app)
    assert [(x.status, x.booked_on) for x in result.payouts.lines] == [
        ("amount_differs", date(2026, 10, 17)),
        ("not_on_statement", date(2026, 10, 20)),
        ("matched", date(2026, 10, 29)),
        ("missing_on_bank", None),
    ]
    assert [x.text for x in result.payouts.lines] == [
        "Auszahlung vom 15.10.2026 über 25,00 € laut Abrechnung, aber auf dem Konto am 17.10.2026 24,00 € "
        "(Betrag abweichend).",
        "Auszahlung von 1159 Finance am 20.10.2026 über 10,00 € auf dem Kontoauszug steht nicht in der "
        "Abrechnung.",
        "Auszahlung vom 28.10.2026 über 150,00 € laut Abrechnung: am 29.10.2026 auf dem Konto, stimmt "
        "überein.",
        "Auszahlung vom 30.10.2026 über 60,00 € laut Abrechnung fehlt auf dem Kontoauszug.",
    ]
    assert result.records is not None and len(result.records.differences) == 1
    assert (result.differences, result.pending, result.ok) == (4, 0, False)
    assert result.summary() == "4 Abweichung(en)."
    assert (result.payouts.listed_total(), result.payouts.bank_total()) == (D("235.00"), D("184.00"))
    assert (result.opening, result.payouts_booked, result.closing) == (D("-2.50"), D("184.00"), D("-23.92"))
    lines = result.lines()
    assert lines[0] == "Ergebnis: 4 Abweichung(en)."
    assert "Abrechnung und Kontoauszug (Auszahlungen): laut Abrechnung 235,00 €, auf dem Konto 184,00 € " \
        "(Kontoauszüge eingelesen bis 12.11.2026)." in lines  # fmt: skip
    assert lines[-1] == (
        "Verrechnungskonto 1360 laut Aufzeichnungen: Anfangsbestand -2,50 €, Auszahlungen gebucht 184,00 €, "
        "Endbestand -23,92 € (noch von 1159 Finance auszuzahlen)."
    )


def test_when_everything_agrees_the_result_says_so(app: App) -> None:
    _statement(app, STATEMENT_CSV + PAYOUT_ROW)
    import_bank(app, bank_credit(date(2026, 10, 29), "150.00", "OKT-C"))
    result = _three(app)
    assert result.ok and result.summary() == "Stimmt überein."
    assert result.closing == D("10.08")  # −2,50 + 162,58 − 150,00


def test_without_a_bank_statement_a_listed_payout_is_pending_and_booked_from_the_statement(app: App) -> None:
    _statement(app, STATEMENT_CSV + PAYOUT_ROW)
    result = _three(app)
    [line] = result.payouts.lines
    assert (line.status, line.booked_on) == ("bank_pending", date(2026, 10, 28))
    assert line.text == (
        "Auszahlung vom 28.10.2026 über 150,00 € laut Abrechnung ist noch nicht auf dem Kontoauszug "
        "(noch kein Kontoauszug eingelesen)."
    )
    assert result.summary() == "Stimmt überein; 1 Auszahlung(en) noch nicht auf dem Kontoauszug."
    assert not result.ok and result.payouts_booked == D("150.00")


def test_without_a_statement_the_bank_payouts_are_still_booked_and_it_says_what_is_missing(app: App) -> None:
    _bank(app)
    result = _three(app)
    assert result.records is None
    assert [x.status for x in result.payouts.lines] == ["no_statement"] * 3
    assert result.summary() == "Noch keine Abrechnung von 1159 Finance für diesen Monat."
    assert "die Abrechnung 10/2026 liegt noch nicht vor" in result.payouts.lines[0].text
    assert result.payouts_booked == D("184.00")


def test_the_cli_shows_the_reconciliation_as_text_and_as_json(app: App, tmp_path: Path) -> None:
    _statement(app)
    _bank(app)
    env = cli_env(app, tmp_path)
    done = run_cli(["books", "reconcile", MONTH], env, tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("Abgleich 10/2026\nErgebnis: 4 Abweichung(en).\n")
    missing = "  - Auszahlung vom 30.10.2026 über 60,00 € laut Abrechnung fehlt auf dem Kontoauszug."
    assert missing in done.stdout
    assert "Inkassokosten am 05.10.2026: Betrag abweichend" in done.stdout
    as_json = run_cli(["books", "reconcile", MONTH, "--json"], env, tmp_path)
    assert as_json.returncode == 0, as_json.stderr
    data = json.loads(as_json.stdout)
    assert (data["month"], data["ok"], data["summary"]) == (MONTH, False, "4 Abweichung(en).")
    assert [p["status"] for p in data["payouts"]] == [
        "amount_differs", "not_on_statement", "matched", "missing_on_bank"
    ]  # fmt: skip
    listed = {"paid_on": "2026-10-15", "amount": "25.00", "statement_month": MONTH}
    assert data["payouts"][0]["listed"] == listed
    assert data["payouts"][0]["bank"]["booked_on"] == "2026-10-17"
    assert data["payouts"][0]["bank"]["amount"] == "24.00"
    assert data["clearing"] == {"account": "1360", "name": "Geldtransit", "opening": "-2.50",
                                "payouts_booked": "184.00", "closing": "-23.92"}  # fmt: skip
    assert data["bank_imported_until"] == "2026-11-12"
    assert len(data["records_vs_statement"]["differences"]) == 1
    future = run_cli(["books", "reconcile", "2099-01"], env, tmp_path)
    assert future.returncode == 1 and "liegt in der Zukunft" in future.stderr
    assert "Traceback" not in future.stderr
    with pytest.raises(InvalidInput, match="JJJJ-MM"):
        three_way.three_way(app.uow(), practice_id=app.practice_id, actor=OPERATOR, month="Oktober")


def _pdf_text(app: App) -> str:
    made = books.monthly_file(
        app.uow(), settings=app.settings, practice_id=app.practice_id, actor=OPERATOR, month=MONTH, on=ON
    )
    return "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(made.data)).pages)


def test_the_pdf_names_the_tax_number_the_payouts_with_dates_and_the_reconciliation(app: App) -> None:
    _statement(app)
    _bank(app)
    text = _pdf_text(app)
    for expected in (
        "Steuernummer: 181/815/08155",
        "Stand: vorläufig",
        "Verrechnungskonto 1360 1159 Finance: Anfangsbestand -2,50 EUR",
        "Auszahlungen von 1159 Finance auf das Bankkonto (gebucht) 184,00 EUR",
        "Verrechnungskonto 1360 1159 Finance: Endbestand (noch auszuzahlen) -23,92 EUR",
        "Abgleich mit Abrechnung und Kontoauszug: 4 Abweichung(en).",
        "Auszahlungen von 1159 Finance",
        "15.10.2026 25,00 17.10.2026 24,00 17.10.2026 Betrag abweichend",
        "28.10.2026 150,00 29.10.2026 150,00 29.10.2026 stimmt überein",
        "30.10.2026 60,00 fehlt auf dem Kontoauszug",
        "29.10.2026 Auszahlung 1159 Finance 1200 1360 150,00",
        "Abgleich: Aufzeichnungen, Abrechnung von 1159 Finance, Kontoauszug",
        "Aufzeichnungen und Abrechnung 10/2026 (eingegangen",
        "Endbestand: -23,92 EUR",
    ):
        assert expected in text, expected


def test_a_vat_id_is_named_as_such_and_a_missing_tax_number_says_where_to_enter_it(app: App) -> None:
    assert "Steuernummer: 181/815/08155" in _pdf_text(app)
    with app.uow() as uow:
        practice = uow.session.get(Practice, app.practice_id)
        assert practice is not None
        practice.tax_number = ""
        uow.commit()
    assert "Steuernummer: nicht hinterlegt (Einstellungen → Praxisdaten)" in _pdf_text(app)
