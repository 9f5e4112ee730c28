"""The invoice recipient as debtor, from the practice software's export to 1159 Finance (issue 19).

A realistic export: Mia (8) lives with her father, the invoice goes to her mother Jana Keller at
another address; Tom Becker's invoice goes to his employer Becker Bau GmbH; Paul (10) has no
recipient; Erika is an adult patient who owes herself. Addresses and surnames differ on purpose,
so that any trace of a patient in what the agency received can be found.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import func, select

from bot.replies import preview_text
from core.bootstrap import App
from core.db.models import Invoice, InvoiceRecipient
from core.domain.chat_privacy import ChatPrivacy
from core.domain.dates import today
from core.domain.errors import PreconditionFailed
from core.domain.onboarding import OnboardingAction
from core.services.collection import claims
from core.services.collection.claim_preview import preview
from core.services.invoicing.invoice_import import import_invoices
from core.services.people.access import OPERATOR
from core.services.setup import onboarding
from tests.factories import export_row, make_app, write_csv
from tests.integration.collection.claims_helpers import (
    STAFF,
    RecordingSandbox,
    all_claims,
    claim_of,
    client,
    settings_for,
)
from tests.integration.setup.test_cli_setup import Cli
from tests.peers.sandbox import SandboxHandle

ON = today()
CHILD_BORN = ON.replace(year=ON.year - 8) if (ON.month, ON.day) != (2, 29) else date(ON.year - 8, 3, 1)
CHILD = {
    "Anrede": "",
    "Vorname": "Mia",
    "Nachname": "Hoffmann",
    "Straße": "Kastanienallee 9",
    "PLZ": "10435",
    "Ort": "Berlin",
    "Geburtsdatum": CHILD_BORN.strftime("%d.%m.%Y"),
    "E-Mail": "familie.hoffmann@example.org",
    "Telefon": "030 4455667",
}
MOTHER = {
    "Empfänger Anrede": "Frau",
    "Empfänger Vorname": "Jana",
    "Empfänger Nachname": "Keller",
    "Empfänger Straße": "Lindenweg 3",
    "Empfänger PLZ": "50667",
    "Empfänger Ort": "Köln",
    "Empfänger Geburtsdatum": "02.03.1985",
    "Empfänger E-Mail": "jana.keller@example.net",
    "Empfänger Telefon": "0221 998877",
}
EMPLOYER = {
    "Empfänger Firma": "Becker Bau GmbH",
    "Empfänger Straße": "Hafenstraße 1",
    "Empfänger PLZ": "20457",
    "Empfänger Ort": "Hamburg",
}


def _set_up_practice(database_url: str, data_dir: Path, handle: SandboxHandle) -> App:
    """A practice of its own on an empty database, made as an operator makes it: `inkasso practice
    setup` (no demo data); the agency connection below goes through the onboarding service."""
    made = Cli(database_url, data_dir)(
        "practice", "setup", "--name", "Kinderphysio am Park", "--email", "praxis@kinderphysio.example.org",
        "--street", "Parkweg 1", "--zip", "50667", "--city", "Köln",
    )  # fmt: skip
    assert made.code == 0, made.err
    app = make_app(database_url, data_dir, **settings_for(handle))
    with app.uow() as uow:
        assert uow.session.exec(select(func.count()).select_from(Invoice)).one() == 0  # no demo data
    return app


def _activate_agency(app: App) -> None:
    for action in (OnboardingAction.REQUEST, OnboardingAction.CONTRACT_RECEIVED, OnboardingAction.ACTIVATE):
        onboarding.transition(
            app.uow(), practice_id=app.practice_id, actor=OPERATOR, action=action, via="test"
        )


def _row(number: str, amount: str, cells: dict[str, str]) -> dict[str, str]:
    """Overdue for 60 days, reminded with the hand-over announced: ready to hand over."""
    return export_row(number, amount=amount, due_days_ago=60, reminder=True, announced=True, cells=cells)


def _export(path: Path) -> Path:
    paul_born = (CHILD_BORN - timedelta(days=700)).strftime("%d.%m.%Y")
    rows = [
        _row("RE-2026-101", "86,40", {**CHILD, **MOTHER}),
        _row(
            "RE-2026-102",
            "240,00",
            {"Vorname": "Tom", "Nachname": "Becker", "Geburtsdatum": "11.11.1979", **EMPLOYER},
        ),
        _row("RE-2026-103", "64,80", {**CHILD, "Vorname": "Paul", "Geburtsdatum": paul_born}),
        _row("RE-2026-104", "120,00", {}),
    ]
    return write_csv(path, rows)


def _imported_practice(database_url: str, tmp_path: Path, handle: SandboxHandle) -> App:
    app = _set_up_practice(database_url, tmp_path, handle)
    result = import_invoices(
        app.uow(), practice_id=app.practice_id, actor=OPERATOR, path=_export(tmp_path / "export.csv")
    )
    assert result.created == 4
    _activate_agency(app)
    return app


def _child_traces(text: str) -> list[str]:
    """Every piece of Mia's own data found in `text` (her surname and address are not her mother's)."""
    pieces = [*CHILD.values(), CHILD_BORN.isoformat(), "Hoffmann", "Kastanienallee", "Berlin"]
    return [p for p in pieces if p and p.casefold() in text.casefold()]


async def test_a_childs_invoice_goes_to_the_agency_with_the_mother_as_debtor_and_nothing_of_the_child(
    database_url: str, tmp_path: Path, recorded: RecordingSandbox
) -> None:
    app = _imported_practice(database_url, tmp_path, recorded.handle)
    common: dict[str, Any] = {"practice_id": app.practice_id, "actor": STAFF, "number": "RE-2026-101"}

    overview = preview(app.uow(), **common)
    sent = dict(overview.sent)
    assert sent["Schuldner"] == (
        "Rechnungsempfänger Frau Jana Keller – Daten des Patienten werden nicht übermittelt"
    )
    assert _child_traces(json.dumps(overview.sent, ensure_ascii=False)) == []
    assert "Schuldner: Rechnungsempfänger Frau Jana Keller" in preview_text(overview, ChatPrivacy.FULL)
    assert "Schuldner: hinterlegt" in preview_text(overview)  # chats show no names by default
    async with client(recorded.handle) as finance:
        outcome = await claims.create(app.uow(), finance=finance, **common)
        assert outcome.delivered
        debtor = await finance.get_debtor(claim_of(app, "RE-2026-101").debtor_id or 0)

    assert (debtor.salutation, debtor.first_name, debtor.last_name) == ("Frau", "Jana", "Keller")
    assert (debtor.street, debtor.zip, debtor.city, debtor.country) == ("Lindenweg 3", "50667", "Köln", "DE")
    assert (debtor.birth_date, debtor.email, debtor.phone) == (
        date(1985, 3, 2),
        "jana.keller@example.net",
        "0221 998877",
    )
    [sent_claim] = recorded.calls("POST", "/claims")
    assert _child_traces(sent_claim.body.decode()) == []
    assert _child_traces(repr(debtor)) == []
    app.close()


async def test_a_companys_invoice_goes_to_the_agency_as_a_business_without_any_persons_name(
    sqlite_url: str, tmp_path: Path, recorded: RecordingSandbox
) -> None:
    app = _imported_practice(sqlite_url, tmp_path, recorded.handle)
    common: dict[str, Any] = {"practice_id": app.practice_id, "actor": STAFF, "number": "RE-2026-102"}

    overview = preview(app.uow(), **common)
    assert dict(overview.sent)["Schuldner"].startswith("Rechnungsempfänger Becker Bau GmbH – ")
    assert "+ 9 Prozentpunkte" in overview.interest_text and "Unternehmen" in overview.interest_text
    async with client(recorded.handle) as finance:
        assert (await claims.create(app.uow(), finance=finance, **common)).delivered
        debtor = await finance.get_debtor(claim_of(app, "RE-2026-102").debtor_id or 0)

    assert (debtor.company, debtor.first_name, debtor.last_name) == ("Becker Bau GmbH", None, None)
    assert (debtor.street, debtor.city) == ("Hafenstraße 1", "Hamburg")
    [sent_claim] = recorded.calls("POST", "/claims")
    body = sent_claim.body.decode()
    assert "Tom" not in body and "1979" not in body and "Musterstraße" not in body
    app.close()


async def test_a_child_without_a_recipient_is_refused_saying_which_columns_to_add_and_nothing_is_sent(
    sqlite_url: str, tmp_path: Path, recorded: RecordingSandbox
) -> None:
    app = _imported_practice(sqlite_url, tmp_path, recorded.handle)
    common: dict[str, Any] = {"practice_id": app.practice_id, "actor": STAFF, "number": "RE-2026-103"}

    with pytest.raises(PreconditionFailed) as refused:
        preview(app.uow(), **common)
    assert "minderjährig" in refused.value.user_message
    assert "„Empfänger Nachname“" in refused.value.user_message
    async with client(recorded.handle) as finance:
        with pytest.raises(PreconditionFailed):
            await claims.create(app.uow(), finance=finance, **common)
    assert recorded.recorder.requests == [] and all_claims(app) == []
    app.close()


async def test_an_adult_patient_without_a_recipient_is_still_the_debtor_as_before(
    sqlite_url: str, tmp_path: Path, recorded: RecordingSandbox
) -> None:
    app = _imported_practice(sqlite_url, tmp_path, recorded.handle)
    overview = preview(app.uow(), practice_id=app.practice_id, actor=STAFF, number="RE-2026-104")
    assert dict(overview.sent)["Schuldner"] == "Frau Erika Mustermann"
    assert "+ 5 Prozentpunkte" in overview.interest_text
    with app.uow() as uow:
        stored = uow.session.exec(select(InvoiceRecipient.company, InvoiceRecipient.last_name)).all()
    assert sorted(stored) == [("", "Keller"), ("Becker Bau GmbH", "")]
    app.close()
