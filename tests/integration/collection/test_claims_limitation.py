"""Statute of limitations at hand-over (§§ 195, 199 BGB): warned in the overview, refused once time-barred."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

from bot.replies import preview_text
from cli.claim_cmds import _print_preview
from core.domain.errors import PreconditionFailed
from core.services.collection import claims
from core.services.collection.claim_preview import preview
from tests.integration.collection.claims_helpers import (
    STAFF,
    RecordingSandbox,
    all_claims,
    client,
    product,
    ready_invoice,
)

ON = date(2026, 11, 16)  # the overview's day; the invoice below is of 01.06.2023
DUE_DAYS_AGO = (ON - date(2023, 6, 15)).days


async def test_a_time_barred_claim_is_refused_in_german_and_nothing_is_sent(
    database_url: str, tmp_path: Path, recorded: RecordingSandbox
) -> None:
    app = product(database_url, tmp_path, recorded.handle)
    old = ready_invoice(app, "R-2019", due_days_ago=5 * 366)  # billed in a year at least five years back
    common: dict[str, Any] = {"practice_id": app.practice_id, "actor": STAFF, "number": "R-2019"}
    with pytest.raises(PreconditionFailed) as refused:
        preview(app.uow(), **common)
    async with client(recorded.handle) as finance:
        with pytest.raises(PreconditionFailed):
            await claims.create(app.uow(), finance=finance, **common)
    message = refused.value.user_message
    assert "verjährt" in message and f"31.12.{old.invoice_date.year + 3}" in message
    assert recorded.recorder.requests == [] and all_claims(app) == []
    app.close()


def test_the_overview_warns_in_the_last_three_months_before_the_claim_becomes_time_barred(
    sqlite_url: str, tmp_path: Path, recorded: RecordingSandbox
) -> None:
    app = product(sqlite_url, tmp_path, recorded.handle)
    invoice = ready_invoice(app, "R-1", due_days_ago=DUE_DAYS_AGO, on=ON)
    assert invoice.invoice_date == date(2023, 6, 1)

    overview = preview(app.uow(), practice_id=app.practice_id, actor=STAFF, number="R-1", on=ON)
    [warning] = overview.warnings
    assert "verjährt mit Ablauf des 31.12.2026" in warning
    assert warning in preview_text(overview)
    early = preview(
        app.uow(), practice_id=app.practice_id, actor=STAFF, number="R-1", on=date(2026, 9, 30)
    )
    assert early.warnings == ()
    last_day = preview(
        app.uow(), practice_id=app.practice_id, actor=STAFF, number="R-1", on=date(2026, 12, 31)
    )
    assert last_day.warnings != ()
    with pytest.raises(PreconditionFailed):
        preview(app.uow(), practice_id=app.practice_id, actor=STAFF, number="R-1", on=date(2027, 1, 1))
    app.close()


def test_the_command_line_overview_prints_the_warning_and_the_default_interest(
    sqlite_url: str, tmp_path: Path, recorded: RecordingSandbox, capsys: pytest.CaptureFixture[str]
) -> None:
    app = product(sqlite_url, tmp_path, recorded.handle)
    ready_invoice(app, "R-1", due_days_ago=DUE_DAYS_AGO, on=ON)
    _print_preview(preview(app.uow(), practice_id=app.practice_id, actor=STAFF, number="R-1", on=ON))
    printed = capsys.readouterr().out
    assert "verjährt mit Ablauf des 31.12.2026" in printed
    assert "Verzugszinsen:    Basiszinssatz + 5 Prozentpunkte" in printed
    app.close()
