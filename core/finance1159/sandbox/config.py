"""Settings of the local sandbox, derived from the product's Settings by the caller."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from core.config import MailSecurity, Settings

__all__ = ["SandboxConfig"]


@dataclass(frozen=True, kw_only=True)
class SandboxConfig:
    client_id: str
    api_key: str
    data_dir: Path
    seed: int = 1159
    public_url: str = "http://127.0.0.1:8159"
    practice_email: str = "praxis@example.org"
    mail_domain: str = "1159finance.com"
    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_security: MailSecurity = MailSecurity.PLAIN
    smtp_user: str | None = None
    smtp_password: str | None = None
    smtp_cafile: str | None = None
    # Fallgebühr rows in statements only when set; the first `free_months` of the contract are free.
    case_fee: Decimal | None = None
    free_months: int = 6
    # A "timeout" fault holds the answer this long; the client's read timeout is 15 s.
    timeout_seconds: float = 20.0

    def __repr__(self) -> str:  # the key must not show up in logs
        return f"SandboxConfig(client_id={self.client_id!r}, data_dir={str(self.data_dir)!r})"

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        *,
        data_dir: Path,
        public_url: str,
        smtp_host: str | None = None,
        smtp_port: int | None = None,
    ) -> SandboxConfig:
        """The sandbox accepts the same credentials the client sends and mails the practice."""
        password = settings.smtp_password.get_secret_value() if settings.smtp_password else None
        return cls(
            client_id=settings.finance1159_client_id,
            api_key=settings.finance1159_api_key.get_secret_value(),
            data_dir=data_dir,
            seed=settings.sandbox_seed,
            public_url=public_url,
            practice_email=settings.practice_email,
            mail_domain=settings.finance1159_mail_domain,
            smtp_host=smtp_host or settings.smtp_host,
            smtp_port=smtp_port or settings.smtp_port,
            # An explicit --smtp-host is a local test server: plain SMTP, no login.
            smtp_security=MailSecurity.PLAIN if smtp_host else settings.smtp_security,
            smtp_user=None if smtp_host else settings.smtp_user,
            smtp_password=None if smtp_host else password,
            smtp_cafile=settings.smtp_cafile,
            case_fee=settings.case_fee if settings.sandbox_case_fees else None,
            free_months=settings.free_months,
        )
