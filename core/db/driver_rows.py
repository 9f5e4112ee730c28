"""Rows as the database driver sees them, for the one path that moves thousands at a time (the sync).

SQLAlchemy converts every parameter and every result value in Python; for 10,000 claims that costs
more than the database itself. Here each value is converted once by its column type's own bind
processor, so what is stored is exactly what the ORM would store, and what is read back is compared
in that same stored form (integer cents, the dialect's time format) without converting it back.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime
from typing import Any

import msgspec
from sqlalchemy import Column, Table
from sqlalchemy.dialects import sqlite
from sqlalchemy.engine import Connection, Dialect

from core.db import pg_stage
from core.db.types import Cents, UTCDateTime

__all__ = [
    "Binder",
    "binder",
    "insert_many",
    "insert_new_pg",
    "select_in",
    "select_where",
    "set_where_in",
    "storer",
    "update_many",
]

Binder = Callable[[Any], Any]
_CHUNK = 500  # ids per IN list: well below SQLite's parameter limit
_ISO_DAY = "%(year)04d-%(month)02d-%(day)02d"


def binder(column: Column[Any], dialect: Dialect) -> Binder | None:
    """The function that turns a Python value into what the driver stores for this column, or
    None where the driver takes the value as it is."""
    if isinstance(column.type, Cents):
        return Cents.stored  # the same conversion, without SQLAlchemy's wrapper around it
    if isinstance(column.type, UTCDateTime) and _sqlite_default_text(column.type, dialect):
        return _sqlite_utc_text
    processor = column.type.dialect_impl(dialect).bind_processor(dialect)
    stored = dialect.type_descriptor(column.type)
    if processor is not None and isinstance(stored, sqlite.DATE) and stored._storage_format == _ISO_DAY:
        # SQLite keeps a day as YYYY-MM-DD: date.isoformat writes that (for datetimes, which
        # SQLAlchemy cuts to their day, its own conversion).
        return lambda value: value.isoformat() if type(value) is date else processor(value)
    return processor


def _sqlite_default_text(column_type: UTCDateTime, dialect: Dialect) -> bool:
    """SQLite keeps a time as text in SQLAlchemy's default format, YYYY-MM-DD HH:MM:SS.ffffff."""
    stored = dialect.type_descriptor(column_type.impl_instance)
    return isinstance(stored, sqlite.DATETIME) and stored._storage_format == sqlite.DATETIME._storage_format


_rfc3339 = msgspec.json.Encoder().encode


def _sqlite_utc_text(value: datetime | None) -> str | None:
    """What UTCDateTime stores on SQLite, cut from msgspec's RFC 3339 text: a full pull converts ten
    thousand times or more, and datetime.isoformat of an aware time costs four times as much."""
    utc = UTCDateTime.stored(value)
    if utc is None:
        return None
    text = _rfc3339(utc).decode()  # '"2026-11-27T21:34:27.802171Z"', no fraction in a whole second
    if len(text) == 29:
        return f"{text[1:11]} {text[12:27]}"
    return f"{text[1:11]} {text[12:20]}.{utc.microsecond:06d}"


def select_in(
    connection: Connection,
    table: Table,
    names: Sequence[str],
    key: str,
    values: Sequence[Any],
    *,
    where: dict[str, Any] | None = None,
) -> list[tuple[Any, ...]]:
    """The stored values of `names`, as plain tuples, for the rows whose `key` is in `values`.

    `where` adds equality conditions; its values are given in stored form too.
    """
    mark = _placeholder(connection.dialect)
    quote = connection.dialect.identifier_preparer.quote
    conditions = [f"{quote(name)} = {mark}" for name in where or {}]
    head = f"SELECT {', '.join(map(quote, names))} FROM {_table(connection, table)} WHERE "
    rows: list[tuple[Any, ...]] = []
    for start in range(0, len(values), _CHUNK):
        chunk = list(values[start : start + _CHUNK])
        among = f"{quote(key)} IN ({', '.join([mark] * len(chunk))})"
        statement = head + " AND ".join([*conditions, among])
        rows.extend(connection.exec_driver_sql(statement, (*(where or {}).values(), *chunk)).fetchall())
    return rows


def select_where(
    connection: Connection, table: Table, names: Sequence[str], equal: dict[str, Any]
) -> list[tuple[Any, ...]]:
    """The stored values of `names` of every row whose columns equal `equal` (stored form).

    Read through the driver's own cursor: for ten thousand rows SQLAlchemy's result wrapper costs
    more than the driver's fetch, and this read runs beside the first requests of a full pull."""
    mark = _placeholder(connection.dialect)
    quote = connection.dialect.identifier_preparer.quote
    conditions = " AND ".join(f"{quote(name)} = {mark}" for name in equal)
    statement = f"SELECT {', '.join(map(quote, names))} FROM {_table(connection, table)} WHERE {conditions}"
    cursor = connection.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.execute(statement, tuple(equal.values()))
        return list(cursor.fetchall())
    finally:
        cursor.close()


