"""A claim's life: its delivery states, a direct payment's, the agency's case states, one transition
table, and the German label of every state.

Who may write `Claim.delivery` or `Payment.delivery`: only `advance`, with an event from the table.
The stored values are the enums' values (plain text in the database).
"""

from __future__ import annotations

from enum import StrEnum
from typing import overload

from core.domain.errors import IllegalTransition


class ClaimDelivery(StrEnum):
    """Where a claim is on its way to 1159 Finance (and back, when withdrawn)."""

    QUEUED = "queued"
    SUBMITTED = "submitted"
    FAILED = "failed"  # refused for good by the agency; may be handed over again once corrected
    WITHDRAWAL_QUEUED = "withdrawal_queued"
    WITHDRAWN = "withdrawn"


class PaymentDelivery(StrEnum):
    """Whether a payment made to the practice directly is reported to 1159 Finance."""

    NONE = "none"  # nothing to report: no claim at the agency (or an agency payment)
    QUEUED = "queued"
    SENT = "sent"
    FAILED = "failed"


class AgencyStatus(StrEnum):
    """The agency's case states, as 1159 Finance names them (the wire's CaseStatus, same values)."""

    RECEIVED = "received"
    IN_COLLECTION = "in_collection"
    INSTALMENT = "instalment"
    LEGAL = "legal"
    PAID = "paid"
    UNCOLLECTIBLE = "uncollectible"
    WITHDRAWN = "withdrawn"


class FeeKind(StrEnum):
    """The fees the agency charges a debtor (the wire's FeeType, same values)."""

    COLLECTION_FEE = "collection_fee"
    EXPENSES = "expenses"
    REMINDER_FEE = "reminder_fee"
    INTEREST = "interest"


class ClaimEvent(StrEnum):
    HAND_OVER_AGAIN = "hand_over_again"  # after a refusal, or a withdrawal before it was sent
    ACCEPTED = "accepted"  # 1159 Finance answered the hand-over with its case
    FOUND_AT_AGENCY = "found_at_agency"  # a sync or a status query found the case
    REFUSED = "refused"  # 1159 Finance refused the hand-over for good
    WITHDRAW = "withdraw"  # withdrawal asked for; it goes to the agency
    WITHDRAW_UNSENT = "withdraw_unsent"  # withdrawal of a claim that never left the practice
    NEVER_ARRIVED = "never_arrived"  # looked up after a lost answer: the agency never had it
    WITHDRAWN_AT_AGENCY = "withdrawn_at_agency"
    WITHDRAWAL_REFUSED = "withdrawal_refused"


class PaymentEvent(StrEnum):
    # Values apart from ClaimEvent's: both share the one table below (a unit test holds them apart).
    REPORTED = "payment_reported"
    REFUSED = "payment_refused"
    NOT_PASSED_ON = "payment_not_passed_on"  # its claim ended without the agency before it was sent


DeliveryState = ClaimDelivery | PaymentDelivery
DeliveryEvent = ClaimEvent | PaymentEvent
C, P, E, PE = ClaimDelivery, PaymentDelivery, ClaimEvent, PaymentEvent

