"""Whether a credit on the bank is a payout of 1159 Finance rather than a patient's payment."""

from __future__ import annotations

import re

from core.domain.bank import BankTransaction

__all__ = ["is_agency_payout"]

_NAME = re.compile(r"1159\s*-?\s*finance", re.IGNORECASE)


def is_agency_payout(tx: BankTransaction, *, payout_iban: str = "") -> bool:
    """From the configured IBAN (FINANCE1159_PAYOUT_IBAN), or "1159 Finance" in the payer's name."""
    if payout_iban and tx.iban.replace(" ", "").upper() == payout_iban:
        return True
    return bool(_NAME.search(tx.payer))
