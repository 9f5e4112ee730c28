"""Pages of a listing (GET /cases, GET /payments), ordered by id so pages stay stable.

A listing's ids and its rendered pages are kept while nothing in the database changed: paging
through 10,000 cases then costs a lookup per page instead of a COUNT, an OFFSET scan and the
rendering, as a real server with a result cache would answer.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import Any

import msgspec

__all__ = ["Listings", "Render"]

_KEPT_PAGES = 256  # about 8 MB of case pages at most; more are rendered afresh
Render = Callable[[int, list[sqlite3.Row]], bytes]


class Listings:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn
        self._version: tuple[int, int] = (-1, -1)
        self._ids: dict[tuple[str, str, tuple[Any, ...]], list[int]] = {}
        self._pages: dict[tuple[str, str, tuple[Any, ...], int, int], bytes] = {}

    def page(
        self,
        table: str,
        id_column: str,
        columns: str,
        where: str,
        args: list[Any],
        page: int,
        per_page: int,
        render: Render,
    ) -> bytes:
        """The rendered page: `render(total, rows)` unless kept; call inside a transaction."""
        # total_changes grows with every row this connection writes, data_version with every
        # commit of another connection (a test or a tool writing the file): both unchanged means
        # unchanged listings.
        version = (self._conn.total_changes, self._conn.execute("PRAGMA data_version").fetchone()[0])
        if version != self._version:
            self._ids.clear()
            self._pages.clear()
            self._version = version
        key = (table, where, tuple(args))
        kept = self._pages.get((*key, page, per_page))
        if kept is not None:
            return kept
        ids = self._ids.get(key)
        if ids is None:
            ids = self._ids[key] = self._ids_of(table, id_column, where, args)
        chunk = ids[(page - 1) * per_page : page * per_page]
        rows: list[sqlite3.Row] = []
        if chunk:
            # The page's ids are exactly the listing's ids between its first and its last.
            rows = self._conn.execute(
                f"SELECT {columns} FROM {table} WHERE {where} AND {id_column} BETWEEN ? AND ? "
                f"ORDER BY {id_column}",
                [*args, chunk[0], chunk[-1]],
            ).fetchall()
        body = render(len(ids), rows)
        if len(self._pages) < _KEPT_PAGES:
            self._pages[(*key, page, per_page)] = body
        return body

    def _ids_of(self, table: str, id_column: str, where: str, args: list[Any]) -> list[int]:
        """The listing's ids in order: one JSON array made by SQLite and decoded in C, since a row per
        id costs 2.5 ms for ten thousand of them, on the event loop every request waits for."""
        query = f"SELECT json_group_array({id_column}) FROM {table} WHERE {where}"
        ids: list[int] = msgspec.json.decode(self._conn.execute(query, args).fetchone()[0])
        ids.sort()  # an aggregate keeps no order; the index scan gives them sorted, so this is cheap
        return ids