# The one place where delivery states move: (from, event) -> to. Self-moves are listed where a
# repeat may happen (a sending whose lease ran out is sent again; both answers arrive).
TRANSITIONS: dict[tuple[DeliveryState, DeliveryEvent], DeliveryState] = {
    (C.FAILED, E.HAND_OVER_AGAIN): C.QUEUED,
    (C.WITHDRAWN, E.HAND_OVER_AGAIN): C.QUEUED,  # only one withdrawn before it reached the agency
    # The agency's answer is the truth about its case, whatever happened here meanwhile, except a
    # withdrawal on its way: that stays, and withdraws the case just created.
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
    (C.WITHDRAWAL_QUEUED, E.REFUSED): C.FAILED,  # nothing at the agency to withdraw
    (C.QUEUED, E.WITHDRAW): C.WITHDRAWAL_QUEUED,  # taken up by a worker: maybe on its way
    (C.SUBMITTED, E.WITHDRAW): C.WITHDRAWAL_QUEUED,
    (C.FAILED, E.WITHDRAW): C.WITHDRAWAL_QUEUED,
    (C.QUEUED, E.WITHDRAW_UNSENT): C.WITHDRAWN,
    (C.FAILED, E.WITHDRAW_UNSENT): C.WITHDRAWN,
    (C.WITHDRAWAL_QUEUED, E.NEVER_ARRIVED): C.WITHDRAWN,
    (C.WITHDRAWAL_QUEUED, E.WITHDRAWN_AT_AGENCY): C.WITHDRAWN,
    (C.WITHDRAWN, E.WITHDRAWN_AT_AGENCY): C.WITHDRAWN,
    (C.SUBMITTED, E.WITHDRAWN_AT_AGENCY): C.WITHDRAWN,  # a repeat's refusal was recorded first
    (C.WITHDRAWAL_QUEUED, E.WITHDRAWAL_REFUSED): C.SUBMITTED,  # the case stays at the agency
    (C.WITHDRAWN, E.WITHDRAWAL_REFUSED): C.WITHDRAWN,  # a repeat refused: the first one went through
    (P.QUEUED, PE.REPORTED): P.SENT,
    (P.SENT, PE.REPORTED): P.SENT,
    (P.QUEUED, PE.REFUSED): P.FAILED,
    (P.FAILED, PE.REFUSED): P.FAILED,
    (P.QUEUED, PE.NOT_PASSED_ON): P.NONE,
}

# -- named groups --------------------------------------------------------------------------------
# Handed over and not ended: on its way to the agency, there, or being withdrawn there. Payments on
# such a claim are passed on to 1159 Finance; the dashboard counts these as open.
OPEN: tuple[ClaimDelivery, ...] = (C.QUEUED, C.SUBMITTED, C.WITHDRAWAL_QUEUED)
# Not ended here: the open ones and a refused one (waiting to be corrected and handed over again).
UNSETTLED: tuple[ClaimDelivery, ...] = (*OPEN, C.FAILED)
# Withdrawn, or its withdrawal on the way: it cannot be withdrawn again.
WITHDRAWING: tuple[ClaimDelivery, ...] = (C.WITHDRAWAL_QUEUED, C.WITHDRAWN)
# States that finding the case at the agency changes (the rest keep what they are).
AWAITING_CASE: tuple[ClaimDelivery, ...] = tuple(
    s for s in C if TRANSITIONS.get((s, E.FOUND_AT_AGENCY), s) != s
)
# Direct payments the agency knows of, or will once the outbox delivered them.
PASSED_ON: tuple[PaymentDelivery, ...] = (P.SENT, P.QUEUED)

# -- German labels -------------------------------------------------------------------------------
# Keyed by the enums; looked up with stored text as well (a StrEnum member equals its value).
NOT_YET_AT_AGENCY = "noch nicht übermittelt"
CLAIM_DELIVERY_LABEL: dict[str, str] = {
    C.QUEUED: "vorgemerkt, wird an 1159 Finance übermittelt",
    C.SUBMITTED: "an 1159 Finance übermittelt",
    C.FAILED: "von 1159 Finance abgelehnt",
    C.WITHDRAWAL_QUEUED: "Rücknahme wird übermittelt",
    C.WITHDRAWN: "zurückgezogen",
}
PAYMENT_DELIVERY_LABEL: dict[str, str] = {
    P.NONE: "nicht gemeldet (keine Forderung)",
    P.QUEUED: "Meldung an 1159 Finance ausstehend",
    P.SENT: "an 1159 Finance gemeldet",
    P.FAILED: "von 1159 Finance abgelehnt",
}
AGENCY_STATUS_LABEL: dict[str, str] = {
    AgencyStatus.RECEIVED: "in Prüfung bei 1159 Finance",
    AgencyStatus.IN_COLLECTION: "im Inkasso",
    AgencyStatus.INSTALMENT: "Ratenzahlung vereinbart",
    AgencyStatus.LEGAL: "gerichtliches Mahnverfahren",
    AgencyStatus.PAID: "vollständig bezahlt",
    AgencyStatus.UNCOLLECTIBLE: "uneinbringlich",
    AgencyStatus.WITHDRAWN: "zurückgezogen",
}
FEE_LABEL: dict[str, str] = {
    FeeKind.COLLECTION_FEE: "Inkassokosten",
    FeeKind.EXPENSES: "Auslagen",
    FeeKind.REMINDER_FEE: "Mahngebühr",
    FeeKind.INTEREST: "Zinsen",
}
_EVENT_TEXT: dict[DeliveryEvent, str] = {
    E.HAND_OVER_AGAIN: "erneut übergeben",
    E.ACCEPTED: "als angelegt vermerken",
    E.FOUND_AT_AGENCY: "als bei 1159 Finance gefunden vermerken",
    E.REFUSED: "als abgelehnt vermerken",
    E.WITHDRAW: "zurückziehen",
    E.WITHDRAW_UNSENT: "vor der Übermittlung zurückziehen",
    E.NEVER_ARRIVED: "als nie angekommen vermerken",
    E.WITHDRAWN_AT_AGENCY: "als bei 1159 Finance zurückgezogen vermerken",
    E.WITHDRAWAL_REFUSED: "Rücknahme als abgelehnt vermerken",
    PE.REPORTED: "als gemeldet vermerken",
    PE.REFUSED: "als abgelehnt vermerken",
    PE.NOT_PASSED_ON: "als nicht weitergegeben vermerken",
}


