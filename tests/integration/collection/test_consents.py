"""Consent that is provable and revocable: recorded with date, scope and the form's place; a
revocation stops every further hand-over and is shown on open cases (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import col, select

from core.bootstrap import App
from core.db.models import AuditEvent, Claim, Consent, Notification
from core.domain.dates import today
from core.domain.errors import NotAllowed, NotFound, PreconditionFailed, Refused
from core.services.collection import claims, consent_revocation, consents, delivery, status
from core.services.invoicing import invoices
from core.services.people.access import OPERATOR
from core.services.read.cases import cases
from tests.integration.collection.claims_helpers import (
    MANAGER,
    STAFF,
    RecordingSandbox,
    agency_cases,
    claim_of,
    client,
    dead_url,
    outbox_items,
    product,
    ready_invoice,
)
from tests.peers.sandbox import SandboxHandle, make_finance_client

TODAY = today()
SIGNED = TODAY - timedelta(days=200)
REVOKED = TODAY - timedelta(days=3)


def revoke(app: App, number: str = "R-1", on: date | None = REVOKED) -> consent_revocation.Revocation:
    return consent_revocation.revoke(
        app.uow(), practice_id=app.practice_id, actor=MANAGER, number=number, revoked_on=on
    )


def stored(app: App) -> list[tuple[Any, ...]]:
    with app.uow() as uow:
        rows = uow.session.exec(select(Consent).order_by(col(Consent.id))).all()
        return [(c.given_on, c.invoice_id, c.scope, c.form_location, c.revoked_on) for c in rows]


async def test_a_revoked_consent_stops_the_handover_and_nothing_reaches_the_agency(
    database_url: str, tmp_path: Path, sandbox: SandboxHandle
) -> None:
    app = product(database_url, tmp_path, sandbox)
    ready_invoice(app, "R-1", consent=SIGNED, reminder=False, announced=False)
    revoke(app)
    async with client(sandbox) as finance:
        with pytest.raises(PreconditionFailed) as refused:
            await claims.create(
                app.uow(), finance=finance, practice_id=app.practice_id, actor=STAFF, number="R-1"
            )
    assert refused.value.user_message.startswith(
        f"Die Schweigepflichtentbindung zu Rechnung R-1 wurde am {REVOKED:%d.%m.%Y} widerrufen"
    )
    assert [c for c in agency_cases(sandbox) if c["reference"] == "R-1"] == []
    with app.uow() as uow:
        assert uow.session.exec(select(Claim)).all() == []
    app.close()


async def test_a_revocation_also_bars_the_announced_reminder_whose_deadline_passed(
    database_url: str, tmp_path: Path, sandbox: SandboxHandle
) -> None:
    app = product(database_url, tmp_path, sandbox)
    ready_invoice(app, "R-1", consent=SIGNED)  # an announced reminder 31 days ago besides the consent
    ready_invoice(app, "R-2")  # the same reminder, no consent: still handed over
    revoke(app)
    async with client(sandbox) as finance:
        with pytest.raises(PreconditionFailed, match="auch nicht nach einer Mahnung"):
            await claims.create(
                app.uow(), finance=finance, practice_id=app.practice_id, actor=STAFF, number="R-1"
            )
        done = await claims.create(
            app.uow(), finance=finance, practice_id=app.practice_id, actor=STAFF, number="R-2"
        )
    assert done.delivered
    app.close()


def test_the_overdue_list_shows_the_revocation_instead_of_the_button(app: App) -> None:
    ready_invoice(app, "R-1", consent=SIGNED, reminder=False, announced=False)
    ready_invoice(app, "R-2", consent=SIGNED, reminder=False, announced=False)
    revoke(app)
    listing = invoices.overdue(app.uow(), practice_id=app.practice_id)
    items = {i.number: i for i in listing.items}
    assert items["R-1"].consent_revoked_on == REVOKED and not items["R-1"].has_legal_basis
    assert items["R-1"].refusal is not None and "widerrufen" in items["R-1"].refusal
    assert items["R-2"].consent_revoked_on is None and items["R-2"].has_legal_basis
    possible = invoices.overdue(app.uow(), practice_id=app.practice_id, handover_possible=True)
    impossible = invoices.overdue(app.uow(), practice_id=app.practice_id, handover_possible=False)
    assert [i.number for i in possible.items] == ["R-2"]
    assert [i.number for i in impossible.items] == ["R-1"]


def test_a_consent_signed_after_the_revocation_counts_again_an_older_one_is_refused(app: App) -> None:
    ready_invoice(app, "R-1", consent=SIGNED, reminder=False, announced=False)
    revoke(app)
    before = stored(app)
    with pytest.raises(PreconditionFailed, match="nach dem Widerruf unterschriebene"):
        consents.record(app.uow(), practice_id=app.practice_id, actor=MANAGER, number="R-1", given_on=REVOKED)
    assert stored(app) == before
    message = consents.record(
        app.uow(), practice_id=app.practice_id, actor=MANAGER, number="R-1",
        given_on=TODAY - timedelta(days=1), form_location="Papierakte Nr. 12",
    )  # fmt: skip
    assert "für alle Rechnungen der Person erfasst" in message and "Papierakte Nr. 12" in message
    found = consents.history(app.uow(), practice_id=app.practice_id, actor=STAFF, number="R-1")
    assert (found.in_force, found.revoked_on) == (TODAY - timedelta(days=1), None)
    assert [
        i.number
        for i in invoices.overdue(app.uow(), practice_id=app.practice_id, handover_possible=True).items
    ] == ["R-1"]


def _future_consent(app: App) -> Any:
    return consents.record(
        app.uow(),
        practice_id=app.practice_id,
        actor=MANAGER,
        number="R-1",
        given_on=TODAY + timedelta(days=1),
    )


def _future_revocation(app: App) -> Any:
    return revoke(app, on=TODAY + timedelta(days=1))


def _revocation_before_the_consent(app: App) -> Any:
    return revoke(app, on=SIGNED - timedelta(days=1))


def _unknown_invoice_consent(app: App) -> Any:
    return consents.record(
        app.uow(), practice_id=app.practice_id, actor=MANAGER, number="R-404", given_on=SIGNED
    )


def _unknown_invoice_revocation(app: App) -> Any:
    return revoke(app, number="R-404")


def _nothing_to_revoke(app: App) -> Any:
    return revoke(app, number="R-2")


def _unknown_consent_completed(app: App) -> Any:
    return consents.complete(
        app.uow(), practice_id=app.practice_id, actor=MANAGER, consent_id=9999, scope="x"
    )


def _staff_revokes(app: App) -> Any:
    return consent_revocation.revoke(app.uow(), practice_id=app.practice_id, actor=STAFF, number="R-1")


def _staff_records(app: App) -> Any:
    return consents.record(app.uow(), practice_id=app.practice_id, actor=STAFF, number="R-2", given_on=SIGNED)


def _control_characters_in_the_place(app: App) -> Any:
    return consents.record(
        app.uow(),
        practice_id=app.practice_id,
        actor=MANAGER,
        number="R-2",
        given_on=SIGNED,
        form_location="A\x1b[2J",
    )


BAD = {
    _future_consent: (Refused, "liegt in der Zukunft. Bitte den Tag der Unterschrift angeben"),
    _future_revocation: (Refused, "Das Datum des Widerrufs"),
    _revocation_before_the_consent: (Refused, "liegt vor der Einwilligung vom"),
    _unknown_invoice_consent: (NotFound, "Rechnung R-404 gibt es nicht"),
    _unknown_invoice_revocation: (NotFound, "Rechnung R-404 gibt es nicht"),
    _nothing_to_revoke: (PreconditionFailed, "keine Einwilligung erfasst; es gibt nichts zu widerrufen"),
    _unknown_consent_completed: (NotFound, "Eine Einwilligung Nr. 9999 gibt es nicht"),
    _staff_revokes: (NotAllowed, "nur Praxisleitungen"),
    _staff_records: (NotAllowed, "nur Praxisleitungen"),
    _control_characters_in_the_place: (Refused, "Steuerzeichen"),
}


@pytest.mark.parametrize("case", list(BAD), ids=lambda f: f.__name__.strip("_"))
def test_bad_input_is_refused_in_german_and_changes_nothing(app: App, case: Any) -> None:
    ready_invoice(app, "R-1", consent=SIGNED, reminder=False, announced=False)
    ready_invoice(app, "R-2", reminder=False, announced=False)
    before = stored(app)
    kind, words = BAD[case]
    with pytest.raises(kind) as refused:
        case(app)
    assert words in refused.value.user_message
    assert stored(app) == before
    with app.uow() as uow:
        assert (
            uow.session.exec(select(AuditEvent).where(col(AuditEvent.action).startswith("consent."))).all()
            == []
        )


def test_scope_and_the_forms_place_are_added_to_an_imported_consent(app: App) -> None:
    ready_invoice(app, "R-1", consent=SIGNED, reminder=False, announced=False)
    [imported] = consents.history(app.uow(), practice_id=app.practice_id, actor=STAFF, number="R-1").consents
    assert (imported.source, imported.scope, imported.form_location, imported.for_invoice) == (
        "import", "Inkasso durch 1159 Finance", "", "R-1"
    )  # fmt: skip
    message = consents.complete(
        app.uow(), practice_id=app.practice_id, actor=MANAGER, consent_id=imported.id,
        form_location="Papierakte Nr. 12",
    )  # fmt: skip
    assert message == (
        f"Einwilligung Nr. {imported.id} ergänzt: Umfang Inkasso durch 1159 Finance; "
        "Formular: Papierakte Nr. 12."
    )
    assert stored(app) == [
        (SIGNED, imported_invoice_id(app), "Inkasso durch 1159 Finance", "Papierakte Nr. 12", None)
    ]


def imported_invoice_id(app: App) -> int:
    with app.uow() as uow:
        return int(uow.session.exec(select(Consent.invoice_id)).one() or 0)


async def test_a_revocation_on_an_open_case_is_shown_and_the_chat_told_once(
    database_url: str, tmp_path: Path, sandbox: SandboxHandle
) -> None:
    app = product(database_url, tmp_path, sandbox)
    ready_invoice(app, "R-1", consent=SIGNED, reminder=False, announced=False)
    async with client(sandbox) as finance:
        assert (
            await claims.create(
                app.uow(), finance=finance, practice_id=app.practice_id, actor=STAFF, number="R-1"
            )
        ).delivered
    done = revoke(app)
    assert (done.open_cases, done.stopped) == (["R-1"], [])
    assert "Bereits bei 1159 Finance: R-1" in done.message
    with pytest.raises(PreconditionFailed, match="schon am"):
        revoke(app)
    with app.uow() as uow:
        notes = uow.session.exec(
            select(Notification.text).where(Notification.kind == "consent_revoked")
        ).all()
    assert notes == [consent_revocation.notice_text("R-1", REVOKED)]
    assert notes[0].startswith("Einwilligung widerrufen: R-1; die Forderung ist bereits bei 1159 Finance.")
    shown = status.load(app.uow(), practice_id=app.practice_id, number="R-1")
    assert shown.consent_revoked_on == REVOKED
    [open_case] = status.open_cases(app.uow(), practice_id=app.practice_id, actor=STAFF)
    assert open_case.consent_revoked_on == REVOKED
    [row] = cases(app.uow(), practice_id=app.practice_id, actor=STAFF).rows
    assert row.consent_revoked_on == REVOKED
    # Not withdrawn by itself: the case stays with the agency until the practice owner decides.
    assert claim_of(app, "R-1").delivery == "submitted"
    app.close()


async def test_a_claim_still_waiting_in_the_outbox_is_stopped_by_the_revocation(
    database_url: str, tmp_path: Path, recorded: RecordingSandbox
) -> None:
    app = product(database_url, tmp_path, recorded.handle)
    ready_invoice(app, "R-1", consent=SIGNED, reminder=False, announced=False)
    down = SandboxHandle(dead_url().removesuffix("/api/v1"), recorded.handle.config)
    async with make_finance_client(down, max_attempts=1) as finance:
        queued = await claims.create(
            app.uow(), finance=finance, practice_id=app.practice_id, actor=STAFF, number="R-1"
        )
    down.close()
    assert not queued.delivered and claim_of(app, "R-1").delivery == "queued"
    done = revoke(app)
    assert (done.stopped, done.open_cases) == (["R-1"], [])
    # The worker's next round only looks the claim up (it may have arrived unanswered), never sends it.
    async with client(recorded.handle) as finance:
        for item in outbox_items(app):
            await delivery.deliver(app.uow(), finance=finance, item_id=item.id or 0)
    assert recorded.calls("POST", "/claims") == []
    assert agency_cases(recorded.handle) == []
    assert claim_of(app, "R-1").delivery == "withdrawn"
    with app.uow() as uow:
        revoked_notes = select(Notification).where(Notification.kind == "consent_revoked")
        assert uow.session.exec(revoked_notes).all() == []
    app.close()


def test_the_patient_export_holds_the_consent_history(app: App) -> None:
    from core.services.privacy.export import export_patient

    ready_invoice(app, "R-1", consent=SIGNED, reminder=False, announced=False)
    revoke(app)
    data = export_patient(app.uow(), practice_id=app.practice_id, actor=OPERATOR, number="R-1")
    [consent] = data["consents"]
    assert (consent["given_on"], consent["revoked_on"], consent["for_invoice"]) == (
        SIGNED.isoformat(), REVOKED.isoformat(), "R-1"
    )  # fmt: skip
    assert consent["scope"] == "Inkasso durch 1159 Finance" and consent["revoked_by"] == "Chefin (telegram:1)"
