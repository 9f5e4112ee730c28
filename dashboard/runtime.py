"""What every dashboard page shares: the App, the logged-in actor, session timeout, errors, formats.

Pages stay thin: they call `page_context()` for the App and the actor, then core services.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import TypeVar

import streamlit as st
from pydantic import ValidationError

from core.bootstrap import App
from core.domain.dates import format_date, format_datetime
from core.domain.errors import InkassoError
from core.domain.money import format_eur
from core.finance1159.client import Finance1159Client
from core.services.people import audit, sessions
from core.services.people.access import Actor, Permission
from dashboard.held import held, run_async
from dashboard.login_cookie import cookie_token, write_cookie

__all__ = [
    "AUTH",
    "Context",
    "EXPIRED",
    "FLASH",
    "LOGGED_OUT",
    "MANAGERS_ONLY",
    "T",
    "current_actor",
    "day",
    "eur",
    "friendly",
    "get_app",
    "log_in",
    "log_out",
    "month_label",
    "page_context",
    "plain",
    "with_finance",
]

T = TypeVar("T")
log = logging.getLogger("inkasso.dashboard")
AUTH = "auth"
FLASH = "flash"
EXPIRED = "Ihre Sitzung ist abgelaufen. Bitte melden Sie sich erneut an."
MANAGERS_ONLY = "Diese Seite ist nur für Praxisleitungen."
LOGGED_OUT = "logged_out"  # the next page run removes the login cookie from the browser
_REFUSED = "login_refused"


def get_app() -> App:
    """The App for this process; a German message instead of a traceback when it cannot be built."""
    try:
        return held().app
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc'])).upper()}: {e['msg']}" for e in exc.errors())
        st.error(f"Die Einstellungen sind ungültig: {problems}")
    except Exception:
        log.exception("dashboard could not start")
        st.error(
            "Die Datenbank ist nicht erreichbar. Bitte DATABASE_URL prüfen und das Dashboard neu starten."
        )
    st.stop()
    raise AssertionError("unreachable")


def current_actor(app: App | None = None) -> Actor | None:
    """The logged-in actor, or None. Checked against the login's row on every page run, so a logout
    in another tab or an idle timeout ends this session too; a fresh session (a reload, a deep link)
    resumes the login from the browser's cookie."""
    app = app or get_app()
    auth = st.session_state.get(AUTH)
    token = auth.get("token") if auth else cookie_token()
    if not token or (not auth and st.session_state.get(_REFUSED) == token):
        return None
    actor = sessions.resume_login(app.uow(), practice_id=app.practice_id, token=str(token))
    if actor is None:
        if auth:  # ended while in use: say so on the login page
            st.session_state.pop(AUTH, None)
            st.session_state[FLASH] = EXPIRED
        st.session_state[_REFUSED] = token  # a stale cookie is not looked up on every click
        return None
    st.session_state[AUTH] = {"token": token}
    write_cookie(str(token), app.settings.session_max_hours * 3600)
    return actor


def log_in(app: App, actor: Actor) -> None:
    """Start a login (a signed token, never the password) kept in the session and, from the next
    page run on, in the browser's cookie."""
    token = sessions.start_login(app.uow(), practice_id=app.practice_id, actor=actor)
    st.session_state[AUTH] = {"token": token}
    st.session_state.pop(FLASH, None)


def log_out(app: App, actor: Actor) -> None:
    """End every login of this user (all tabs and browsers), then forget this session's state."""
    if actor.user_id is not None:
        sessions.end_logins(app.uow(), practice_id=app.practice_id, user_id=actor.user_id)
    with app.uow() as uow:
        audit.record(uow.session, practice_id=app.practice_id, actor=actor, action="logout")
        uow.commit()
    refused = (st.session_state.get(AUTH) or {}).get("token")
    for key in list(st.session_state.keys()):
        del st.session_state[key]
    st.session_state[_REFUSED] = refused
    st.session_state[LOGGED_OUT] = True


@dataclass(frozen=True)
class Context:
    app: App
    actor: Actor

    @property
    def practice_id(self) -> int:
        return self.app.practice_id


def page_context(permission: Permission = Permission.VIEW) -> Context:
    """The App and the actor for a page; stops the page with a German message otherwise."""
    app = get_app()
    actor = current_actor(app)
    if actor is None:
        st.warning(st.session_state.get(FLASH) or "Bitte zuerst anmelden.")
        st.stop()
    assert actor is not None
    if not actor.may(permission):
        st.error(MANAGERS_ONLY)
        st.stop()
    return Context(app, actor)


@contextmanager
def friendly() -> Iterator[None]:
    """Our errors as a German message; anything else logged, with a short German notice."""
    try:
        yield
    except InkassoError as exc:
        log.info("refused: %s", exc.log_message)
        st.error(plain(exc.user_message))
    except Exception:
        log.exception("unexpected dashboard error")
        st.error("Unerwarteter Fehler. Bitte erneut versuchen; Details stehen im Protokoll des Servers.")


def with_finance(app: App, call: Callable[[Finance1159Client], Awaitable[T]]) -> T:
    """Run one async call against 1159 Finance with the App's client (opened on the loop thread)."""

    async def go() -> T:
        return await call(app.finance())

    return run_async(go())


_MARKDOWN = re.compile(r"([\\`*_\[\]<>$~#|])")


# Streamlit's GFM links bare URLs even when escaped; an invisible word joiner after the scheme's
# colon (or after "www") keeps them text. A line starting with a number and dot, "-", "+" or "="
# would become a list, a rule or a heading.
_AUTOLINK = re.compile(r"(?i)(?<=[a-z])(?=://)|(?<=\bwww)(?=\.)")
_LINE_START = re.compile(r"^(\s*\d*)([.)]|(?<!\d)[-+=])", re.MULTILINE)


def plain(text: str) -> str:
    """Text from data (names, agency texts, our messages quoting input) shown literally, not as markdown."""
    escaped = _LINE_START.sub(r"\1\\\2", _MARKDOWN.sub(r"\\\1", text))
    return _AUTOLINK.sub("\u2060", escaped)


def eur(value: Decimal | None) -> str:
    return "–" if value is None else format_eur(value)


def day(value: date | datetime | None) -> str:
    if isinstance(value, datetime):
        return format_datetime(value)
    return format_date(value)


def month_label(key: str) -> str:
    """`2026-10` → `10/2026`."""
    return f"{key[5:7]}/{key[:4]}"
