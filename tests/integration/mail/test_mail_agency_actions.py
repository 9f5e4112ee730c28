"""What a verified agency mail does to the onboarding from each state (database only, no mailbox)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from core.domain.dates import today
from core.domain.onboarding import OnboardingAction, OnboardingState
from core.services.people.access import OPERATOR
from core.services.setup import onboarding
from mail.agency import act_on_agency_mail
from mail.message import parse
from mail.rules import MailRules, classify
from tests.factories import add_practice, make_app
from tests.integration.mail.mail_helpers import CORPUS, events, notes, state

S, A = OnboardingState, OnboardingAction
RULES = MailRules(agency_domain="1159finance.com", authserv_id="mx.praxis.test")


def _act(app: object, name: str) -> str:
    mail = parse((CORPUS / f"{name}.eml").read_bytes())
    c = classify(mail, RULES, staff_addresses=frozenset())
    return act_on_agency_mail(app, c, mail, f"key-{name}")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("before", "mail", "after"),
    [
        (S.NOT_REQUESTED, "agency_contract_genuine", S.CONTRACT_RECEIVED),
        (S.REQUESTED, "agency_contract_genuine", S.CONTRACT_RECEIVED),
        (S.CONTRACT_RECEIVED, "agency_contract_genuine", S.CONTRACT_RECEIVED),
        (S.CANCELLED, "agency_contract_genuine", S.CANCELLED),
        (S.SIGNED, "agency_activation_genuine", S.ACTIVE),
        (S.REJECTED, "agency_activation_genuine", S.REJECTED),
        (S.ACTIVE, "agency_activation_genuine", S.ACTIVE),
    ],
)
def test_an_agency_mail_moves_the_onboarding_forward_but_never_revives_it(
    before: OnboardingState, mail: str, after: OnboardingState, sqlite_url: str, tmp_path: Path
) -> None:
    app = make_app(sqlite_url, tmp_path)
    add_practice(app, onboarding_state=before)

    outcome = _act(app, mail)
    again = _act(app, mail)

    assert state(app) == after and outcome.startswith("done")
    assert again.startswith("done")
    moved = [e for e in events(app) if e.via == "mail"]
    assert len(moved) == len({e.evidence for e in moved})  # each step once, even when acted on twice
    if before != after:
        assert moved[-1].evidence == f"key-{mail}"
    if "contract" in mail:
        assert any("https://partner.1159finance.com/vertrag/Zk3x9QpL2m" in n for n in notes(app))
    app.close()


def test_the_activation_mail_sets_the_contract_start_it_names(sqlite_url: str, tmp_path: Path) -> None:
    app = make_app(sqlite_url, tmp_path)
    add_practice(app, onboarding_state=S.SIGNED)

    _act(app, "agency_activation_genuine")

    assert str(onboarding.status(app.uow(), practice_id=app.practice_id).contract_start) == "2026-12-01"
    app.close()


@pytest.mark.parametrize("before", [S.NOT_REQUESTED, S.REQUESTED])
def test_an_activation_before_the_contract_skips_no_step_and_waits_for_a_person(
    before: OnboardingState, sqlite_url: str, tmp_path: Path
) -> None:
    app = make_app(sqlite_url, tmp_path)
    add_practice(app, onboarding_state=before)

    outcome = _act(app, "agency_activation_genuine")

    assert state(app) == before and events(app) == []
    assert outcome.startswith("zu prüfen (out of order)")
    assert any("kein Vertrag erhalten" in n and "Dashboard → Onboarding" in n for n in notes(app))
    assert onboarding.status(app.uow(), practice_id=app.practice_id).contract_start is None
    app.close()


def test_a_contract_start_before_the_request_is_not_taken(sqlite_url: str, tmp_path: Path) -> None:
    app = make_app(sqlite_url, tmp_path)
    add_practice(app, onboarding_state=S.NOT_REQUESTED)
    for action in (A.REQUEST, A.CONTRACT_RECEIVED, A.SIGNED):
        onboarding.transition(
            app.uow(), practice_id=app.practice_id, actor=OPERATOR, action=action, via="cli"
        )

    onboarding.transition(
        app.uow(),
        practice_id=app.practice_id,
        actor=OPERATOR,
        action=A.ACTIVATE,
        via="mail",
        contract_start=date(2020, 1, 1),
    )

    status = onboarding.status(app.uow(), practice_id=app.practice_id)
    assert status.state == S.ACTIVE and status.contract_start == today()
    assert "01.01.2020 liegt vor der Anfrage" in status.events[-1].note
    app.close()
