"""Two people acting on one invoice at the same moment: one hand-over, one withdrawal, never overpaid."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from pathlib import Path

from core.domain.errors import InkassoError
from core.services.collection import claims, payments, withdrawals
from tests.integration.collection.claims_helpers import (
    STAFF,
    all_claims,
    all_payments,
    invoice_of,
    product,
    ready_invoice,
)
from tests.peers.sandbox import SandboxHandle


def _at_once(*calls):  # type: ignore[no-untyped-def]
    with ThreadPoolExecutor(len(calls)) as pool:
        futures = [pool.submit(call) for call in calls]
        outcomes = []
        for future in futures:
            try:
                outcomes.append(future.result())
            except InkassoError as exc:
                outcomes.append(exc)
        return outcomes


def test_two_payments_recorded_at_once_never_exceed_the_open_amount(
    database_url: str, tmp_path: Path, sandbox: SandboxHandle
) -> None:
    app = product(database_url, tmp_path, sandbox)
    ready_invoice(app, "R-1", amount="120,00")
    for _ in range(3):  # a few rounds: the race needs both reads before either write
        outcomes = _at_once(
            *(
                lambda: payments.record(
                    app.uow(), practice_id=app.practice_id, actor=STAFF, number="R-1", amount="70,00"
                )
                for _ in range(2)
            )
        )
        if len(all_payments(app)) >= 1:
            break
    stored = all_payments(app)
    invoice = invoice_of(app, "R-1")
    assert invoice.paid_direct == sum((p.amount for p in stored), Decimal("0.00")) <= Decimal("120.00")
    assert len(stored) == 1, outcomes
    refused = [o for o in outcomes if isinstance(o, InkassoError)]
    assert len(refused) == 1 and "mehr als offen ist" in refused[0].user_message
    app.close()


def test_two_hand_overs_of_one_invoice_at_once_make_one_claim(
    database_url: str, tmp_path: Path, sandbox: SandboxHandle
) -> None:
    app = product(database_url, tmp_path, sandbox)
    ready_invoice(app, "R-1")
    outcomes = _at_once(
        *(
            lambda: claims.queue(app.uow(), practice_id=app.practice_id, actor=STAFF, number="R-1")
            for _ in range(2)
        )
    )
    assert len(all_claims(app)) == 1
    refused = [o for o in outcomes if isinstance(o, InkassoError)]
    assert len(refused) == 1 and "bereits an 1159 Finance übergeben" in refused[0].user_message
    app.close()


async def test_two_withdrawals_of_one_claim_at_once_queue_one(
    database_url: str, tmp_path: Path, sandbox: SandboxHandle
) -> None:
    from core.services.people.access import OPERATOR
    from tests.integration.collection.claims_helpers import client, outbox_items

    app = product(database_url, tmp_path, sandbox)
    ready_invoice(app, "R-1")
    async with client(sandbox) as finance:
        await claims.create(
            app.uow(), finance=finance, practice_id=app.practice_id, actor=STAFF, number="R-1"
        )
    outcomes = _at_once(
        *(
            lambda: withdrawals.queue_withdrawal(
                app.uow(), practice_id=app.practice_id, actor=OPERATOR, number="R-1"
            )
            for _ in range(2)
        )
    )
    assert [i.kind for i in outbox_items(app)] == ["claim", "withdrawal"]
    refused = [o for o in outcomes if isinstance(o, InkassoError)]
    assert len(refused) == 1 and "bereits zurückgezogen" in refused[0].user_message
    app.close()
