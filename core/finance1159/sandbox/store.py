"""The sandbox's own SQLite file (never the product's database); amounts stored as exact text."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS debtors (
    debtor_id INTEGER PRIMARY KEY, client_id TEXT NOT NULL, data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS cases (
    case_id INTEGER PRIMARY KEY, client_id TEXT NOT NULL, reference TEXT NOT NULL,
    debtor_id INTEGER NOT NULL, status TEXT NOT NULL, principal TEXT NOT NULL,
    interest TEXT NOT NULL, paid_to_agency TEXT NOT NULL DEFAULT '0.00',
    paid_to_creditor TEXT NOT NULL DEFAULT '0.00', created_day INTEGER NOT NULL DEFAULT 0,
    first_letter TEXT, claim TEXT NOT NULL, created_at TEXT NOT NULL, updated_at TEXT NOT NULL,
    closed_at TEXT, UNIQUE (client_id, reference));
CREATE INDEX IF NOT EXISTS cases_updated_at ON cases (updated_at);
CREATE TABLE IF NOT EXISTS fees (
    fee_id INTEGER PRIMARY KEY, case_id INTEGER NOT NULL, type TEXT NOT NULL,
    amount TEXT NOT NULL, date TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS fees_case ON fees (case_id);
CREATE TABLE IF NOT EXISTS payments (
    payment_id INTEGER PRIMARY KEY, client_id TEXT NOT NULL, case_id INTEGER NOT NULL,
    amount TEXT NOT NULL, date TEXT NOT NULL, source TEXT NOT NULL, reference TEXT,
    to_costs TEXT NOT NULL, to_interest TEXT NOT NULL, to_principal TEXT NOT NULL,
    created_at TEXT NOT NULL, UNIQUE (client_id, reference));
CREATE INDEX IF NOT EXISTS payments_case ON payments (case_id);
CREATE INDEX IF NOT EXISTS payments_created_at ON payments (created_at);
CREATE TABLE IF NOT EXISTS signings (
    token TEXT PRIMARY KEY, created_at TEXT NOT NULL, signed_at TEXT);
"""
TABLES = ("meta", "debtors", "cases", "fees", "payments", "signings")


class Store:
    """One SQLite connection; writes are serialised by a lock and run in one transaction each."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        # The server runs one event loop, but the test harness may read from another thread.
        self.conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self.conn.row_factory = sqlite3.Row
        self.conn.execute("PRAGMA journal_mode=WAL")
        self.conn.execute("PRAGMA synchronous=NORMAL")
        self.conn.executescript(SCHEMA)
        self._lock = threading.RLock()
        self._depth = 0

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """Commits on success, rolls back on any error; nested use joins the outer transaction."""
        with self._lock:
            if self._depth:
                self._depth += 1
                try:
                    yield self.conn
                finally:
                    self._depth -= 1
                return
            self.conn.execute("BEGIN IMMEDIATE")
            self._depth = 1
            try:
                yield self.conn
            except BaseException:
                self.conn.execute("ROLLBACK")
                raise
            else:
                self.conn.execute("COMMIT")
            finally:
                self._depth = 0

    def query(self, sql: str, params: tuple[object, ...] | list[object] = ()) -> list[sqlite3.Row]:
        with self._lock:
            return self.conn.execute(sql, params).fetchall()

    def get_meta(self, key: str, default: str | None = None) -> str | None:
        rows = self.query("SELECT value FROM meta WHERE key = ?", (key,))
        return rows[0]["value"] if rows else default

    def set_meta(self, key: str, value: str) -> None:
        with self.transaction() as conn:
            conn.execute(
                "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = ?",
                (key, value, value),
            )

    def reset(self) -> None:
        with self.transaction() as conn:
            for table in TABLES:
                conn.execute(f"DELETE FROM {table}")  # noqa: S608 (fixed table names)

    def close(self) -> None:
        self.conn.close()
