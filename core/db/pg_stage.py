"""PostgreSQL's bulk paths for driver_rows: COPY into the table (insert_many), or into a staging
table and one UPDATE … FROM (update_many).

An executemany of ten thousand UPDATEs costs PostgreSQL a statement per row and psycopg a query
object per row (in Python, on the GIL the sync's event loop needs). Binary COPY converts the rows in
psycopg's C code and sends them as one stream; one UPDATE … FROM then joins them in. The staging
table is temporary (per connection, invisible to other workers), made on first use, emptied at
every commit.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Table
from sqlalchemy.engine import Connection

__all__ = ["copy_rows", "insert_from_stage", "one_per_key", "update_from_stage"]

_TYPES = "pg_stage.types"  # per DBAPI connection: the staging tables' column type oids


def update_from_stage(
    connection: Connection,
    table: Table,
    names: Sequence[str],
    key: str,
    rows: list[tuple[Any, ...]],
    unless_newer: str | None,
) -> None:
    """What update_many does, for PostgreSQL; `rows` as update_many takes them."""
    columns = [*names, key, *([unless_newer] if unless_newer is not None else [])]
    quote = connection.dialect.identifier_preparer.quote
    target = connection.dialect.identifier_preparer.format_table(table)
    k = len(names)  # the staged column holding the key
    newest = len(columns) - 1 if unless_newer is not None else None
    fairy = connection.connection  # SQLAlchemy's pooled connection: its .info lives as long as it
    raw: Any = fairy.dbapi_connection
    with raw.cursor() as cursor:
        stage = _fill_stage(cursor, fairy.info, connection, table, columns, one_per_key(rows, k, newest))
        assignments = ", ".join(f"{quote(name)} = s.c{i}" for i, name in enumerate(names))
        # The key list makes the planner reach the target's rows by its index: a hash join would
        # read the whole table for every batch (the staging table has no statistics).
        statement = (
            f"UPDATE {target} AS t SET {assignments} FROM {stage} AS s "
            f"WHERE t.{quote(key)} = s.c{k} AND t.{quote(key)} = ANY(ARRAY(SELECT c{k} FROM {stage}))"
        )
        if unless_newer is not None:
            newer = f"t.{quote(unless_newer)}"
            statement += f" AND ({newer} IS NULL OR {newer} < s.c{len(columns) - 1})"
        cursor.execute(statement)


def insert_from_stage(
    connection: Connection,
    table: Table,
    names: Sequence[str],
    rows: list[tuple[Any, ...]],
    unique: Sequence[str],
    returning: Sequence[str],
) -> list[tuple[Any, ...]]:
    """INSERT … ON CONFLICT (unique) DO NOTHING for many rows: COPY into a staging table, then one
    INSERT … SELECT; the `returning` columns of the rows that went in."""
    quote = connection.dialect.identifier_preparer.quote
    target = connection.dialect.identifier_preparer.format_table(table)
    fairy = connection.connection
    raw: Any = fairy.dbapi_connection
    with raw.cursor() as cursor:
        stage = _fill_stage(cursor, fairy.info, connection, table, names, rows)
        listed = ", ".join(map(quote, names))
        staged = ", ".join(f"c{i}" for i in range(len(names)))
        cursor.execute(
            f"INSERT INTO {target} ({listed}) SELECT {staged} FROM {stage} "
            f"ON CONFLICT ({', '.join(map(quote, unique))}) DO NOTHING "
            f"RETURNING {', '.join(map(quote, returning))}"
        )
        return [tuple(row) for row in cursor.fetchall()]


def _fill_stage(
    cursor: Any, info: dict[Any, Any], connection: Connection, table: Table, columns: Sequence[str],
    rows: list[tuple[Any, ...]],
) -> str:
    """The staging table for these columns of `table` (column i named ci), holding just `rows`."""
    quote = connection.dialect.identifier_preparer.quote
    target = connection.dialect.identifier_preparer.format_table(table)
    # One staging table per shape of rows: another caller may stage other columns of the table.
    shape = hashlib.blake2s(",".join(columns).encode(), digest_size=4).hexdigest()
    stage = quote(f"stage_{table.name}_{shape}")
    # IF NOT EXISTS rather than remembering it: a rolled-back transaction takes the table along.
    # Emptied here too, in case the transaction already staged rows (ON COMMIT clears the rest).
    selected = ", ".join(f"{quote(name)} AS c{i}" for i, name in enumerate(columns))
    cursor.execute(
        f"CREATE TEMP TABLE IF NOT EXISTS {stage} ON COMMIT DELETE ROWS AS "
        f"SELECT {selected} FROM {target} WITH NO DATA; DELETE FROM {stage}"
    )
    _copy(cursor, info, stage, "*", rows)
    return stage


def copy_rows(
    connection: Connection, table: Table, names: Sequence[str], rows: list[tuple[Any, ...]]
) -> None:
    """INSERT the rows (stored values of `names`) by binary COPY."""
    quote = connection.dialect.identifier_preparer.quote
    target = connection.dialect.identifier_preparer.format_table(table)
    fairy = connection.connection
    raw: Any = fairy.dbapi_connection
    with raw.cursor() as cursor:
        _copy(cursor, fairy.info, target, ", ".join(map(quote, names)), rows)


def _copy(cursor: Any, info: dict[Any, Any], table: str, columns: str, rows: list[tuple[Any, ...]]) -> None:
    """COPY rows into `columns` ("*" for all) of `table`, typed as the table's columns are: binary
    COPY sends no type names, so they are read once per connection."""
    types: dict[str, list[int]] = info.setdefault(_TYPES, {})
    key = f"{table} ({columns})"
    if key not in types:
        cursor.execute(f"SELECT {columns} FROM {table} LIMIT 0")
        types[key] = [column.type_code for column in cursor.description]
    into = table if columns == "*" else f"{table} ({columns})"
    with cursor.copy(f"COPY {into} FROM STDIN (FORMAT BINARY)") as copy:
        copy.set_types(types[key])
        for row in rows:
            copy.write_row(row)


def one_per_key(rows: list[tuple[Any, ...]], key_at: int, newer_at: int | None) -> list[tuple[Any, ...]]:
    """The row per key that row-by-row updates would leave standing: one UPDATE … FROM applies only
    one row per target row. Without `newer_at` the last one; with it, the first of the newest (a
    later one no newer is refused by the unless-newer condition). A missing time is the oldest."""
    if len({row[key_at] for row in rows}) == len(rows):
        return rows  # the common case: every key once
    kept: dict[Any, tuple[Any, ...]] = {}
    for row in rows:
        before = kept.get(row[key_at])
        if before is None or newer_at is None or _later(row[newer_at], before[newer_at]):
            kept[row[key_at]] = row
    return list(kept.values())


def _later(value: Any, than: Any) -> bool:
    return value is not None and (than is None or value > than)
