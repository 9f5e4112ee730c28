"""The month's bookings from the product's own records, in the statement's vocabulary.

One booking per payment, fee and case fee, with the same kinds as the agency's statement CSV
(`statement_csv.BOOKING_KINDS`), so reports and the reconciliation read the same lines.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlmodel import Session, col, select

from core.db.models import Claim, Fee, Payment
from core.domain.claim_lifecycle import PASSED_ON
from core.domain.dates import local_zone, parse_month, today
from core.domain.errors import InvalidInput

__all__ = [
    "Booking",
    "DEBTOR_FEE_KINDS",
    "KIND_LABEL",
    "Period",
    "bookings",
    "case_fee_claims",
    "local_day",
    "period",
]

# Our kind → the statement's Buchungsart (the inverse of statement_csv.BOOKING_KINDS)
KIND_LABEL = {
    "debtor_payment": "Zahlung Schuldner",
    "creditor_payment": "Zahlung Gläubiger",
    "collection_fee": "Inkassokosten",
    "expenses": "Auslagen",
    "reminder_fee": "Mahngebühr",
    "interest": "Zinsen",
    "case_fee": "Fallgebühr",
    "payout": "Auszahlung",
}
DEBTOR_FEE_KINDS = ("collection_fee", "expenses", "reminder_fee", "interest")


@dataclass(frozen=True)
class Period:
    """A calendar month: `month` is `JJJJ-MM`, `end` the first day of the next month."""

    month: str
    start: date
    end: date

    @property
    def label(self) -> str:
        """`10/2026`, as the agency's subject line writes it."""
        return f"{self.start.month:02d}/{self.start.year}"

    # Hand-overs are timestamps: the month runs from local midnight to local midnight.
    @property
    def start_at(self) -> datetime:
        return datetime(self.start.year, self.start.month, 1, tzinfo=local_zone())

    @property
    def end_at(self) -> datetime:
        return datetime(self.end.year, self.end.month, 1, tzinfo=local_zone())


def period(month: str, *, on: date | None = None, allow_future: bool = False) -> Period:
    """Parse `JJJJ-MM` (or `MM/JJJJ`); a month that has not begun yet is refused in German."""
    year, mon = parse_month(month)
    if not 2000 <= year <= 2100:
        raise InvalidInput(f"Das Jahr {year} ist unplausibel. Bitte so angeben: JJJJ-MM, z. B. 2026-10.")
    start = date(year, mon, 1)
    end = date(year + mon // 12, mon % 12 + 1, 1)
    on = on or today()
    if start > on and not allow_future:
        raise InvalidInput(
            f"Der Monat {mon:02d}/{year} liegt in der Zukunft; dafür gibt es noch keine Buchungen."
        )
    return Period(f"{year:04d}-{mon:02d}", start, end)


@dataclass(frozen=True)
class Booking:
    claim_id: int | None
    case_id: int | None
    reference: str  # the invoice number
    day: date
    kind: str  # a key of KIND_LABEL
    amount: Decimal

    @property
    def label(self) -> str:
        return KIND_LABEL.get(self.kind, self.kind)


def bookings(session: Session, *, practice_id: int, span: Period) -> list[Booking]:
    """Every booking of the month from our records, ordered by case, day and kind."""
    found: list[Booking] = []
    pay_rows = session.exec(
        select(Payment.source, Payment.amount, Payment.paid_on, Claim.id, Claim.case_id, Claim.reference)  # type: ignore[call-overload]
        .join(Claim, col(Claim.id) == col(Payment.claim_id))
        .where(
            Payment.practice_id == practice_id,
            col(Payment.paid_on) >= span.start,
            col(Payment.paid_on) < span.end,
            (col(Payment.source) == "agency") | col(Payment.delivery).in_(PASSED_ON),
        )
    ).all()
    for source, amount, paid_on, claim_id, case_id, ref in pay_rows:
        kind = "debtor_payment" if source == "agency" else "creditor_payment"
        found.append(Booking(claim_id, case_id, ref, paid_on, kind, amount))
    fee_rows = session.exec(
        select(Fee.type, Fee.amount, Fee.charged_on, Claim.id, Claim.case_id, Claim.reference)  # type: ignore[call-overload]
        .join(Claim, col(Claim.id) == col(Fee.claim_id))
        .where(
            Fee.practice_id == practice_id, col(Fee.charged_on) >= span.start, col(Fee.charged_on) < span.end
        )
    ).all()
    found += [Booking(cid, case, ref, day, kind, amt) for kind, amt, day, cid, case, ref in fee_rows]
    for claim in case_fee_claims(session, practice_id=practice_id, span=span):
        found.append(
            Booking(
                claim.id,
                claim.case_id,
                claim.reference,
                local_day(claim.created_at),
                "case_fee",
                claim.case_fee,
            )
        )
    return sorted(found, key=lambda b: (b.case_id or 0, b.reference, b.day, b.kind, b.amount))


def local_day(at: datetime) -> date:
    """The Berlin calendar day of a stored (UTC) moment: 00:30 on 1 November is in November."""
    return at.astimezone(local_zone()).date()


def case_fee_claims(session: Session, *, practice_id: int, span: Period) -> list[Claim]:
    """Claims handed over in the month that cost the practice a case fee (after the free months)."""
    return list(
        session.exec(
            select(Claim).where(
                Claim.practice_id == practice_id,
                col(Claim.case_id).is_not(None),
                col(Claim.case_fee) > 0,
                col(Claim.created_at) >= span.start_at,
                col(Claim.created_at) < span.end_at,
            )
        ).all()
    )
