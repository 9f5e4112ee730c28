"""`inkasso payment suggestions | accept ID | reject ID` against the real sandbox."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

from core.services.collection import claims
from tests.integration.collection.claims_helpers import (
    STAFF,
    agency_payments,
    cli,
    cli_env,
    client,
    product,
    ready_invoice,
)
from tests.integration.collection.payment_suggestion_helpers import from_bank
from tests.peers.sandbox import SandboxHandle


async def test_the_cli_lists_accepts_once_and_rejects_suggested_payments(
    database_url: str, tmp_path: Path, sandbox: SandboxHandle
) -> None:
    app = product(database_url, tmp_path, sandbox)
    for number in ("R-1", "R-2"):
        ready_invoice(app, number, amount="120,00")
        async with client(sandbox) as finance:
            await claims.create(
                app.uow(), finance=finance, practice_id=app.practice_id, actor=STAFF, number=number
            )
    first, second = from_bank(app, "R-1"), from_bank(app, "R-2", amount="20.00")
    assert first is not None and second is not None
    env = cli_env(app)

    listed = cli(env, "payment", "suggestions", "--json", cwd=tmp_path)
    accepted = cli(env, "payment", "accept", str(first.id), cwd=tmp_path)
    again = cli(env, "payment", "accept", str(first.id), cwd=tmp_path)
    rejected = cli(env, "payment", "reject", str(second.id), cwd=tmp_path)
    unknown = cli(env, "payment", "reject", "999999", cwd=tmp_path)
    empty = cli(env, "payment", "suggestions", cwd=tmp_path)

    assert listed.returncode == 0, listed.stderr
    assert [(s["id"], s["number"], s["amount"]) for s in json.loads(listed.stdout)] == [
        (first.id, "R-1", "50.00"),
        (second.id, "R-2", "20.00"),
    ]
    assert accepted.returncode == 0, accepted.stderr
    assert "An 1159 Finance gemeldet." in accepted.stdout
    assert again.returncode == 1 and "bereits angenommen" in again.stderr
    assert rejected.returncode == 0 and "abgelehnt; es wurde nichts erfasst" in rejected.stdout
    assert unknown.returncode == 1 and "Einen Zahlungsvorschlag 999999 gibt es nicht" in unknown.stderr
    assert empty.stdout.strip() == "Keine offenen Zahlungsvorschläge."
    assert [p["amount"] for p in agency_payments(sandbox)] == [Decimal("50.00")]
    app.close()
