"""A first (full) pull of many cases: claims read early, batches planned on the loop and written by
one writer thread (core/sync/pull.py, cases.py), on SQLite and PostgreSQL."""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import delete, insert
from sqlmodel import select

from core import sync
from core.bootstrap import App
from core.db.engine import UnitOfWork
from core.db.models import Claim, Invoice, Patient, SyncCursor
from core.domain.claim_lifecycle import ClaimDelivery
from core.domain.dates import utcnow
from core.finance1159 import wire
from core.sync import storing
from core.sync.cases import Form, apply_cases, plan_cases, write_plans
from core.sync.stored import KnownClaims, known_claims, read_known_claims
from tests.integration.collection.claims_helpers import agency_cases, client, product
from tests.peers.sandbox import SandboxHandle

CASES = 250  # three pages of 100: the pull asks for all of them at once


def claims_for_bulk_cases(app: App, first_case: int, count: int) -> None:
    """One claim per sandbox bulk case (reference BULK-<case id>), as if handed over earlier."""
    due = date.today() - timedelta(days=60)
    with app.uow() as uow:
        session = uow.session
        patient = Patient(
            practice_id=app.practice_id, patient_key=f"bulk-{first_case}", first_name="Erika",
            last_name="Mustermann", street="Heidestraße 17", zip="51147", city="Köln",
        )  # fmt: skip
        session.add(patient)
        session.flush()
        numbers = range(first_case, first_case + count)
        session.execute(
            insert(Invoice),
            [
                Invoice(
                    practice_id=app.practice_id, patient_id=patient.id or 0, number=f"BULK-{n}",
                    invoice_date=due - timedelta(days=14), due_date=due, amount=Decimal("100.00"),
                    status="im Inkasso",
                ).model_dump(exclude={"id"})
                for n in numbers
            ],
        )  # fmt: skip
        invoice_ids = {row.number: row.id for row in session.execute(select(Invoice.number, Invoice.id))}
        session.execute(
            insert(Claim),
            [
                Claim(
                    practice_id=app.practice_id, invoice_id=invoice_ids[f"BULK-{n}"], reference=f"BULK-{n}",
                    delivery=ClaimDelivery.SUBMITTED, legal_basis="consent", legal_basis_date=due,
                    principal=Decimal("100.00"), case_id=n, debtor_id=1, agency_status="received",
                    created_by="test",
                ).model_dump(exclude={"id"})
                for n in numbers
            ],
        )  # fmt: skip
        uow.commit()


def bulk_product(database_url: str, tmp_path: Path, sandbox: SandboxHandle, count: int) -> tuple[App, int]:
    """The product with one claim per bulk case at the agency; and the first case's id."""
    app = product(database_url, tmp_path, sandbox)
    first = int(sandbox.control("/bulk_cases", {"count": count})["first_case_id"])
    claims_for_bulk_cases(app, first, count)
    return app, first


def mirrored(app: App) -> dict[int, Claim]:
    with app.uow() as uow:
        return {c.case_id or 0: c for c in uow.session.exec(select(Claim)).all()}


async def test_a_full_pull_mirrors_every_case_exactly(
    database_url: str, tmp_path: Path, sandbox: SandboxHandle
) -> None:
    app, first = bulk_product(database_url, tmp_path, sandbox, CASES)
    sandbox.pay(first + 7, "12.34")  # one case with money at the agency
    async with client(sandbox) as finance:
        report = await sync.sync_once(app.uow(), finance=finance, practice_id=app.practice_id)
        requests = finance.request_count
    assert report.cases_seen == CASES and report.payments_added == 1
    assert requests == 3 + 1  # all case pages at once, one page of payments, nothing twice
    ours = mirrored(app)
    for case in agency_cases(sandbox):
        claim = ours[case["case_id"]]
        assert claim.outstanding == Decimal(str(case["outstanding"]))
        assert claim.paid_to_agency == Decimal(str(case["paid_to_agency"]))
        assert claim.agency_updated_at == wire.parse_case(case).updated_at
        assert claim.status_as_of is not None
    assert ours[first + 7].paid_to_agency == Decimal("12.34")
    assert sync.last_sync(app.uow(), practice_id=app.practice_id) is not None
    app.close()


