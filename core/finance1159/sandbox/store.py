"""The sandbox's own SQLite file (never the product's database); amounts stored as exact text."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

__all__ = ["INDEXES", "MIGRATIONS", "SCHEMA", "Store", "TABLES"]

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
    closed_at TEXT, json TEXT, UNIQUE (client_id, reference));
CREATE TABLE IF NOT EXISTS fees (
    fee_id INTEGER PRIMARY KEY, case_id INTEGER NOT NULL, type TEXT NOT NULL,
    amount TEXT NOT NULL, date TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS payments (
    payment_id INTEGER PRIMARY KEY, client_id TEXT NOT NULL, case_id INTEGER NOT NULL,
    amount TEXT NOT NULL, date TEXT NOT NULL, source TEXT NOT NULL, reference TEXT,
    to_costs TEXT NOT NULL, to_interest TEXT NOT NULL, to_principal TEXT NOT NULL,
    created_at TEXT NOT NULL, UNIQUE (client_id, reference));
CREATE TABLE IF NOT EXISTS signings (
    token TEXT PRIMARY KEY, created_at TEXT NOT NULL, signed_at TEXT);
"""
# After MIGRATIONS, so that an older file has every column the indexes and triggers name.
# `cases.json` is the case's rendered JSON object (views.render_stale), NULL while stale: the
# triggers clear it on any change of a case column the object shows or of the case's fees, so a
# list page is one indexed query plus a join of fragments that cannot be out of date.
INDEXES = """
CREATE INDEX IF NOT EXISTS cases_updated_at ON cases (updated_at);
CREATE INDEX IF NOT EXISTS cases_client ON cases (client_id, case_id);
CREATE INDEX IF NOT EXISTS cases_stale ON cases (case_id) WHERE json IS NULL;
CREATE INDEX IF NOT EXISTS fees_case ON fees (case_id);
CREATE INDEX IF NOT EXISTS payments_case ON payments (case_id);
CREATE INDEX IF NOT EXISTS payments_created_at ON payments (created_at);
CREATE INDEX IF NOT EXISTS payments_client ON payments (client_id, payment_id);
CREATE TRIGGER IF NOT EXISTS cases_json_stale AFTER UPDATE OF case_id, client_id, reference, debtor_id,
    status, principal, interest, paid_to_agency, paid_to_creditor, created_at, updated_at, closed_at
    ON cases BEGIN UPDATE cases SET json = NULL WHERE case_id = NEW.case_id; END;
CREATE TRIGGER IF NOT EXISTS fees_insert_stale AFTER INSERT ON fees
    BEGIN UPDATE cases SET json = NULL WHERE case_id = NEW.case_id; END;
CREATE TRIGGER IF NOT EXISTS fees_update_stale AFTER UPDATE ON fees BEGIN
    UPDATE cases SET json = NULL WHERE case_id IN (OLD.case_id, NEW.case_id); END;
CREATE TRIGGER IF NOT EXISTS fees_delete_stale AFTER DELETE ON fees
    BEGIN UPDATE cases SET json = NULL WHERE case_id = OLD.case_id; END;
"""
# (table, column, declaration) added to files written by an older sandbox.
MIGRATIONS = (("cases", "json", "TEXT"),)
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
        for table, column, declaration in MIGRATIONS:
            if column not in {row["name"] for row in self.conn.execute(f"PRAGMA table_info({table})")}:
                self.conn.execute(f"ALTER TABLE {table} ADD COLUMN {column} {declaration}")
        self.conn.executescript(INDEXES)
        self._lock = threading.RLock()
        self._depth = 0
        # Runs inside every outermost transaction just before COMMIT (the runtime renders stale cases).
        self.before_commit: Callable[[sqlite3.Connection], object] | None = None

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
                if self.before_commit is not None:
                    self.before_commit(self.conn)
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
