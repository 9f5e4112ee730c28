"""PostgreSQL's bulk path for driver_rows.update_many: COPY into a staging table, one UPDATE … FROM.

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

__all__ = ["one_per_key", "update_from_stage"]

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
    # One staging table per shape of rows: another caller may stage other columns of the table.
    shape = hashlib.blake2s(",".join(columns).encode(), digest_size=4).hexdigest()
    stage = quote(f"stage_{table.name}_{shape}")
    k = len(names)  # the staged column holding the key
    fairy = connection.connection  # SQLAlchemy's pooled connection: its .info lives as long as it
    raw: Any = fairy.dbapi_connection
    with raw.cursor() as cursor:
        # IF NOT EXISTS rather than remembering it: a rolled-back transaction takes the table along.
        # Emptied here too, in case the transaction already staged rows (ON COMMIT clears the rest).
        selected = ", ".join(f"{quote(name)} AS c{i}" for i, name in enumerate(columns))
        cursor.execute(
            f"CREATE TEMP TABLE IF NOT EXISTS {stage} ON COMMIT DELETE ROWS AS "
            f"SELECT {selected} FROM {target} WITH NO DATA; DELETE FROM {stage}"
        )
        types: dict[str, list[int]] = fairy.info.setdefault(_TYPES, {})
        if stage not in types:
            cursor.execute(f"SELECT * FROM {stage} LIMIT 0")
            types[stage] = [column.type_code for column in cursor.description]
        with cursor.copy(f"COPY {stage} FROM STDIN (FORMAT BINARY)") as copy:
            copy.set_types(types[stage])
            for row in one_per_key(rows, k, len(columns) - 1 if unless_newer is not None else None):
                copy.write_row(row)
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
