"""Which pages the dashboard has, at which URL, for whom; so that every deep link opens its page.

Not logged in, every known address shows the login, and after it the page asked for (Streamlit
keys a page by its url_path, so the rerun after the login lands on the real page). An address the
user's role may not open and an unknown address show a German message instead of Streamlit's
English "Page not found"."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal
from urllib.parse import unquote, urlparse

import streamlit as st

from core.services.people.access import Actor, Permission

__all__ = ["KNOWN", "SETTINGS", "Spec", "login_pages", "member_pages", "requested_slug", "setup_pages"]


@dataclass(frozen=True)
class Spec:
    script: str
    title: str
    icon: str
    url_path: str
    permission: Permission = Permission.VIEW
    hidden: bool = False


MAIN = (
    Spec("views/overview.py", "Übersicht", ":material/dashboard:", "uebersicht"),
    Spec("views/overdue.py", "Überfällig", ":material/schedule:", "ueberfaellig"),
    Spec("views/cases.py", "Fälle", ":material/folder_open:", "faelle"),
    Spec("views/case.py", "Fall", ":material/description:", "fall", hidden=True),
    Spec("views/fees.py", "Gebühren", ":material/euro:", "gebuehren"),
    Spec(
        "views/payments_in.py",
        "Zahlungseingänge",
        ":material/account_balance:",
        "zahlungseingaenge",
        Permission.RECORD_PAYMENT,
    ),
    Spec("views/onboarding.py", "Onboarding", ":material/handshake:", "onboarding"),
    Spec("views/invoice_import.py", "Import", ":material/upload_file:", "import", Permission.IMPORT),
    Spec(
        "views/statements.py",
        "Monatsabrechnungen",
        ":material/receipt_long:",
        "abrechnungen",
        Permission.VIEW_REPORTS,
    ),
    Spec("views/audit.py", "Protokoll", ":material/history:", "protokoll", Permission.VIEW_AUDIT),
    Spec("views/users.py", "Benutzer", ":material/group:", "benutzer", Permission.MANAGE_USERS),
)
SETTINGS = (
    Spec("views/settings_practice.py", "Praxisdaten", ":material/store:", "praxisdaten", Permission.PRACTICE),
    Spec("views/settings_agency.py", "Inkasso", ":material/link:", "inkasso", Permission.PRACTICE),
    Spec(
        "views/settings_books.py",
        "Buchhaltung",
        ":material/account_balance:",
        "buchhaltung",
        Permission.PRACTICE,
    ),
)
LOGIN = "views/login.py"
SETUP = "views/setup.py"
KNOWN = frozenset(s.url_path for s in (*MAIN, *SETTINGS)) | {"anmelden", "einrichtung"}
NOT_FOUND = "Diese Seite gibt es nicht. Bitte eine Seite aus dem Menü links wählen."
FORBIDDEN = "Diese Seite ist nur für Praxisleitungen."
_SLUG = re.compile(r"^[A-Za-z0-9_.-]{1,80}$")


def _page(spec: Spec, default: bool = False) -> st.Page:
    visibility: Literal["visible", "hidden"] = "hidden" if spec.hidden else "visible"
    return st.Page(
        spec.script, title=spec.title, icon=spec.icon, url_path=spec.url_path, default=default,
        visibility=visibility,
    )  # fmt: skip


def _message(text: str, url_path: str) -> st.Page:
    def show() -> None:
        st.warning(text)

    return st.Page(show, title="Hinweis", url_path=url_path, visibility="hidden")


def requested_slug() -> str | None:
    """The page address the browser asked for (below the dashboard's base path), if any."""
    url = st.context.url
    if not url:
        return None
    base = str(st.get_option("server.baseUrlPath") or "").strip("/")
    path = unquote(urlparse(url).path).strip("/")
    if base and (path == base or path.startswith(base + "/")):
        path = path[len(base) :].strip("/")
    return path if path and _SLUG.match(path) else None


def _unknown(taken: set[str]) -> list[st.Page]:
    slug = requested_slug()
    return [_message(NOT_FOUND, slug)] if slug and slug not in taken else []


def _alias(script: str, title: str, url_path: str) -> st.Page:
    return st.Page(script, title=title, url_path=url_path, visibility="hidden")


def setup_pages() -> list[st.Page]:
    """The first start's set-up at the root and at every page's address (a bookmark or a link
    from the README must not meet Streamlit's English "Page not found")."""
    setup = st.Page(
        SETUP, title="Einrichtung", icon=":material/rocket_launch:", url_path="einrichtung", default=True
    )
    others = [_alias(SETUP, "Einrichtung", path) for path in sorted(KNOWN - {"einrichtung"})]
    return [setup, *others, *_unknown(set(KNOWN))]


def login_pages() -> list[st.Page]:
    """The login at the root and at every page's address (the page follows after the login)."""
    login = st.Page(LOGIN, title="Anmelden", icon=":material/login:", url_path="anmelden", default=True)
    others = [_alias(LOGIN, "Anmelden", s.url_path) for s in (*MAIN, *SETTINGS)]
    return [login, *others, _alias(LOGIN, "Anmelden", "einrichtung"), *_unknown(set(KNOWN))]


def member_pages(actor: Actor) -> tuple[list[st.Page], list[st.Page]]:
    """The pages `actor` may open (main, settings); the others' addresses say why not."""
    main = [_page(s, default=i == 0) for i, s in enumerate(MAIN) if actor.may(s.permission)]
    settings = [_page(s) for s in SETTINGS if actor.may(s.permission)]
    refused = [_message(FORBIDDEN, s.url_path) for s in (*MAIN, *SETTINGS) if not actor.may(s.permission)]
    # a bookmarked login or set-up address, opened while logged in, shows the overview
    aliases = [_alias(MAIN[0].script, MAIN[0].title, path) for path in ("anmelden", "einrichtung")]
    return [*main, *refused, *aliases, *_unknown(set(KNOWN))], settings
