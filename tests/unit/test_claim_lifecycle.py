"""The claim's life (core/domain/claim_lifecycle.py): the one transition table, refusals, labels."""

from __future__ import annotations

import itertools

import pytest

from core.domain.claim_lifecycle import (
    AGENCY_STATUS_LABEL,
    AWAITING_CASE,
    CLAIM_DELIVERY_LABEL,
    FEE_LABEL,
    OPEN,
    PASSED_ON,
    PAYMENT_DELIVERY_LABEL,
    TRANSITIONS,
    UNSETTLED,
    WITHDRAWING,
    AgencyStatus,
    ClaimDelivery,
    ClaimEvent,
    FeeKind,
    PaymentDelivery,
    PaymentEvent,
    advance,
    agency_label,
    claim_label,
    fee_label,
    payment_label,
)
from core.domain.errors import IllegalTransition
from core.finance1159 import wire

C, P, E, PE = ClaimDelivery, PaymentDelivery, ClaimEvent, PaymentEvent

CLAIM_MOVES = {
    (C.FAILED, E.HAND_OVER_AGAIN): C.QUEUED,
    (C.WITHDRAWN, E.HAND_OVER_AGAIN): C.QUEUED,
    (C.QUEUED, E.ACCEPTED): C.SUBMITTED,
    (C.SUBMITTED, E.ACCEPTED): C.SUBMITTED,
    (C.FAILED, E.ACCEPTED): C.SUBMITTED,
    (C.WITHDRAWN, E.ACCEPTED): C.SUBMITTED,
    (C.WITHDRAWAL_QUEUED, E.ACCEPTED): C.WITHDRAWAL_QUEUED,
    (C.QUEUED, E.FOUND_AT_AGENCY): C.SUBMITTED,
    (C.FAILED, E.FOUND_AT_AGENCY): C.SUBMITTED,
    (C.SUBMITTED, E.FOUND_AT_AGENCY): C.SUBMITTED,
    (C.WITHDRAWAL_QUEUED, E.FOUND_AT_AGENCY): C.WITHDRAWAL_QUEUED,
    (C.WITHDRAWN, E.FOUND_AT_AGENCY): C.WITHDRAWN,
    (C.QUEUED, E.REFUSED): C.FAILED,
    (C.FAILED, E.REFUSED): C.FAILED,
    (C.WITHDRAWAL_QUEUED, E.REFUSED): C.FAILED,
    (C.QUEUED, E.WITHDRAW): C.WITHDRAWAL_QUEUED,
    (C.SUBMITTED, E.WITHDRAW): C.WITHDRAWAL_QUEUED,
    (C.FAILED, E.WITHDRAW): C.WITHDRAWAL_QUEUED,
    (C.QUEUED, E.WITHDRAW_UNSENT): C.WITHDRAWN,
    (C.FAILED, E.WITHDRAW_UNSENT): C.WITHDRAWN,
    (C.WITHDRAWAL_QUEUED, E.NEVER_ARRIVED): C.WITHDRAWN,
    (C.WITHDRAWAL_QUEUED, E.WITHDRAWN_AT_AGENCY): C.WITHDRAWN,
    (C.WITHDRAWN, E.WITHDRAWN_AT_AGENCY): C.WITHDRAWN,
    (C.SUBMITTED, E.WITHDRAWN_AT_AGENCY): C.WITHDRAWN,
    (C.WITHDRAWAL_QUEUED, E.WITHDRAWAL_REFUSED): C.SUBMITTED,
    (C.WITHDRAWN, E.WITHDRAWAL_REFUSED): C.WITHDRAWN,
}
PAYMENT_MOVES = {
    (P.QUEUED, PE.REPORTED): P.SENT,
    (P.SENT, PE.REPORTED): P.SENT,
    (P.QUEUED, PE.REFUSED): P.FAILED,
    (P.FAILED, PE.REFUSED): P.FAILED,
    (P.QUEUED, PE.NOT_PASSED_ON): P.NONE,
}


@pytest.mark.parametrize(("move", "target"), [*CLAIM_MOVES.items(), *PAYMENT_MOVES.items()], ids=str)
def test_every_legal_move_leads_where_the_table_says_from_the_stored_text_too(
    move: tuple[ClaimDelivery | PaymentDelivery, ClaimEvent | PaymentEvent], target: str
) -> None:
    state, event = move
    assert advance(state, event) == target
    assert advance(str(state.value), event) == target  # as read from the database