async def test_a_pull_never_sets_a_claim_back_to_an_older_answer(
    database_url: str, tmp_path: Path, sandbox: SandboxHandle
) -> None:
    app, first = bulk_product(database_url, tmp_path, sandbox, CASES)
    async with client(sandbox) as finance:
        await sync.sync_once(app.uow(), finance=finance, practice_id=app.practice_id)
    # Meanwhile "Forderung anzeigen" mirrored a newer answer for one claim; then the cursor is lost
    # and the next pull reads everything again, older for that claim.
    later = utcnow() + timedelta(days=1)
    with app.uow() as uow:
        claim = uow.session.exec(select(Claim).where(Claim.case_id == first + 3)).one()
        claim.agency_updated_at, claim.paid_to_agency = later, Decimal("55.00")
        uow.session.execute(delete(SyncCursor))
        uow.commit()
    async with client(sandbox) as finance:
        report = await sync.sync_once(app.uow(), finance=finance, practice_id=app.practice_id)
    assert report.cases_seen == CASES
    kept = mirrored(app)[first + 3]
    assert (kept.agency_updated_at, kept.paid_to_agency) == (later, Decimal("55.00"))
    app.close()


async def test_claims_handed_over_after_the_early_read_are_read_when_their_case_comes(
    database_url: str, tmp_path: Path, sandbox: SandboxHandle
) -> None:
    app = product(database_url, tmp_path, sandbox)
    first = int(sandbox.control("/bulk_cases", {"count": 20})["first_case_id"])
    claims_for_bulk_cases(app, first, 10)
    known = read_known_claims(app.uow(), app.practice_id)
    claims_for_bulk_cases(app, first + 10, 10)  # handed over while the pull was under way
    async with client(sandbox) as finance:
        cases = list((await finance.list_cases(per_page=100)).items)
    stored, fees, missing = known_claims(known, cases)
    assert sorted(stored) == [first + n for n in range(10)]
    assert sorted(c.case_id for c in missing) == [first + n for n in range(10, 20)]
    # As the pull does it: the missing ones read and applied now, the others planned and written.
    apply_cases(app.uow(), app.practice_id, missing)
    plan = plan_cases(Form.of(app.engine.dialect), stored, fees, [c for c in cases if c.case_id in stored])
    assert len(plan.bulk) == 10 and not plan.thorough and not plan.unchanged
    write_plans(app.uow(), [plan])
    by_case = {c.case_id: c for c in cases}
    for case_id, claim in mirrored(app).items():
        assert claim.agency_updated_at == by_case[case_id].updated_at
        assert claim.outstanding == by_case[case_id].outstanding
    app.close()


async def test_a_slow_early_read_is_waited_for_not_done_again_per_batch(
    database_url: str, tmp_path: Path, sandbox: SandboxHandle, monkeypatch: pytest.MonkeyPatch
) -> None:
    app, first = bulk_product(database_url, tmp_path, sandbox, CASES)
    reads: list[int] = []
    read_one_by_one: list[int] = []

    def slow_read(uow: UnitOfWork, practice_id: int) -> KnownClaims:
        time.sleep(0.3)  # still reading when the first pages have arrived
        reads.append(practice_id)
        return read_known_claims(uow, practice_id)

    def counted_apply(uow: UnitOfWork, practice_id: int, cases: Sequence[wire.Case]) -> int:
        read_one_by_one.extend(c.case_id for c in cases)
        return apply_cases(uow, practice_id, cases)

    monkeypatch.setattr(storing, "read_known_claims", slow_read)
    monkeypatch.setattr(storing, "apply_cases", counted_apply)
    async with client(sandbox) as finance:
        report = await sync.sync_once(app.uow(), finance=finance, practice_id=app.practice_id)
    assert report.cases_seen == CASES and report.cases_changed == CASES
    assert reads == [app.practice_id] and read_one_by_one == []
    by_case = {c["case_id"]: c for c in agency_cases(sandbox)}
    ours = mirrored(app)
    assert sorted(ours) == sorted(by_case) and first in ours
    for case_id, claim in ours.items():
        assert claim.outstanding == Decimal(str(by_case[case_id]["outstanding"]))
        assert claim.agency_updated_at == wire.parse_case(by_case[case_id]).updated_at
    app.close()
