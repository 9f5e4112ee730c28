"""Delivery states are typed in Python and stored as the same plain text as before (no migration)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import StatementError

from core.db.models import Claim
from core.domain.claim_lifecycle import ClaimDelivery
from core.services.collection import claims
from tests.integration.collection.claims_helpers import STAFF, claim_of, product, ready_invoice
from tests.peers.sandbox import SandboxHandle


def test_a_claims_delivery_state_is_stored_as_its_plain_value_and_read_back_as_the_enum(
    database_url: str, tmp_path: Path, sandbox: SandboxHandle
) -> None:
    app = product(database_url, tmp_path, sandbox)
    ready_invoice(app, "R-1")
    claims.queue(app.uow(), practice_id=app.practice_id, actor=STAFF, number="R-1")
    with app.uow() as uow:
        stored = uow.session.connection().execute(text("SELECT delivery FROM claim")).scalar_one()
        uow.session.connection().execute(text("UPDATE claim SET delivery = 'withdrawal_queued'"))
        uow.commit()
    claim = claim_of(app, "R-1")
    assert stored == "queued" and type(stored) is str
    assert claim.delivery is ClaimDelivery.WITHDRAWAL_QUEUED
    app.close()


def test_a_delivery_state_outside_the_enum_is_never_written(
    database_url: str, tmp_path: Path, sandbox: SandboxHandle
) -> None:
    app = product(database_url, tmp_path, sandbox)
    ready_invoice(app, "R-1")
    claims.queue(app.uow(), practice_id=app.practice_id, actor=STAFF, number="R-1")
    with app.uow() as uow:
        claim = uow.session.get(Claim, claim_of(app, "R-1").id)
        assert claim is not None
        claim.delivery = "lost"  # type: ignore[assignment]
        with pytest.raises(StatementError, match="'lost' is not a valid ClaimDelivery"):
            uow.session.flush()
    assert claim_of(app, "R-1").delivery == "queued"
    app.close()
