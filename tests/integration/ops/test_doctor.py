"""`inkasso doctor` against real peers: each one up, then each one down (or refusing), one at a
time; the finding names what is wrong and how to fix it, and the exit code is 0 only when all
configured peers work."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.script import ScriptDirectory

from cli.doctor_cmd import findings
from core.bootstrap import build
from core.config import Settings
from core.db.engine import make_engine
from core.db.migrate import MIGRATIONS, alembic_config
from core.ops import doctor, problems
from core.ops.doctor import Level
from tests.integration.collection.claims_helpers import dead_url
from tests.peers.botapi import FakeBotAPI
from tests.peers.dovecot import Dovecot
from tests.peers.ports import free_port
from tests.peers.sandbox import SandboxHandle
from tests.peers.smtp import SmtpServer, mail_settings_for

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def everything_up(
    sqlite_url: str,
    tmp_path: Path,
    sandbox: SandboxHandle,
    fake_botapi: FakeBotAPI,
    mailbox_clean: Dovecot,
    smtp_server_starttls: SmtpServer,
) -> dict[str, Any]:
    build(Settings(database_url=sqlite_url, data_dir=tmp_path)).close()  # migrated to head
    return {
        "database_url": sqlite_url,
        "data_dir": str(tmp_path),
        "finance1159_base_url": sandbox.base_url,
        "finance1159_client_id": sandbox.client_id,
        "finance1159_api_key": sandbox.api_key,
        "telegram_bot_token": fake_botapi.token,
        "telegram_api_base_url": fake_botapi.base,
        "practice_chat_id": "-100777",
        "mail_require_auth_results": "true",
        **mail_settings_for(mailbox_clean, smtp_server_starttls),
    }


async def check(values: dict[str, Any]) -> list[doctor.Finding]:
    return await findings(Settings(**values))


def bad(found: list[doctor.Finding]) -> list[doctor.Finding]:
    return [f for f in found if f.level is not Level.OK]


async def test_everything_configured_and_up_is_all_green_and_exits_0(everything_up: dict[str, Any]) -> None:
    found = await check(everything_up)
    assert bad(found) == []
    areas = {f.area for f in found}
    assert {"Datenbank", "1159 Finance", "Telegram", "Postfach (IMAP)", "Mailversand (SMTP)"} <= areas
    code, output = await run_doctor(everything_up)
    assert code == 0, output
    assert "Alles in Ordnung." in output and "@praxis_test_bot" in output


def _outdated_database(values: dict[str, Any]) -> None:
    path = Path(values["data_dir"]) / "old.db"
    values["database_url"] = f"sqlite:///{path}"
    engine = make_engine(values["database_url"])
    command.upgrade(alembic_config(engine), "0003")
    engine.dispose()


DOWN = {
    "database file missing": (
        lambda v: v.update(database_url=f"sqlite:///{v['data_dir']}/fehlt.db"),
        "Datenbank",
        "inkasso db upgrade",
    ),
    "database server down": (
        lambda v: v.update(database_url=f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/x"),
        "Datenbank",
        "DATABASE_URL prüfen",
    ),
    "database schema old": (_outdated_database, "Datenbank", "Schema auf Stand 0003"),
    "agency down": (lambda v: v.update(finance1159_base_url=dead_url()), "1159 Finance", "nicht erreichbar"),
    "agency refuses the key": (
        lambda v: v.update(finance1159_api_key="falsch"),
        "1159 Finance",
        "FINANCE1159_API_KEY",
    ),
    "telegram refuses the token": (
        lambda v: v.update(telegram_bot_token="999:falsch"),
        "Telegram",
        "TELEGRAM_BOT_TOKEN",
    ),
    "telegram down": (
        lambda v: v.update(telegram_api_base_url=f"http://127.0.0.1:{free_port()}"),
        "Telegram",
        "nicht erreichbar",
    ),
    "mailbox refuses the login": (
        lambda v: v.update(imap_password="falsch"),
        "Postfach (IMAP)",
        "IMAP_PASSWORD",
    ),
    "mailbox down": (lambda v: v.update(imap_port=str(free_port())), "Postfach (IMAP)", "nicht erreichbar"),
    "mailbox folder missing": (
        lambda v: v.update(imap_folder="Gibtsnicht"),
        "Postfach (IMAP)",
        "IMAP_FOLDER",
    ),
    "mail server refuses the login": (
        lambda v: v.update(smtp_password="falsch"),
        "Mailversand (SMTP)",
        "SMTP_PASSWORD",
    ),
    "mail server down": (
        lambda v: v.update(smtp_port=str(free_port())),
        "Mailversand (SMTP)",
        "nicht erreichbar",
    ),
    "half a mailbox": (lambda v: v.pop("imap_user"), "Postfach (IMAP)", "es fehlt IMAP_USER"),
    "no authserv-id": (lambda v: v.pop("mail_authserv_id"), "Absenderprüfung", "MAIL_AUTHSERV_ID"),
}


@pytest.mark.parametrize("case", list(DOWN))
async def test_each_peer_down_or_refusing_is_one_finding_saying_how_to_fix_it(
    everything_up: dict[str, Any], case: str
) -> None:
    change, area, advice = DOWN[case]
    values = dict(everything_up)
    change(values)
    found = bad(await check(values))
    assert [(f.area, f.level) for f in found] == [(area, Level.PROBLEM)], [f.line for f in found]
    assert advice in found[0].message
    assert doctor.exit_code(found) == 1


async def test_half_a_mail_configuration_fails_the_command_in_german_and_creates_nothing(
    tmp_path: Path,
) -> None:
    values = {"database_url": f"sqlite:///{tmp_path / 'nie.db'}", "imap_host": "mail.praxis.test"}
    code, output = await run_doctor(values, cwd=tmp_path)
    assert code == 1
    assert "nur halb eingerichtet: IMAP_HOST ist gesetzt, es fehlt IMAP_USER, IMAP_PASSWORD" in output
    assert "Es gibt Probleme" in output
    assert not (tmp_path / "nie.db").exists()


async def test_a_problem_the_worker_recorded_is_reported_by_the_doctor(everything_up: dict[str, Any]) -> None:
    app = build(Settings(**everything_up))
    problems.report(app.uow(), practice_id=app.practice_id, source=problems.MAILBOX)
    app.close()
    found = bad(await check(everything_up))
    assert [f.area for f in found] == ["Worker meldet"]
    assert "Postfach lehnt die Anmeldung ab" in found[0].message


async def run_doctor(values: dict[str, Any], cwd: Path | None = None) -> tuple[int, str]:
    """`inkasso doctor` in a subprocess, its settings from the environment (no .env is read)."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("FINANCE1159_", "IMAP_", "SMTP_", "TELEGRAM"))
    }
    env |= {key.upper(): str(value) for key, value in values.items()}
    env["PYTHONPATH"] = str(ROOT)
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-c", "from cli.main import app; app()", "doctor",
        cwd=cwd or values.get("data_dir"), env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    output, _ = await asyncio.wait_for(proc.communicate(), 60)
    return proc.returncode or 0, output.decode()


def test_the_database_check_reads_the_revision_on_sqlite_and_postgresql(
    database_url: str, tmp_path: Path
) -> None:
    from core.ops import doctor_peers

    settings = Settings(database_url=database_url, data_dir=tmp_path)
    build(settings).close()  # migrated to head
    found = doctor_peers.database(settings)
    head = ScriptDirectory(str(MIGRATIONS)).get_current_head()
    assert found.level is Level.OK and f"Schema aktuell ({head})" in found.message
