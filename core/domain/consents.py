"""Which consent counts on a day, and whether the patient revoked it (pure, no I/O).

A patient's revocation (Art. 7 Abs. 3 GDPR) is theirs, not one form's: from its day on no consent
signed on or before it counts, whichever invoice it was for; only a consent signed after it does.
`core.domain.claims.legal_basis` builds the § 203 rule on these two functions; the SQL twin for
listings is `core/services/invoicing/invoice_sql.has_legal_basis`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

__all__ = ["DEFAULT_SCOPE", "ConsentSpan", "consent_in_force", "revoked_on", "standing_revocation"]

DEFAULT_SCOPE = "Inkasso durch 1159 Finance"


@dataclass(frozen=True)
class ConsentSpan:
    """One consent of the invoice's patient: given, perhaps revoked, and whether it covers the
    invoice in question (one for all the patient's invoices, or for this one)."""

    given_on: date
    revoked: date | None = None
    covers: bool = True


def revoked_on(consents: Iterable[ConsentSpan], on: date) -> date | None:
    """The patient's latest revocation on or before `on`, of any of their consents."""
    return max((c.revoked for c in consents if c.revoked is not None and c.revoked <= on), default=None)


def consent_in_force(consents: Iterable[ConsentSpan], on: date) -> date | None:
    """The newest consent covering the invoice that counts on `on`: given by then, not revoked by
    then, and signed after the patient's latest revocation."""
    spans = list(consents)
    last = revoked_on(spans, on)
    return max(
        (
            c.given_on
            for c in spans
            if c.covers
            and c.given_on <= on
            and (c.revoked is None or c.revoked > on)
            and (last is None or c.given_on > last)
        ),
        default=None,
    )


def standing_revocation(consents: Iterable[ConsentSpan], on: date) -> date | None:
    """The revocation that stands on `on` for the invoice: made, and no newer consent counts since."""
    spans = list(consents)
    return None if consent_in_force(spans, on) is not None else revoked_on(spans, on)
