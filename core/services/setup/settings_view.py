"""What the Einstellungen pages show beyond the Praxisdaten: the agency connection and the books' settings.

Read-only views of Settings and the stored practice; secrets are reported as set or not, never shown.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from core.config import DEMO_API_KEY, DEMO_CLIENT_ID, Settings
from core.db.engine import UnitOfWork
from core.services.accounting.book_settings import BookSetup, read_settings
from core.services.people.access import Actor
from core.services.setup import onboarding

__all__ = ["AgencyConnection", "BooksSettings", "agency_connection", "books"]

@dataclass(frozen=True)
class AgencyConnection:
    base_url: str
    client_id: str
    client_id_configured: bool  # not the demo placeholder
    key_configured: bool  # a key other than the demo placeholder is set
    live: bool  # the real agency, not a sandbox
    support_email: str


def agency_connection(settings: Settings) -> AgencyConnection:
    key = settings.finance1159_api_key.get_secret_value()
    return AgencyConnection(
        base_url=settings.finance1159_base_url,
        client_id=settings.finance1159_client_id,
        client_id_configured=bool(settings.finance1159_client_id)
        and settings.finance1159_client_id != DEMO_CLIENT_ID,
        key_configured=bool(key) and key != DEMO_API_KEY,
        live=settings.talks_to_live_agency,
        support_email=settings.support_email,
    )


@dataclass(frozen=True)
class BooksSettings:
    case_fee: Decimal
    free_months: int
    contract_start: date | None
    tax_number: str
    iban: str
    book: BookSetup  # chart, basis, DATEV numbers and accounts (stored, or the presets)


def books(uow: UnitOfWork, *, practice_id: int, actor: Actor, settings: Settings) -> BooksSettings:
    book = read_settings(uow, practice_id=practice_id, actor=actor, settings=settings)
    with uow:
        practice = onboarding.get_practice(uow, practice_id)
        return BooksSettings(
            case_fee=practice.case_fee,
            free_months=settings.free_months,
            contract_start=practice.contract_start,
            tax_number=practice.tax_number,
            iban=practice.iban,
            book=book,
        )
