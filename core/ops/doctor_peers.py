"""The peers `inkasso doctor` asks: the database (and its migration state), 1159 Finance, Telegram.
The mailbox and the mail server are asked by the mail door (cli/doctor_cmd.py)."""

from __future__ import annotations

import httpx
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from core.config import Settings
from core.db.engine import UnitOfWork, make_engine
from core.db.migrate import alembic_config
from core.domain.dates import format_datetime
from core.domain.errors import InkassoError, PeerUnavailable
from core.finance1159.client import make_client
from core.finance1159.errors import AuthenticationFailed
from core.ops import problems
from core.ops.doctor import Finding, ok, problem

__all__ = ["agency", "database", "recorded_problems", "telegram"]

DATABASE, AGENCY, TELEGRAM = "Datenbank", "1159 Finance", "Telegram"


def database(settings: Settings) -> Finding:
    path = settings.sqlite_path
    if path is not None and not path.exists():
        return problem(DATABASE, f"die Datei {path} gibt es nicht. `inkasso db upgrade` legt sie an.")
    engine = make_engine(settings.database_url)
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
            current = MigrationContext.configure(conn).get_current_revision()
    except SQLAlchemyError as exc:
        return problem(
            DATABASE,
            f"nicht erreichbar ({type(getattr(exc, 'orig', None) or exc).__name__}). Bitte "
            "DATABASE_URL prüfen und ob der Datenbankserver läuft.",
        )
    finally:
        engine.dispose()
    head = ScriptDirectory.from_config(alembic_config(engine)).get_current_head()
    if current != head:
        return problem(
            DATABASE,
            f"Schema auf Stand {current or 'leer'}, aktuell ist {head}. Bitte `inkasso db upgrade` "
            "ausführen (vorher `inkasso db backup`).",
        )
    return ok(DATABASE, f"erreichbar, Schema aktuell ({head}).")


async def agency(settings: Settings) -> Finding:
    """One harmless read with the practice's credentials: GET /cases?per_page=1."""
    client = make_client(settings.model_copy(update={"finance1159_max_attempts": 1}))
    where = settings.finance1159_base_url
    try:
        await client.list_cases(per_page=1)
    except AuthenticationFailed:
        return problem(
            AGENCY,
            f"{where} lehnt die Anmeldung ab (403). Bitte FINANCE1159_CLIENT_ID und FINANCE1159_API_KEY "
            "prüfen (Zugangsdaten von 1159 Finance) und den Worker danach neu starten.",
        )
    except PeerUnavailable:
        return problem(
            AGENCY, f"{where} ist nicht erreichbar. Bitte FINANCE1159_BASE_URL und die Verbindung prüfen."
        )
    except InkassoError as exc:
        return problem(AGENCY, f"{where} antwortet unerwartet: {exc.user_message}")
    finally:
        await client.aclose()
    return ok(AGENCY, f"{where} nimmt die Zugangsdaten an (Client-ID {settings.finance1159_client_id}).")


async def telegram(settings: Settings) -> Finding:
    """getMe with the bot token (a note when no bot is configured). The token never reaches a message."""
    token = settings.telegram_bot_token
    if token is None:
        return ok(TELEGRAM, "nicht eingerichtet (kein TELEGRAM_BOT_TOKEN, kein Bot).")
    url = f"{settings.telegram_api_base_url.rstrip('/')}/bot{token.get_secret_value()}/getMe"
    try:
        async with httpx.AsyncClient(timeout=10) as http:
            answer = await http.get(url)
    except httpx.HTTPError as exc:
        return problem(TELEGRAM, f"nicht erreichbar ({type(exc).__name__}). Bitte Internetverbindung prüfen.")
    if answer.status_code in (401, 404):
        return problem(
            TELEGRAM, "Telegram lehnt den Bot-Token ab. Bitte TELEGRAM_BOT_TOKEN von @BotFather prüfen."
        )
    if answer.status_code != 200:
        return problem(TELEGRAM, f"Telegram antwortet mit {answer.status_code}; bitte später erneut prüfen.")
    username = answer.json().get("result", {}).get("username", "?")
    return ok(TELEGRAM, f"Bot @{username} ist angemeldet.")


def recorded_problems(settings: Settings) -> list[Finding]:
    """What the running worker recorded as lasting problems (core.ops.problems), each one a finding."""
    engine = make_engine(settings.database_url)
    try:
        found = problems.active(UnitOfWork(engine, settings), practice_id=settings.practice_id)
    finally:
        engine.dispose()
    return [problem("Worker meldet", f"{p.text} (seit {format_datetime(p.since)})") for p in found]
