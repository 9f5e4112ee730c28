"""Dashboard 'Monatsabrechnungen': own report downloads, the agency's statements, reconciliation."""

from __future__ import annotations

from datetime import date

from streamlit.testing.v1 import AppTest

from core.services.accounting import statements
from tests.integration.books.books_helpers import MONTH, PAYOUT_ROW, STATEMENT_CSV, bank_credit, import_bank
from tests.integration.dashboard.dashboard_helpers import Dash, _fresh_dash, button, texts  # noqa: F401


def _receive(dash: Dash, text: str, key: str = "<m@x>") -> None:
    statements.receive_statement(
        dash.app.uow(),
        practice_id=dash.app.practice_id,
        month=MONTH,
        message_key=key,
        attachments=[
            ("Monatsabrechnung_2026-10.csv", "text/csv", text.encode("utf-8-sig")),
            ("Monatsabrechnung_2026-10.pdf", "application/pdf", b"%PDF-1.4 kaputt"),
        ],
    )


def _report(at: AppTest, month: str, fmt: str = "pdf") -> AppTest:
    at.text_input(key="report_month").input(month)
    at.selectbox(key="report_format").select(fmt)
    return button(at, "Bericht erstellen").click().run()


def test_the_own_report_is_offered_for_download_with_the_reconciliation(fresh_dash: Dash) -> None:
    _receive(fresh_dash, STATEMENT_CSV.replace("Mahngebühr;5,00", "Mahngebühr;6,00"))
    at = fresh_dash.run("manager", "views/statements.py")
    at = _report(at, MONTH, "datev")
    assert not at.exception
    shown = texts(at)
    assert "3 Fälle · Zahlungen an 1159 Finance 225,50 €" in shown
    assert "1 Abweichung(en), 9 Buchungen stimmen überein." in shown
    downloads = [b.proto.label for b in at.get("download_button")]
    assert "EXTF_Buchungsstapel_Inkasso_2026-10.csv herunterladen" in downloads


def test_statements_are_listed_with_downloads_and_differences(fresh_dash: Dash) -> None:
    _receive(
        fresh_dash, STATEMENT_CSV.replace("20.10.2026;Zahlung Schuldner", "22.10.2026;Zahlung Schuldner")
    )
    at = fresh_dash.run("manager", "views/statements.py")
    assert not at.exception
    table = at.dataframe[0].value
    assert list(table["Monat"]) == ["10/2026"] and list(table["Buchungen"]) == [10]
    assert "1 Abweichung(en)" in list(table["Abgleich"])[0]
    downloads = [b.proto.label for b in at.get("download_button")]
    assert downloads == [
        "Monatsabrechnung_2026-10.csv herunterladen",
        "Monatsabrechnung_2026-10.pdf herunterladen",
    ]
    assert "Datum abweichend (bei uns 20.10.2026, bei 1159 Finance 22.10.2026)" in " ".join(
        at.dataframe[1].value["Abweichung"]
    )
    button(at, "Abgleich neu speichern").click().run()
    assert "Abgleich gespeichert." in texts(at)


def test_an_unreadable_statement_is_shown_as_not_read(fresh_dash: Dash) -> None:
    _receive(fresh_dash, "Quatsch ohne Kopfzeile\n")
    at = fresh_dash.run("manager", "views/statements.py")
    assert not at.exception
    assert any(e.value.startswith("Nicht gelesen:") for e in at.error)


def test_a_future_month_and_a_bad_month_are_refused_and_a_quiet_month_says_so(fresh_dash: Dash) -> None:
    at = fresh_dash.run("manager", "views/statements.py")
    at = _report(at, "2099-01")
    assert not at.exception and "liegt in der Zukunft" in at.error[0].value
    assert not at.get("download_button")
    at = _report(at, "Oktober")
    assert "JJJJ-MM" in at.error[0].value
    at = _report(at, "2026-05", "csv")
    assert not at.exception and "keine Buchungen" in texts(at)
    assert [b.proto.label for b in at.get("download_button")] == [
        "Inkasso-Monatsbericht_2026-05.csv herunterladen"
    ]


def test_a_manager_closes_the_month_once_after_confirming(fresh_dash: Dash) -> None:
    at = _report(fresh_dash.run("manager", "views/statements.py"), MONTH)
    assert button(at, "Monat abschließen").disabled
    at.checkbox(key="close_sure").check().run()
    at = button(at, "Monat abschließen").click().run()
    assert not at.exception
    assert "Monat 10/2026 abgeschlossen." in texts(at) and "SHA-256" in texts(at)
    at = button(at, "Monat abschließen").click().run()
    assert any("bereits abgeschlossen" in e.value for e in at.error)


def test_the_payouts_are_reconciled_with_the_bank_beside_the_records(fresh_dash: Dash) -> None:
    _receive(fresh_dash, STATEMENT_CSV + PAYOUT_ROW + ";;30.10.2026;Auszahlung;60,00\n")
    import_bank(fresh_dash.app, bank_credit(date(2026, 10, 29), "150.00", "OKT-C"),
                bank_credit(date(2026, 11, 12), "70.00", "NOV-A"))  # fmt: skip
    at = _report(fresh_dash.run("manager", "views/statements.py"), MONTH)
    assert not at.exception
    shown = texts(at)
    assert "Abgleich 10/2026 (Aufzeichnungen, Abrechnung, Kontoauszug): 1 Abweichung(en)." in shown
    assert "Laut Abrechnung 210,00 €, auf dem Konto 150,00 € (Kontoauszüge eingelesen bis 12.11.2026)." in (
        shown
    )
    assert "Endbestand 10,08 € (noch von 1159 Finance auszuzahlen)" in shown
    payouts = next(d.value for d in at.dataframe if "Kontoauszug vom" in d.value.columns)
    assert list(payouts["Ergebnis"]) == ["stimmt überein", "fehlt auf dem Kontoauszug"]
    assert list(payouts["Kontoauszug vom"]) == ["29.10.2026", "–"]
    # the statement's own view offers the payouts too
    assert any(e.label == "Auszahlungen und Verrechnungskonto 10/2026" for e in at.expander)
