"""The practice export as a payment source: a higher "Bezahlt" is compared with the payments already
recorded since the last import, so money is counted once whichever source showed it first."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from sqlmodel import select

from core.bootstrap import App
from core.db.models import Payment
from core.domain.claims import InvoiceStatus
from core.services.collection import payments
from core.services.people.access import OPERATOR
from tests.factories import write_csv
from tests.integration.collection.claims_helpers import STAFF
from tests.integration.invoices.test_invoice_import import invoice, run_import, three_rows


def ledger(app: App, number: str) -> list[Payment]:
    with app.uow() as uow:
        query = select(Payment).where(Payment.invoice_id == invoice(app, number).id).order_by(Payment.id)  # type: ignore[arg-type]
        return list(uow.session.exec(query).all())


def export_with_paid(tmp_path: Path, name: str, paid: str) -> Path:
    rows = three_rows()
    rows[1]["Bezahlt"] = paid  # 1.234,56 billed, 234,56 paid at the first import
    return write_csv(tmp_path / name, rows)


def test_a_payment_recorded_in_the_chat_and_later_in_the_export_is_subtracted_once(
    app: App, tmp_path: Path
) -> None:
    run_import(app, write_csv(tmp_path / "monday.csv", three_rows()))
    payments.record(app.uow(), practice_id=app.practice_id, actor=STAFF, number="R-2", amount="50,00")

    result = run_import(app, export_with_paid(tmp_path, "tuesday.csv", "284,56"))

    second = invoice(app, "R-2")
    assert second.open_amount == Decimal("950.00")  # 1.234,56 − 234,56 − 50,00, not − 100,00
    assert result.payments == ()  # the 50,00 are explained by the payment already recorded
    assert second.status == InvoiceStatus.PARTLY_PAID
    [payment] = ledger(app, "R-2")
    assert (payment.origin, payment.amount, payment.in_export) == ("chat", Decimal("50.00"), True)


def test_an_increase_no_recorded_payment_explains_is_booked_from_the_practice_software(
    app: App, tmp_path: Path
) -> None:
    run_import(app, write_csv(tmp_path / "monday.csv", three_rows()))
    payments.record(app.uow(), practice_id=app.practice_id, actor=OPERATOR, number="R-2", amount="50,00")

    result = run_import(app, export_with_paid(tmp_path, "tuesday.csv", "314,56"))

    # 80,00 more: 50,00 are the payment recorded with the CLI, 30,00 are new.
    assert result.payments == ((3, "Rechnung R-2: Zahlung über 30,00 € aus der Praxissoftware übernommen."),)
    assert invoice(app, "R-2").open_amount == Decimal("920.00")
    cli_payment, export_payment = ledger(app, "R-2")
    assert (cli_payment.origin, cli_payment.in_export) == ("cli", True)
    assert (export_payment.origin, export_payment.amount, export_payment.in_export) == (
        "praxissoftware",
        Decimal("30.00"),
        True,
    )
    assert export_payment.evidence == "Export: Bezahlt 234,56 € → 314,56 €"  # what the export showed
    assert export_payment.delivery == "none"  # no claim: nothing for 1159 Finance


def test_the_same_export_imported_again_books_nothing_twice(app: App, tmp_path: Path) -> None:
    run_import(app, write_csv(tmp_path / "monday.csv", three_rows()))
    tuesday = export_with_paid(tmp_path, "tuesday.csv", "334,56")
    run_import(app, tuesday)
    rows = three_rows()
    rows[1]["Bezahlt"] = "334,56"
    rows[1]["Telefon"] = "0221 99"  # the row changed otherwise: its "Bezahlt" is looked at again

    result = run_import(app, write_csv(tmp_path / "wednesday.csv", rows))

    assert (result.updated, result.payments) == (1, ())
    assert [p.amount for p in ledger(app, "R-2")] == [Decimal("100.00")]
    assert invoice(app, "R-2").open_amount == Decimal("900.00")


def test_a_lower_paid_amount_in_the_export_is_reported_and_never_applied(app: App, tmp_path: Path) -> None:
    run_import(app, write_csv(tmp_path / "monday.csv", three_rows()))

    result = run_import(app, export_with_paid(tmp_path, "tuesday.csv", "34,56"))

    assert result.payments == (
        (
            3,
            "Rechnung R-2: „Bezahlt“ sank von 234,56 € auf 34,56 €; das wurde nicht übernommen. "
            "Bitte in der Praxissoftware prüfen (Erstattung oder Korrektur?).",
        ),
    )
    second = invoice(app, "R-2")
    assert (second.paid_before, second.open_amount) == (Decimal("234.56"), Decimal("1000.00"))
    assert ledger(app, "R-2") == []


def test_an_export_confirming_the_payment_that_settled_an_invoice_leaves_it_paid_and_at_zero(
    app: App, tmp_path: Path
) -> None:
    run_import(app, write_csv(tmp_path / "monday.csv", three_rows()))
    payments.record(app.uow(), practice_id=app.practice_id, actor=STAFF, number="R-2", amount="1000,00")

    result = run_import(app, export_with_paid(tmp_path, "tuesday.csv", "1.234,56"))

    # 1.000,00 more, explained by the chat payment: paid once, the open amount 0,00 and not −1.000,00.
    assert result.payments == ()
    second = invoice(app, "R-2")
    assert (second.open_amount, second.status) == (Decimal("0.00"), InvoiceStatus.PAID)


def test_an_export_raising_amount_and_paid_together_books_the_payment_against_the_new_amount(
    app: App, tmp_path: Path
) -> None:
    run_import(app, write_csv(tmp_path / "monday.csv", three_rows()))
    rows = three_rows()
    rows[1].update({"Betrag": "1.334,56", "Bezahlt": "1.334,56"})  # billed 100,00 more, all paid

    result = run_import(app, write_csv(tmp_path / "tuesday.csv", rows))

    assert result.payments == (
        (3, "Rechnung R-2: Zahlung über 1.100,00 € aus der Praxissoftware übernommen."),
    )
    second = invoice(app, "R-2")
    assert (second.amount, second.open_amount, second.status) == (
        Decimal("1334.56"),
        Decimal("0.00"),
        InvoiceStatus.PAID,
    )


def test_a_dry_run_shows_what_the_export_would_book_and_stores_nothing(app: App, tmp_path: Path) -> None:
    run_import(app, write_csv(tmp_path / "monday.csv", three_rows()))

    result = run_import(app, export_with_paid(tmp_path, "tuesday.csv", "334,56"), dry_run=True)

    assert result.payments == ((3, "Rechnung R-2: Zahlung über 100,00 € aus der Praxissoftware übernommen."),)
    assert ledger(app, "R-2") == []
    assert invoice(app, "R-2").open_amount == Decimal("1000.00")
