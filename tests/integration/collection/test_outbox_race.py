"""Two worker processes on PostgreSQL race for the same outbox items: each write is sent once."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from core.services.collection import claims, payments
from tests.integration.collection.claims_helpers import (
    STAFF,
    RecordingSandbox,
    agency_payments,
    all_payments,
    cases_by_reference,
    cli_env,
    client,
    outbox_items,
    product,
    ready_invoice,
    start_worker,
    wait_for,
)

CLAIMS, PAYMENTS = 12, 12


async def test_two_workers_on_postgres_deliver_each_outbox_item_exactly_once(
    postgres_url: str, tmp_path: Path, recorded: RecordingSandbox
) -> None:
    sandbox = recorded.handle
    app = product(postgres_url, tmp_path, sandbox)
    for n in range(CLAIMS + PAYMENTS):
        ready_invoice(app, f"R-{n}")
    async with client(sandbox) as finance:  # these claims exist already; their payments are queued
        for n in range(CLAIMS, CLAIMS + PAYMENTS):
            await claims.create(
                app.uow(), finance=finance, practice_id=app.practice_id, actor=STAFF, number=f"R-{n}"
            )
    for n in range(CLAIMS):
        claims.queue(app.uow(), practice_id=app.practice_id, actor=STAFF, number=f"R-{n}")
    for n in range(CLAIMS, CLAIMS + PAYMENTS):
        payments.record(app.uow(), practice_id=app.practice_id, actor=STAFF, number=f"R-{n}", amount="7,50")
    raced = {i.id for i in outbox_items(app) if i.state == "pending"}
    recorded.recorder.requests.clear()

    sandbox.faults(latency_ms=15)  # keeps both workers busy at the same time
    go = tmp_path / "go"
    env = cli_env(app, WORKER_GO_FILE=str(go))
    workers = [start_worker(env, name, cwd=tmp_path) for name in ("worker-a", "worker-b")]
    for worker in workers:
        assert worker.stdout is not None
        wait_for(lambda w=worker: w.stdout.readline().strip() == "ready", what="a worker to start")
    go.touch()  # both see the same due items and race for them
    outputs = [worker.communicate(timeout=60) for worker in workers]
    sandbox.faults()
    assert [w.returncode for w in workers] == [0, 0], [err for _, err in outputs]
    delivered = [int(out.split()[-1]) for out, _ in outputs]

    assert sum(delivered) == CLAIMS + PAYMENTS
    assert len(recorded.calls("POST", "/claims")) == CLAIMS  # nothing sent twice
    assert len(recorded.calls("POST", "/payments")) == PAYMENTS
    assert cases_by_reference(sandbox) == {f"R-{n}": 1 for n in range(CLAIMS + PAYMENTS)}
    reported = Counter(p["reference"] for p in agency_payments(sandbox))
    assert sorted(reported) == sorted(p.reference for p in all_payments(app)) and set(reported.values()) == {
        1
    }
    items = outbox_items(app)
    assert {i.state for i in items} == {"done"}
    assert {i.locked_by for i in items if i.id in raced} == {"worker-a", "worker-b"}, delivered
    app.close()
