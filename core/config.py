"""Settings from the environment and `.env`; built by the caller, never at import time."""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum
from pathlib import Path

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from core.domain.case_fees import DEFAULT_FREE_MONTHS
from core.domain.chat_privacy import ChatPrivacy
from core.domain.claims import REMINDER_DEADLINE_DAYS

__all__ = [
    "DEFAULT_SANDBOX_URL",
    "DEFAULT_SQLITE_URL",
    "DEMO_API_KEY",
    "DEMO_CLIENT_ID",
    "MailSecurity",
    "Settings",
]

DEFAULT_SQLITE_URL = "sqlite:///./data/praxis-inkasso.db"
DEFAULT_SANDBOX_URL = "http://127.0.0.1:8159/api/v1"
# Placeholders that ship in .env.example and the demo; refused when talking to the real agency.
DEMO_CLIENT_ID = "demo-praxis"
DEMO_API_KEY = "demo-key-nicht-geheim"


class MailSecurity(StrEnum):
    SSL = "ssl"
    STARTTLS = "starttls"
    PLAIN = "plain"


class Settings(BaseSettings):
    """Every setting of the product; `.env.example` explains each one."""

    # Empty values (`TELEGRAM_BOT_TOKEN=` in .env) mean "not set".
    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", env_ignore_empty=True
    )

    environment: str = "development"
    database_url: str = DEFAULT_SQLITE_URL
    data_dir: Path = Path("./data")
    practice_id: int = 1

    finance1159_base_url: str = DEFAULT_SANDBOX_URL
    finance1159_client_id: str = DEMO_CLIENT_ID
    finance1159_api_key: SecretStr = SecretStr(DEMO_API_KEY)
    finance1159_mail_domain: str = "1159finance.com"
    # The agency's IBAN its payouts come from (bank import); empty: recognised by its name alone.
    finance1159_payout_iban: str = ""
    finance1159_concurrency: int = Field(default=8, ge=1, le=64)
    finance1159_max_attempts: int = Field(default=5, ge=1, le=10)
    finance1159_backoff_base: float = Field(default=0.5, ge=0)
    finance1159_backoff_max: float = Field(default=8.0, ge=0)
    # The local sandbox: seed of its simulated debtors; Fallgebühr rows in its statements or not.
    sandbox_seed: int = 1159
    sandbox_case_fees: bool = False

    telegram_bot_token: SecretStr | None = None
    telegram_api_base_url: str = "https://api.telegram.org"
    telegram_webhook_url: str | None = None
    telegram_webhook_port: int = 8443
    practice_chat_id: int | None = None
    # What patient data chats and mail answers show: minimal (initials, postal code) or full.
    chat_privacy: ChatPrivacy = ChatPrivacy.MINIMAL

    imap_host: str | None = None
    imap_port: int = 993
    imap_user: str | None = None
    imap_password: SecretStr | None = None
    imap_security: MailSecurity = MailSecurity.SSL
    imap_folder: str = "INBOX"
    imap_done_folder: str = "Praxis-Inkasso"
    imap_cafile: str | None = None
    imap_poll_seconds: int = Field(default=60, ge=1)
    # Mail acts only on a DKIM/DMARC pass in the topmost Authentication-Results header of this
    # server (its authserv-id); without it nothing acts by mail (docs/security.md).
    mail_authserv_id: str | None = None
    # Retired: evidence is always required now; an old `false` loosens nothing (doctor says so).
    mail_require_auth_results: bool | None = None
    # Whole mail as stored (base64 adds a third): a 25 MB attachment still fits.
    mail_max_bytes: int = 40_000_000
    # IMAP IDLE is re-issued after this long (RFC 2177: servers log out after 30 minutes).
    imap_idle_seconds: int = Field(default=25 * 60, ge=5, le=29 * 60)

    smtp_host: str | None = None
    smtp_port: int = 465
    smtp_user: str | None = None
    smtp_password: SecretStr | None = None
    smtp_security: MailSecurity = MailSecurity.SSL
    smtp_cafile: str | None = None

    # Only seeds the practice's stored address (Praxisdaten) at set-up; mail uses the stored one.
    practice_email: str = "praxis@example.org"
    # Without a Telegram bot, notifications for the practice chat go to this address by mail.
    mail_notify_to: str | None = None
    support_email: str = "support@1159finance.com"

    case_fee: Decimal = Field(default=Decimal("2.50"), ge=Decimal("2.50"), le=Decimal("5.00"))
    free_months: int = DEFAULT_FREE_MONTHS  # the first contract months without a case fee
    # The payment deadline a reminder sets; it counts as the § 203 basis only after this passed.
    reminder_deadline_days: int = Field(default=REMINDER_DEADLINE_DAYS, ge=1, le=90)
    # Whether the practice's invoices tell consumers that they default 30 days after receipt
    # (§ 286 Abs. 3 BGB); without it only a reminder puts a consumer in default.
    invoices_carry_consumer_notice: bool = False
    # A recognised payment whose number and amount are both certain is accepted without a person.
    payments_auto_accept_exact: bool = False

    outbox_interval_seconds: float = 5.0
    # How long a worker that died mid-send holds an outbox item before another may resend it.
    outbox_lease_seconds: float = Field(default=300.0, gt=0)
    sync_interval_seconds: float = 300.0
    # How often a worker looks for notifications to post in the practice chat.
    notify_interval_seconds: float = Field(default=5.0, gt=0)
    session_timeout_minutes: int = 30
    # A dashboard login ends after this long even when used all the time (the token's signed age).
    session_max_hours: int = Field(default=12, gt=0)
    # Signs the dashboard's login tokens; when unset, one is generated into DATA_DIR on first use.
    session_secret: SecretStr | None = None

    # Defaults until `inkasso books setup` stored the practice's own (accounts: chart presets).
    datev_consultant_number: str = "1001"
    datev_client_number: str = "1"

    # Retention periods in years, counted from the end of the calendar year the record arose in;
    # sources and what `inkasso privacy purge` erases after them: docs/retention.md.
    retention_patient_record_years: int = Field(default=10, ge=1, le=100)  # § 630f Abs. 3 BGB
    retention_booking_years: int = Field(default=10, ge=1, le=100)  # § 147 AO, § 257 HGB
    retention_letter_years: int = Field(default=6, ge=1, le=100)  # § 147 Abs. 3 AO, § 257 Abs. 4 HGB

    @property
    def is_production(self) -> bool:
        return self.environment == "production"

    @property
    def talks_to_live_agency(self) -> bool:
        return "partner.1159finance.com" in self.finance1159_base_url

    @model_validator(mode="after")
    def _refuse_placeholder_secrets(self) -> Settings:
        if self.is_production or self.talks_to_live_agency:
            if self.finance1159_api_key.get_secret_value() == DEMO_API_KEY:
                raise ValueError(
                    "FINANCE1159_API_KEY ist noch der Demo-Platzhalter; bitte den echten Schlüssel eintragen."
                )
        return self

    @property
    def sqlite_path(self) -> Path | None:
        if not self.database_url.startswith("sqlite:///"):
            return None
        return Path(self.database_url.removeprefix("sqlite:///"))