def storer(
    table: Table, names: Sequence[str], dialect: Dialect, *, given: Sequence[str] = ()
) -> Callable[[Sequence[Any]], tuple[Any, ...]]:
    """A function turning one row of Python values of `names` into their stored form; the values
    of `given` come in stored form already (a value the same in every row, converted once)."""
    binders = [None if name in given else binder(table.c[name], dialect) for name in names]
    if not any(binders):
        return tuple
    pairs = [(i, store) for i, store in enumerate(binders) if store is not None]

    def stored(values: Sequence[Any]) -> tuple[Any, ...]:
        row = list(values)
        for i, store in pairs:
            row[i] = store(row[i])
        return tuple(row)

    return stored


def insert_many(
    connection: Connection, table: Table, names: Sequence[str], rows: Iterable[Sequence[Any]]
) -> None:
    """INSERT rows of stored values of `names`: on SQLite one executemany, on PostgreSQL a binary
    COPY. A column not named gets the database's default, never a Python-side one: such columns
    must be named."""
    _named_defaults(table, names)
    batch = [tuple(r) for r in rows]
    if not batch:
        return
    if connection.dialect.name == "postgresql":
        pg_stage.copy_rows(connection, table, names, batch)
        return
    mark = _placeholder(connection.dialect)
    quote = connection.dialect.identifier_preparer.quote
    statement = (
        f"INSERT INTO {_table(connection, table)} ({', '.join(map(quote, names))}) "
        f"VALUES ({', '.join([mark] * len(names))})"
    )
    connection.exec_driver_sql(statement, batch)


def insert_new_pg(
    connection: Connection,
    table: Table,
    names: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    unique: Sequence[str],
    returning: Sequence[str],
) -> list[tuple[Any, ...]]:
    """PostgreSQL only: INSERT … ON CONFLICT (unique) DO NOTHING of rows of stored values of
    `names`, by a binary COPY and one INSERT … SELECT; `returning` of the rows that went in. (On
    SQLite SQLAlchemy's own INSERT … RETURNING is as fast.)"""
    assert connection.dialect.name == "postgresql"
    _named_defaults(table, names)
    batch = [tuple(r) for r in rows]
    return pg_stage.insert_from_stage(connection, table, names, batch, unique, returning) if batch else []


def _named_defaults(table: Table, names: Sequence[str]) -> None:
    """Rows bypassing SQLAlchemy get no Python-side defaults: such columns must be named."""
    python_defaults = [c.name for c in table.columns if c.default is not None and c.name not in names]
    assert not python_defaults, f"the rows must name {python_defaults}"


def update_many(
    connection: Connection,
    table: Table,
    names: Sequence[str],
    key: str,
    rows: Iterable[Sequence[Any]],
    *,
    unless_newer: str | None = None,
) -> None:
    """UPDATE table SET names… WHERE key = …, once per row; each row holds the stored values of
    `names`, then the key. The values go to the driver as they are: on SQLite one executemany, on
    PostgreSQL a binary COPY and one UPDATE … FROM (pg_stage).

    With `unless_newer`, a row also ends with a value of that column, and a stored row is left as
    it is where that column already holds a later value (an ordered column: times, counters; the
    rows set it too, so of several rows for one key the newest stands).
    """
    batch = [tuple(r) for r in rows]
    if not batch:
        return
    if connection.dialect.name == "postgresql":
        pg_stage.update_from_stage(connection, table, names, key, batch, unless_newer)
        return
    mark = _placeholder(connection.dialect)
    quote = connection.dialect.identifier_preparer.quote
    assignments = ", ".join(f"{quote(n)} = {mark}" for n in names)
    statement = f"UPDATE {_table(connection, table)} SET {assignments} WHERE {quote(key)} = {mark}"
    if unless_newer is not None:
        statement += f" AND ({quote(unless_newer)} IS NULL OR {quote(unless_newer)} < {mark})"
    connection.exec_driver_sql(statement, batch)


def set_where_in(
    connection: Connection, table: Table, values: dict[str, Any], key: str, keys: Sequence[Any]
) -> None:
    """UPDATE table SET name = value… WHERE key IN keys; the values given in stored form."""
    mark = _placeholder(connection.dialect)
    quote = connection.dialect.identifier_preparer.quote
    assignments = ", ".join(f"{quote(name)} = {mark}" for name in values)
    for start in range(0, len(keys), _CHUNK):
        chunk = list(keys[start : start + _CHUNK])
        statement = (
            f"UPDATE {_table(connection, table)} SET {assignments} "
            f"WHERE {quote(key)} IN ({', '.join([mark] * len(chunk))})"
        )
        connection.exec_driver_sql(statement, (*values.values(), *chunk))


def _table(connection: Connection, table: Table) -> str:
    return connection.dialect.identifier_preparer.format_table(table)


def _placeholder(dialect: Dialect) -> str:
    style = dialect.paramstyle
    if style == "qmark":
        return "?"
    if style in ("format", "pyformat"):
        return "%s"
    raise NotImplementedError(f"positional parameters for paramstyle {style!r}")
