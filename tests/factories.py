"""Readable builders for tests: an app on a real database, practices, patients, invoices, users,
and export files in the practice software's format.

    app = make_app(database_url, tmp_path)
    add_practice(app, onboarding_state=OnboardingState.ACTIVE)
    add_invoice(app, number="R-1", due_days_ago=45, amount="120,00", reminder=True, announced=True)
    write_csv(tmp_path / "export.csv", [export_row("R-1"), export_row("R-2", paid="50,00")])

Amounts are given as the export writes them (`"120,00"`) or as Decimal; dates relative to today
(`due_days_ago`) unless given as `date`.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from core.bootstrap import App, build
from core.config import Settings
from core.db.models import Consent, Invoice, Patient, Practice
from core.domain.claims import invoice_status
from core.domain.dates import today
from core.domain.invoice_rows import COLUMNS
from core.domain.money import format_number, parse_amount
from core.domain.onboarding import OnboardingState
from core.services.people import users
from core.services.people.access import OPERATOR, Role
from core.services.people.users import UserView

__all__ = [
    "add_invoice",
    "add_patient",
    "add_practice",
    "add_user",
    "amount_text",
    "export_row",
    "make_app",
    "money",
    "write_csv",
]


def money(value: str | Decimal | int) -> Decimal:
    """`"120,00"`, `"0"`, `Decimal("1.5")` or `7` as an exact two-place Decimal."""
    if isinstance(value, str):
        return parse_amount(value, allow_zero=True)
    return Decimal(value).quantize(Decimal("0.01"))


def make_app(database_url: str, data_dir: Path, **settings: object) -> App:
    """The product wired against `database_url` (migrated to head), data files under `data_dir`."""
    return build(Settings(database_url=database_url, data_dir=data_dir, **settings))  # type: ignore[arg-type]


def add_practice(
    app: App,
    *,
    name: str = "Physiotherapie Testhof",
    email: str = "praxis@example.org",
    onboarding_state: OnboardingState = OnboardingState.NOT_REQUESTED,
    contract_start: date | None = None,
    case_fee: str | Decimal = "2,50",
) -> Practice:
    """The app's practice (id `app.practice_id`); returns the existing one if already there."""
    with app.uow() as uow:
        practice = uow.session.get(Practice, app.practice_id)
        if practice is None:
            practice = Practice(
                id=app.practice_id,
                name=name,
                street="Musterstraße 1",
                zip="01001",
                city="Musterstadt",
                email=email,
                onboarding_state=onboarding_state,
                contract_start=contract_start,
                case_fee=money(case_fee),
            )
            uow.session.add(practice)
            uow.commit()
        return practice


def add_patient(
    app: App,
    *,
    first_name: str = "Erika",
    last_name: str = "Mustermann",
    birth_date: date | None = date(1970, 5, 17),
    street: str = "Musterstraße 12",
    zip: str = "01001",
    city: str = "Musterstadt",
    email: str = "",
    consent_date: date | None = None,
) -> Patient:
    add_practice(app)
    key = "|".join(p.casefold() for p in (first_name, last_name, str(birth_date or ""), street, zip))
    with app.uow() as uow:
        patient = Patient(
            practice_id=app.practice_id,
            patient_key=key,
            first_name=first_name,
            last_name=last_name,
            birth_date=birth_date,
            street=street,
            zip=zip,
            city=city,
            email=email,
        )
        uow.session.add(patient)
        uow.session.flush()
        if consent_date is not None:  # signed for all the patient's invoices
            uow.session.add(
                Consent(practice_id=app.practice_id, patient_id=patient.id, given_on=consent_date)  # type: ignore[arg-type]
            )
        uow.commit()
        return patient


def _consent_date(consent: bool | date, on: date) -> date | None:
    if isinstance(consent, date):
        return consent
    return on - timedelta(days=200) if consent else None


def _reminder_date(reminder: bool | date, due: date) -> date | None:
    if isinstance(reminder, date):
        return reminder
    return due + timedelta(days=14) if reminder else None


