"""The whole collection story against the real sandbox: seed, onboard, hand over, pay, collect, complete."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from cli.claim_cmds import render_status
from core import sync
from core.domain.claims import InvoiceStatus
from core.domain.onboarding import OnboardingAction, OnboardingState
from core.services.collection import claim_preview, claims, payments, status
from core.services.demo import demo_data
from core.services.invoicing import invoices
from core.services.people.access import OPERATOR
from core.services.setup import onboarding
from tests.factories import make_app
from tests.integration.collection.claims_helpers import STAFF, agency_cases, client, invoice_of, settings_for
from tests.peers.sandbox import SandboxHandle


async def test_a_claim_runs_from_hand_over_through_partial_payments_to_vollstaendig(
    sqlite_url: str, tmp_path: Path, sandbox: SandboxHandle
) -> None:
    app = make_app(sqlite_url, tmp_path, **settings_for(sandbox))
    practice = {"practice_id": app.practice_id}
    demo_data.seed(app.uow(), actor=OPERATOR, data_dir=tmp_path, patients=60, invoices=400, **practice)
    for action in (
        OnboardingAction.REQUEST,
        OnboardingAction.CONTRACT_RECEIVED,
        OnboardingAction.SIGNED,
        OnboardingAction.ACTIVATE,
    ):
        onboarding.transition(app.uow(), actor=OPERATOR, action=action, via="cli", **practice)
    assert onboarding.status(app.uow(), **practice).state == OnboardingState.ACTIVE

    overdue = invoices.overdue(app.uow(), per_page=500, **practice).items
    number = next(i.number for i in overdue if i.has_legal_basis and i.open_amount > Decimal("60"))
    preview = claim_preview.preview(app.uow(), actor=STAFF, number=number, **practice)
    assert preview.case_fee_text.startswith("kostenlos") and preview.open_amount > 0
    async with client(sandbox) as finance:
        created = await claims.create(app.uow(), finance=finance, actor=STAFF, number=number, **practice)
        assert created.delivered and created.case_id is not None
        partial = (preview.open_amount / 3).quantize(Decimal("0.01"))
        paid = await payments.record_and_send(
            app.uow(), finance=finance, actor=STAFF, number=number, amount=partial, **practice
        )
        assert paid.delivered

        sandbox.advance(2)  # the agency reviews the case and sends its first letter
        sandbox.pay(created.case_id, "10.00")  # the debtor pays the agency a part
        st = await status.fetch(app.uow(), finance=finance, actor=STAFF, number=number, **practice)
        assert {f.label for f in st.fees} >= {"Inkassokosten", "Auslagen"} and st.fees_total > 0
        assert st.paid_to_agency == Decimal("10.00") and st.paid_to_practice == partial
        assert st.outstanding == preview.open_amount - partial - Decimal("10.00") + st.fees_total
        assert not st.complete and invoice_of(app, number).status == InvoiceStatus.IN_COLLECTION

        sandbox.pay(created.case_id, str(st.outstanding))  # the debtor pays the rest
        report = await sync.sync_once(app.uow(), finance=finance, **practice)
        assert report.cases_changed == 1 and report.payments_added == 1
        final = status.load(app.uow(), number=number, **practice)

    assert invoice_of(app, number).status == InvoiceStatus.COMPLETE
    assert final.complete and final.status == "paid" and final.outstanding == Decimal("0.00")
    assert final.paid_to_agency == Decimal("10.00") + st.outstanding
    assert "Zahlungsstatus: vollständig" in render_status(final)
    [case] = agency_cases(sandbox)
    assert case["status"] == "paid" and case["reference"] == number
    app.close()
