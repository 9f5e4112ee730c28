"""The login token in a browser cookie, so that a reload (F5) or a deep link stays logged in.

Why a cookie and not `st.query_params`: the browser sends a cookie back with every new page load,
also a deep link typed into a new tab, while a query parameter is lost there, shows in the address
bar, in the history and in a proxy's access log. Streamlit reads cookies (`st.context.cookies`, from
the request that opened the session) but cannot set one, so a tiny script sets it in the page. It is
scoped to the dashboard's path, SameSite=Strict and Secure over https; it only names a login that the
server checks on every page (a logout ends it everywhere, whatever the browser still holds)."""

from __future__ import annotations

import json

import streamlit as st

__all__ = ["COOKIE", "clear_cookie", "cookie_token", "write_cookie"]

COOKIE = "inkasso_sitzung"
_WRITTEN = "login_cookie_written"


def cookie_token() -> str | None:
    """The token the browser sent when this Streamlit session opened, if any."""
    value = st.context.cookies.get(COOKIE)
    return value or None


def _script(value: str, max_age: int) -> str:
    path = "/" + str(st.get_option("server.baseUrlPath") or "").strip("/")
    cookie = json.dumps(f"{COOKIE}={value}; Path={path}; Max-Age={max_age}; SameSite=Strict")
    return (
        f"<script>document.cookie = {cookie} + (location.protocol === 'https:' ? '; Secure' : '');</script>"
    )


def write_cookie(token: str, max_age: int) -> None:
    """Hand the token to the browser once per login (the page run after the login)."""
    if st.session_state.get(_WRITTEN) == token:
        return
    with st.sidebar:
        st.html(_script(token, max_age), unsafe_allow_javascript=True)
    st.session_state[_WRITTEN] = token


def clear_cookie() -> None:
    """Remove the token from the browser (after a logout the server refuses it anyway)."""
    with st.sidebar:
        st.html(_script("", 0), unsafe_allow_javascript=True)