def add_invoice(
    app: App,
    *,
    number: str = "R-1",
    due_days_ago: int = 45,
    amount: str | Decimal = "120,00",
    paid: str | Decimal = "0",
    consent: bool | date = False,
    reminder: bool | date = False,
    announced: bool = False,
    patient: Patient | None = None,
    service_text: str = "Krankengymnastik (6x)",
    on: date | None = None,
) -> Invoice:
    """An invoice due `due_days_ago` days before `on` (default today), billed 14 days before that.

    `consent=True` records a consent 200 days ago; `reminder=True` a reminder 14 days after the
    due date; `announced` says the reminder announced the hand-over. A new patient per invoice
    unless `patient` is given.
    """
    on = on or today()
    patient = patient or add_patient(app, last_name=f"Mustermann-{number}")
    due = on - timedelta(days=due_days_ago)
    amount, paid = money(amount), money(paid)
    with app.uow() as uow:
        invoice = Invoice(
            practice_id=app.practice_id,
            patient_id=patient.id,  # type: ignore[arg-type]
            number=number,
            invoice_date=due - timedelta(days=14),
            due_date=due,
            amount=amount,
            paid_before=paid,
            service_text=service_text,
            reminder_date=_reminder_date(reminder, due),
            handover_announced=announced,
            status=invoice_status(amount=amount, paid=paid, claim_open=False),
        )
        uow.session.add(invoice)
        uow.session.flush()
        if (consent_on := _consent_date(consent, on)) is not None:  # as an imported „Einwilligung am“
            uow.session.add(
                Consent(
                    practice_id=app.practice_id, patient_id=invoice.patient_id, invoice_id=invoice.id,
                    given_on=consent_on, source="import", recorded_by="Import",
                )  # fmt: skip
            )
        uow.commit()
        return invoice


def add_user(
    app: App,
    *,
    role: Role | str = Role.STAFF,
    telegram_id: int | None = None,
    email: str | None = None,
    login: str | None = None,
    password: str | None = None,
    name: str = "",
) -> UserView:
    """A user reachable by exactly one of Telegram id, mail address or dashboard login.

    With none given, a Telegram user with a fresh id; a login without password gets a valid one.
    """
    add_practice(app)
    if telegram_id is None and email is None and login is None:
        telegram_id = 100_000 + len(users.list_users(app.uow(), practice_id=app.practice_id, actor=OPERATOR))
    if login is not None and password is None:
        password = "richtig-langes-passwort"
    return users.add(
        app.uow(),
        practice_id=app.practice_id,
        actor=OPERATOR,
        role=str(role),
        telegram_id=telegram_id,
        email=email,
        login=login,
        password=password,
        name=name,
    )


def export_row(
    number: str = "R-1",
    *,
    due_days_ago: int = 45,
    amount: str = "120,00",
    paid: str = "",
    consent: bool | date = False,
    reminder: bool | date = False,
    announced: bool = False,
    on: date | None = None,
    cells: Mapping[str, str] | None = None,
    **columns: str,
) -> dict[str, str]:
    """One row of the practice software's export, valid unless changed.

    Other columns by their export name: `Vorname="Max"`, or `cells={"Fällig am": "31.02.2026"}`
    for names that are not identifiers.
    """
    on = on or today()
    due = on - timedelta(days=due_days_ago)
    consent_on, reminder_on = _consent_date(consent, on), _reminder_date(reminder, due)
    row = {
        "Rechnungsnummer": number,
        "Rechnungsdatum": (due - timedelta(days=14)).strftime("%d.%m.%Y"),
        "Fällig am": due.strftime("%d.%m.%Y"),
        "Betrag": amount,
        "Bezahlt": paid,
        "Anrede": "Frau",
        "Vorname": "Erika",
        "Nachname": "Mustermann",
        "Firma": "",
        "Straße": "Musterstraße 12",
        "PLZ": "01001",
        "Ort": "Musterstadt",
        "Land": "DE",
        "Geburtsdatum": "17.05.1970",
        "E-Mail": "erika@example.org",
        "Telefon": "",
        "Leistung": "Krankengymnastik (6x)",
        "Mahnung am": reminder_on.strftime("%d.%m.%Y") if reminder_on else "",
        "Inkasso angekündigt": "ja" if announced else "nein",
        "Einwilligung am": consent_on.strftime("%d.%m.%Y") if consent_on else "",
    }
    row.update(cells or {})
    row.update(columns)
    return row


def write_csv(
    path: Path,
    rows: Iterable[Mapping[str, str]],
    *,
    encoding: str = "utf-8",
    columns: list[str] | None = None,
    delimiter: str = ";",
    bom: bool = False,
    line_ending: str = "\r\n",
) -> Path:
    """Write rows as the practice software's export (header first; missing cells empty)."""
    header = list(columns) if columns is not None else list(COLUMNS)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8-sig" if bom else encoding, newline="") as handle:
        writer = csv.writer(handle, delimiter=delimiter, lineterminator=line_ending)
        writer.writerow(header)
        for row in rows:
            writer.writerow([row.get(column, "") for column in header])
    return path


def amount_text(value: Decimal) -> str:
    """A Decimal as the export writes it: `1.234,56`."""
    return format_number(value)