@overload
def advance(current: str, event: ClaimEvent) -> ClaimDelivery: ...
@overload
def advance(current: str, event: PaymentEvent) -> PaymentDelivery: ...
def advance(current: str, event: DeliveryEvent) -> DeliveryState:
    """The delivery state after `event`, or IllegalTransition with a German explanation."""
    kind: type[ClaimDelivery] | type[PaymentDelivery] = C if isinstance(event, ClaimEvent) else P
    noun, subject = ("Forderung", "claim") if kind is C else ("Zahlung", "payment")
    state = kind(current) if current in kind._value2member_map_ else None
    target = None if state is None else TRANSITIONS.get((state, event))
    if state is None or target is None:
        shown = current if state is None else delivery_label(state)
        raise IllegalTransition(
            f"Die {noun} ist „{shown}“; „{_EVENT_TEXT[event]}“ geht in diesem Zustand nicht.",
            f"illegal {subject} delivery move {event} from {current!r}",
        )
    return target


def delivery_label(state: DeliveryState) -> str:
    return (CLAIM_DELIVERY_LABEL if isinstance(state, ClaimDelivery) else PAYMENT_DELIVERY_LABEL)[state]


def agency_label(status: str) -> str:
    """The agency's case state in German; none yet: not yet at the agency."""
    return AGENCY_STATUS_LABEL.get(status, status) if status else NOT_YET_AT_AGENCY


def claim_label(delivery: str, agency_status: str) -> str:
    """What staff see as a claim's status: its delivery while that is the news, else the agency's."""
    if delivery in (C.QUEUED, C.FAILED, C.WITHDRAWAL_QUEUED) or not agency_status:
        return CLAIM_DELIVERY_LABEL.get(delivery, delivery)
    return agency_label(agency_status)


def payment_label(delivery: str) -> str:
    return PAYMENT_DELIVERY_LABEL.get(delivery, delivery)


def fee_label(kind: str) -> str:
    return FEE_LABEL.get(kind, kind)


__all__ = [
    "AGENCY_STATUS_LABEL",
    "AWAITING_CASE",
    "CLAIM_DELIVERY_LABEL",
    "FEE_LABEL",
    "NOT_YET_AT_AGENCY",
    "OPEN",
    "PASSED_ON",
    "PAYMENT_DELIVERY_LABEL",
    "TRANSITIONS",
    "UNSETTLED",
    "WITHDRAWING",
    "AgencyStatus",
    "ClaimDelivery",
    "ClaimEvent",
    "DeliveryEvent",
    "DeliveryState",
    "FeeKind",
    "PaymentDelivery",
    "PaymentEvent",
    "advance",
    "agency_label",
    "claim_label",
    "delivery_label",
    "fee_label",
    "payment_label",
]
