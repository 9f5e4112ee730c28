"""The one composition root: wires settings, database, the 1159 Finance client and the mailer."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy.engine import Engine

from core.config import Settings
from core.db.engine import UnitOfWork, make_engine
from core.db.migrate import upgrade
from core.services.messaging.ports import Mailer
from core.smtp.mailer import SmtpMailer

__all__ = ["App", "build", "configure_logging"]

if TYPE_CHECKING:
    from core.finance1159.client import Finance1159Client


@dataclass
class App:
    """Everything a door needs; built by `build()`, closed with `aclose()`."""

    settings: Settings
    engine: Engine
    practice_id: int
    mailer: Mailer
    _finance: Finance1159Client | None = field(default=None, repr=False)

    def uow(self) -> UnitOfWork:
        return UnitOfWork(self.engine, self.settings)

    def finance(self) -> Finance1159Client:
        """The 1159 Finance client, opened on first use (inside the running event loop)."""
        if self._finance is None:
            from core.finance1159.client import make_client

            self._finance = make_client(self.settings)
        return self._finance

    async def aclose(self) -> None:
        if self._finance is not None:
            await self._finance.aclose()
        self._finance = None

    def close(self) -> None:
        self.engine.dispose()


def build(
    settings: Settings | None = None,
    *,
    engine: Engine | None = None,
    finance: Finance1159Client | None = None,
    mailer: Mailer | None = None,
    migrate: bool = True,
) -> App:
    """Wire the product; tests pass their own peers (engine, client, mailer) through the keywords."""
    settings = settings or Settings()
    engine = engine or make_engine(settings.database_url)
    if migrate:
        upgrade(engine)
    wired = engine  # bound for the closure below (mypy: not Optional)
    mailer = mailer or SmtpMailer(settings, lambda: UnitOfWork(wired, settings))
    return App(
        settings=settings, engine=engine, practice_id=settings.practice_id, mailer=mailer, _finance=finance
    )


def configure_logging(level: int = logging.INFO, *, log_file: Path | None = None) -> None:
    """Console logging at `level`; with `log_file`, everything from INFO up goes there too."""
    root = logging.getLogger()
    if not root.handlers:
        fmt = logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
        console = logging.StreamHandler()
        console.setLevel(level)
        console.setFormatter(_OneLine("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        root.addHandler(console)
        if log_file is not None:
            log_file.parent.mkdir(parents=True, exist_ok=True)
            to_file = logging.FileHandler(log_file, encoding="utf-8")
            to_file.setLevel(logging.INFO)
            to_file.setFormatter(fmt)
            root.addHandler(to_file)
        root.setLevel(min(level, logging.INFO) if log_file else level)
    # Bot API and 1159 Finance URLs and headers must never reach a log line.
    for noisy in ("httpx", "httpcore", "telegram.ext.Updater", "alembic.runtime.migration"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


class _OneLine(logging.Formatter):
    """Console lines without tracebacks: people at the terminal get one line, the log file the rest."""

    def format(self, record: logging.LogRecord) -> str:
        saved = record.exc_info, record.exc_text
        record.exc_info, record.exc_text = None, None
        try:
            return super().format(record)
        finally:
            record.exc_info, record.exc_text = saved
