"""The demo practice: a physiotherapy practice with fictitious patients and invoices.

The invoices are written as the practice software's export and imported through the normal
import, so the demo exercises the same path as a real practice.
"""

from __future__ import annotations

import csv
import random
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from core.db.engine import UnitOfWork
from core.db.models import Practice
from core.domain.dates import today
from core.domain.errors import PreconditionFailed
from core.domain.invoice_rows import COLUMNS
from core.domain.money import format_number
from core.services.invoicing.invoice_import import ImportResult, import_invoices
from core.services.people.access import Actor

__all__ = [
    "CITIES",
    "DemoPractice",
    "FIRST",
    "LAST",
    "SERVICES",
    "STREETS",
    "ensure_practice",
    "seed",
    "write_export",
]

FIRST = [
    "Erika",
    "Max",
    "Mia",
    "Paul",
    "Lina",
    "Felix",
    "Greta",
    "Jonas",
    "Ida",
    "Karl",
    "Frieda",
    "Otto",
    "Hanna",
    "Emil",
    "Lotte",
    "Theo",
    "Clara",
    "Anton",
    "Marie",
    "Leon",
]
LAST = [
    "Mustermann",
    "Musterfrau",
    "Beispiel",
    "Probe",
    "Testmann",
    "Platzhalter",
    "Exempel",
    "Muster",
    "Fiktiv",
    "Erdacht",
    "Vorlage",
    "Schablone",
    "Entwurf",
    "Modell",
    "Skizze",
]
STREETS = ["Musterstraße", "Beispielweg", "Probeallee", "Testgasse", "Attrappenring", "Modellplatz"]
CITIES = [
    ("01001", "Musterstadt"),
    ("02002", "Beispielhausen"),
    ("03003", "Probedorf"),
    ("04004", "Testheim"),
]
SERVICES = [
    "Krankengymnastik (6x)",
    "Manuelle Therapie",
    "Lymphdrainage 45 min",
    "Massage KMT",
    "Fango + Massage",
    "Befund und Behandlung",
]


@dataclass(frozen=True)
class DemoPractice:
    name: str = "Physiotherapie Sonnenhof (Demo)"
    street: str = "Musterstraße 1"
    zip: str = "01001"
    city: str = "Musterstadt"
    email: str = "praxis@example.org"
    phone: str = "0000 123456"


def ensure_practice(uow: UnitOfWork, *, practice_id: int, email: str, case_fee: Decimal) -> Practice:
    """The demo practice; refused where a real practice is set up (its data never mixes with invented)."""
    with uow:
        practice = uow.session.get(Practice, practice_id)
        if practice is not None and practice.name != DemoPractice.name:
            raise PreconditionFailed(
                f"In dieser Datenbank ist die Praxis „{practice.name}“ eingerichtet; Demo-Daten kommen "
                "dort nicht hinein. Für die Demo bitte eine eigene Datenbank verwenden (DATABASE_URL).",
                "demo seed refused: a real practice exists",
            )
        if practice is None:
            demo = DemoPractice(email=email)
            practice = Practice(
                id=practice_id,
                name=demo.name,
                street=demo.street,
                zip=demo.zip,
                city=demo.city,
                email=demo.email,
                phone=demo.phone,
                case_fee=case_fee,
            )
            uow.session.add(practice)
            uow.commit()
        return practice


def write_export(
    path: Path, *, seed: int, patients: int = 300, invoices: int = 2500, on: date | None = None
) -> Path:
    """Write a deterministic export in the practice software's format (about 10 % overdue)."""
    rng = random.Random(seed)
    on = on or today()
    people = [_person(rng, i, on) for i in range(patients)]
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow(COLUMNS)
        for i in range(invoices):
            writer.writerow(_invoice(rng, i, rng.choice(people), on, invoices))
    return path


def _person(rng: random.Random, i: int, on: date) -> dict[str, str]:
    first, last = rng.choice(FIRST), rng.choice(LAST)
    zip_code, city = rng.choice(CITIES)
    birth = date(1940, 1, 1) + timedelta(days=rng.randrange(0, 365 * 65))
    return {
        "Anrede": rng.choice(["Frau", "Herr", ""]),
        "Vorname": first,
        "Nachname": f"{last}-{i:03d}",
        "Straße": f"{rng.choice(STREETS)} {rng.randint(1, 99)}",
        "PLZ": zip_code,
        "Ort": city,
        "Geburtsdatum": birth.strftime("%d.%m.%Y"),
        "E-Mail": f"patient{i:03d}@example.org" if rng.random() < 0.6 else "",
        "Telefon": f"0000 {rng.randint(100000, 999999)}" if rng.random() < 0.5 else "",
        "Einwilligung am": ""
        if rng.random() < 0.8
        else (on - timedelta(days=rng.randint(200, 500))).strftime("%d.%m.%Y"),
    }


def _invoice(rng: random.Random, i: int, person: dict[str, str], on: date, total: int) -> list[str]:
    # Spread over 18 months, oldest first.
    invoice_date = on - timedelta(days=540 - (540 * i) // total)
    due = invoice_date + timedelta(days=14)
    amount = Decimal(rng.randint(4000, 48000)) / 100
    overdue = due < on and rng.random() < 0.10
    paid = Decimal("0") if overdue else amount
    if overdue and rng.random() < 0.15:
        paid = (amount / 3).quantize(Decimal("0.01"))
    if due >= on:
        paid = Decimal("0") if rng.random() < 0.7 else amount
    reminder, announced = "", "nein"
    if overdue and (on - due).days > 20 and rng.random() < 0.7:
        reminder = (due + timedelta(days=14)).strftime("%d.%m.%Y")
        announced = "ja" if rng.random() < 0.6 else "nein"
    row = {
        **person,
        "Rechnungsnummer": f"R-{invoice_date.year}-{i + 1:05d}",
        "Rechnungsdatum": invoice_date.strftime("%d.%m.%Y"),
        "Fällig am": due.strftime("%d.%m.%Y"),
        "Betrag": format_number(amount),
        "Bezahlt": format_number(paid),
        "Firma": "",
        "Land": "DE",
        "Leistung": rng.choice(SERVICES),
        "Mahnung am": reminder,
        "Inkasso angekündigt": announced,
    }
    return [row.get(column, "") for column in COLUMNS]


def seed(
    uow: UnitOfWork,
    *,
    practice_id: int,
    actor: Actor,
    data_dir: Path,
    seed: int = 1159,
    patients: int = 300,
    invoices: int = 2500,
) -> ImportResult:
    # The practice's mail address and case fee come from the settings (PRACTICE_EMAIL, CASE_FEE).
    settings = uow.settings
    ensure_practice(uow, practice_id=practice_id, email=settings.practice_email, case_fee=settings.case_fee)
    path = write_export(data_dir / f"demo-export-{seed}.csv", seed=seed, patients=patients, invoices=invoices)
    return import_invoices(uow, practice_id=practice_id, actor=actor, path=path)
