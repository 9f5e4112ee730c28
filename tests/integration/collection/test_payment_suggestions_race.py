"""Several doors and workers deciding on one suggestion at the same moment: it is booked once, its
report queued once, and 1159 Finance hears of it once."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from core.domain.errors import InkassoError
from core.services.collection import claims, delivery
from core.services.payments_in import decisions
from core.services.people.access import OPERATOR
from tests.integration.collection.claims_helpers import (
    STAFF,
    agency_payments,
    all_payments,
    client,
    outbox_items,
    product,
    ready_invoice,
)
from tests.integration.collection.payment_suggestion_helpers import from_bank, stored_suggestions
from tests.peers.sandbox import SandboxHandle


def at_once(calls: list[Callable[[], decisions.Decision]]) -> list[decisions.Decision | InkassoError]:
    with ThreadPoolExecutor(len(calls)) as pool:
        futures = [pool.submit(call) for call in calls]
        outcomes: list[decisions.Decision | InkassoError] = []
        for future in futures:
            try:
                outcomes.append(future.result())
            except InkassoError as exc:
                outcomes.append(exc)
        return outcomes


async def test_four_doors_accepting_one_suggestion_at_once_book_and_report_it_once(
    database_url: str, tmp_path: Path, sandbox: SandboxHandle
) -> None:
    app = product(database_url, tmp_path, sandbox)
    ready_invoice(app, "R-1", amount="120,00")
    async with client(sandbox) as finance:
        await claims.create(
            app.uow(), finance=finance, practice_id=app.practice_id, actor=STAFF, number="R-1"
        )
        suggestion = from_bank(app)
        assert suggestion is not None
        doors = [STAFF, OPERATOR, STAFF, OPERATOR]  # the chat's button, the CLI, the dashboard …
        outcomes = at_once(
            [
                lambda actor=actor: decisions.accept(  # type: ignore[misc]
                    app.uow(), practice_id=app.practice_id, actor=actor, suggestion_id=suggestion.id
                )
                for actor in doors
            ]
        )
        # Two workers deliver the outbox at the same moment.
        await asyncio.gather(
            delivery.run_once(app.uow(), finance=finance, worker="worker-a"),
            delivery.run_once(app.uow(), finance=finance, worker="worker-b"),
        )
    accepted = [o for o in outcomes if isinstance(o, decisions.Decision)]
    refused = [o for o in outcomes if isinstance(o, InkassoError)]
    assert len(accepted) == 1, outcomes
    assert len(refused) == 3 and all("bereits angenommen" in r.user_message for r in refused)
    assert len(all_payments(app)) == 1
    assert [i.kind for i in outbox_items(app)].count(delivery.PAYMENT) == 1
    assert len(agency_payments(sandbox)) == 1
    app.close()


async def test_an_accept_and_a_reject_at_once_leave_exactly_one_decision(
    database_url: str, tmp_path: Path, sandbox: SandboxHandle
) -> None:
    app = product(database_url, tmp_path, sandbox)
    ready_invoice(app, "R-1", amount="120,00")
    async with client(sandbox) as finance:
        await claims.create(
            app.uow(), finance=finance, practice_id=app.practice_id, actor=STAFF, number="R-1"
        )
    suggestion = from_bank(app)
    assert suggestion is not None
    outcomes = at_once(
        [
            lambda: decisions.accept(
                app.uow(), practice_id=app.practice_id, actor=STAFF, suggestion_id=suggestion.id
            ),
            lambda: decisions.reject(
                app.uow(), practice_id=app.practice_id, actor=OPERATOR, suggestion_id=suggestion.id
            ),
        ]
    )
    assert sum(isinstance(o, decisions.Decision) for o in outcomes) == 1, outcomes
    [row] = stored_suggestions(app)
    assert len(all_payments(app)) == (1 if row.state == "accepted" else 0)
    app.close()
