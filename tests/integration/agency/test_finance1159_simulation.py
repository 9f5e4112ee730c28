"""The simulated agency: clock, fees, debtor payments, determinism and persistence."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from core.finance1159.client import Finance1159Client
from core.finance1159.wire import CaseStatus, ClaimIn, DebtorIn, FeeType
from tests.peers.sandbox import SandboxHandle, make_config, make_finance_client, running_sandbox


def claim(reference: str, principal: str) -> ClaimIn:
    debtor = DebtorIn(first_name="Paula", last_name="Patient", street="Ring 3", zip="50667", city="Köln")
    return ClaimIn(
        reference=reference,
        debtor=debtor,
        invoice_date=date(2026, 7, 1),
        due_date=date(2026, 7, 31),
        principal=Decimal(principal),
    )


async def snapshot(client: Finance1159Client) -> list[tuple[object, ...]]:
    """What a run produced, without wall-clock times."""
    cases = [
        (c.reference, c.status, c.outstanding, c.paid_to_agency, tuple((f.type, f.amount) for f in c.fees))
        async for c in client.iter_cases()
    ]
    payments = [(p.case_id, p.amount, p.source) async for p in client.iter_payments()]
    return [*cases, *payments]


async def run_scenario(handle: SandboxHandle) -> list[tuple[object, ...]]:
    async with make_finance_client(handle) as client:
        for n in range(15):
            await client.create_claim(claim(f"R-{n}", f"{40 + 37 * n}.50"))
        handle.advance(45)
        return await snapshot(client)


async def test_the_same_seed_gives_the_same_agency_history(
    sandbox: SandboxHandle, sandbox_factory: Callable[..., SandboxHandle]
) -> None:
    first = await run_scenario(sandbox)
    second = await run_scenario(sandbox_factory())
    assert first == second
    assert any(row[1] == CaseStatus.PAID for row in first)  # debtors paid in full …
    assert any(len(row) == 3 and row[2] == "agency" for row in first)  # … through the agency
    other = await run_scenario(sandbox_factory(seed=7))
    assert other != first


async def test_cases_move_to_collection_with_capped_fees(
    finance_client: Finance1159Client, sandbox: SandboxHandle
) -> None:
    small = await finance_client.create_claim(claim("R-S", "30.00"))
    large = await finance_client.create_claim(claim("R-L", "5000.00"))
    assert (await finance_client.get_case(small.case_id)).status == CaseStatus.RECEIVED
    sandbox.faults()  # no faults; and the first day may still be review
    events = sandbox.advance(2)
    assert events["letters"] == 2
    small_case = await finance_client.get_case(small.case_id)
    fees = {f.type: f.amount for f in small_case.fees}
    assert fees[FeeType.COLLECTION_FEE] + fees[FeeType.EXPENSES] <= Decimal("30.00")
    large_fees = {f.type: f.amount for f in (await finance_client.get_case(large.case_id)).fees}
    assert large_fees[FeeType.EXPENSES] == Decimal("20.00")
    assert large_fees[FeeType.COLLECTION_FEE] == Decimal("319.05")  # 0,9 × 354,50 € (RVG from 6/2025)


async def test_debtor_money_pays_costs_first_and_a_full_payment_closes_the_case(
    finance_client: Finance1159Client, sandbox: SandboxHandle
) -> None:
    created = await finance_client.create_claim(claim("R-1", "120.00"))
    sandbox.advance(2)
    case = await finance_client.get_case(created.case_id)
    costs = sum(f.amount for f in case.fees)
    first = sandbox.pay(created.case_id, "60.00")
    assert (first["to_costs"], first["to_principal"]) == (costs, Decimal("60.00") - costs)
    before = case.updated_at
    case = await finance_client.get_case(created.case_id)
    assert case.updated_at > before and case.paid_to_agency == Decimal("60.00")
    final = sandbox.control(f"/cases/{created.case_id}/pay", {"amount": str(case.outstanding)})
    assert final["status"] == CaseStatus.PAID
    case = await finance_client.get_case(created.case_id)
    assert case.outstanding == 0 and case.closed_at is not None
    payments = (await finance_client.list_payments(case_id=created.case_id)).items
    assert [p.source for p in payments] == ["agency", "agency"] and payments[0].reference is None


async def test_state_survives_a_restart(tmp_path: Path) -> None:
    with running_sandbox(make_config(tmp_path)) as first:
        async with make_finance_client(first) as client:
            created = await client.create_claim(claim("R-1", "99.99"))
        first.advance(3)
        before = first.state()
    with running_sandbox(make_config(tmp_path)) as second:  # same file, new server
        after = second.state()
        async with make_finance_client(second) as client:
            again = await client.create_claim(claim("R-1", "99.99"))
            case = await client.get_case(created.case_id)
    assert (after["cases"], after["day"], after["by_status"]) == (before["cases"], 3, before["by_status"])
    assert again.already_existed and again.case_id == created.case_id
    assert case.status == CaseStatus.IN_COLLECTION and len(case.fees) == 2


async def test_bulk_cases_and_touch_for_benchmarks(
    finance_client: Finance1159Client, sandbox: SandboxHandle
) -> None:
    answer = sandbox.control("/bulk_cases", {"count": 2000})
    assert (answer["created"], answer["first_case_id"], answer["last_case_id"]) == (2000, 1, 2000)
    mark = (await finance_client.get_case(2000)).updated_at + timedelta(microseconds=1)
    assert sandbox.control("/touch", {"fraction": 0.01})["touched"] == 20
    changed = [c async for c in finance_client.iter_cases(updated_since=mark)]
    assert len(changed) == 20
    letters = sum(sandbox.advance(1)["letters"] for _ in range(2))
    assert letters == 2000  # every case gets its first letter after one or two days of review
    assert finance_client.request_count == 2