def test_the_table_holds_exactly_these_moves() -> None:
    assert set(TRANSITIONS.items()) == set(CLAIM_MOVES.items()) | set(PAYMENT_MOVES.items())


@pytest.mark.parametrize(
    ("state", "event"),
    [(s, e) for s, e in itertools.product(C, E) if (s, e) not in CLAIM_MOVES],
    ids=str,
)
def test_every_other_claim_move_is_refused_in_german(state: ClaimDelivery, event: ClaimEvent) -> None:
    with pytest.raises(IllegalTransition) as refused:
        advance(state, event)
    assert refused.value.user_message.startswith(f"Die Forderung ist „{CLAIM_DELIVERY_LABEL[state]}“; „")
    assert refused.value.user_message.endswith("“ geht in diesem Zustand nicht.")
    assert refused.value.exit_code == 1


@pytest.mark.parametrize(
    ("state", "event"),
    [(s, e) for s, e in itertools.product(P, PE) if (s, e) not in PAYMENT_MOVES],
    ids=str,
)
def test_every_other_payment_move_is_refused_in_german(state: PaymentDelivery, event: PaymentEvent) -> None:
    with pytest.raises(IllegalTransition) as refused:
        advance(state, event)
    assert refused.value.user_message.startswith(f"Die Zahlung ist „{PAYMENT_DELIVERY_LABEL[state]}“")


def test_withdrawing_a_withdrawn_claim_again_names_both_in_german() -> None:
    with pytest.raises(IllegalTransition) as refused:
        advance("withdrawn", E.WITHDRAW)
    assert refused.value.user_message == (
        "Die Forderung ist „zurückgezogen“; „zurückziehen“ geht in diesem Zustand nicht."
    )


def test_an_unknown_stored_state_is_refused_not_guessed() -> None:
    with pytest.raises(IllegalTransition) as refused:
        advance("lost", E.ACCEPTED)
    assert refused.value.user_message.startswith("Die Forderung ist „lost“")
    assert refused.value.log_message == "illegal claim delivery move accepted from 'lost'"
    with pytest.raises(IllegalTransition):
        advance("submitted", PE.REPORTED)  # a claim's state is no payment's


def test_claim_and_payment_events_never_share_a_value_so_one_table_holds_both() -> None:
    assert not {e.value for e in E} & {e.value for e in PE}


def test_the_named_groups() -> None:
    assert OPEN == (C.QUEUED, C.SUBMITTED, C.WITHDRAWAL_QUEUED)
    assert set(UNSETTLED) == {*OPEN, C.FAILED}
    assert set(WITHDRAWING) == {C.WITHDRAWAL_QUEUED, C.WITHDRAWN}
    assert set(AWAITING_CASE) == {C.QUEUED, C.FAILED}
    assert set(PASSED_ON) == {P.SENT, P.QUEUED}


def test_every_state_has_one_german_label() -> None:
    assert set(CLAIM_DELIVERY_LABEL) == set(C) and set(PAYMENT_DELIVERY_LABEL) == set(P)
    assert set(AGENCY_STATUS_LABEL) == set(AgencyStatus) and set(FEE_LABEL) == set(FeeKind)


def test_the_agency_states_and_fee_kinds_are_those_of_the_wire() -> None:
    assert {s.value for s in AgencyStatus} == set(wire.CaseStatus.ALL)
    assert {k.value for k in FeeKind} == set(wire.FeeType.ALL)


def test_a_claim_shows_its_delivery_while_that_is_the_news_and_else_the_agency_status() -> None:
    assert claim_label("queued", "") == "vorgemerkt, wird an 1159 Finance übermittelt"
    assert claim_label("failed", "") == "von 1159 Finance abgelehnt"
    assert claim_label("withdrawal_queued", "in_collection") == "Rücknahme wird übermittelt"
    assert claim_label("submitted", "in_collection") == "im Inkasso"
    assert claim_label("withdrawn", "withdrawn") == "zurückgezogen"
    assert claim_label("withdrawn", "") == "zurückgezogen"  # never reached the agency


def test_labels_read_stored_text_and_pass_unknown_values_through() -> None:
    assert agency_label("received") == "in Prüfung bei 1159 Finance"
    assert agency_label("") == "noch nicht übermittelt"
    assert agency_label("mystery") == "mystery"
    assert payment_label("sent") == "an 1159 Finance gemeldet"
    assert payment_label("queued") == "Meldung an 1159 Finance ausstehend"
    assert fee_label("interest") == "Zinsen" and fee_label("new_fee") == "new_fee"
