"""``column IN (…)`` for many values with one bound parameter.

SQLAlchemy's expanding ``in_()`` binds (and renders) one parameter per value on
every execution, which dominates batch reads of thousands of ids. Here the list
travels as one value: an array on PostgreSQL (``= ANY(:p)``), a JSON text on
SQLite (``IN (SELECT value FROM json_each(:p))``); the statement is cached like
any other and the databases use their indexes.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterator, Sequence
from typing import Any, TypeVar

from sqlalchemy import Connection, Table, any_, bindparam, func, select, text, tuple_
from sqlalchemy.sql.elements import ColumnElement

__all__ = ["CHUNK", "chunks", "one_of", "pair_of", "reserve_ids"]

#: Values per statement (bounds the size of one parameter and of one result).
CHUNK = 5_000
T = TypeVar("T")


def one_of(conn: Connection, target: ColumnElement[Any], values: Collection[Any]) -> ColumnElement[bool]:
    items = list(values)
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import ARRAY  # only when on PostgreSQL

        return target == any_(bindparam(None, items, type_=ARRAY(target.type)))
    listed = func.json_each(bindparam(None, json.dumps(items, ensure_ascii=False))).table_valued("value")
    return target.in_(select(listed.c.value))


def pair_of(conn: Connection, first: ColumnElement[Any], second: ColumnElement[Any],
            pairs: Collection[tuple[Any, Any]]) -> ColumnElement[bool]:
    """``(first, second) IN (…)`` for many pairs with one or two bound parameters."""
    items = list(pairs)
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import ARRAY

        listed = func.unnest(bindparam(None, [a for a, _ in items], type_=ARRAY(first.type)),
                             bindparam(None, [b for _, b in items], type_=ARRAY(second.type))
                             ).table_valued("a", "b").render_derived()
        return tuple_(first, second).in_(select(listed.c.a, listed.c.b))
    listed = func.json_each(bindparam(None, json.dumps(items, ensure_ascii=False))).table_valued("value")
    return tuple_(first, second).in_(select(func.json_extract(listed.c.value, "$[0]"),
                                            func.json_extract(listed.c.value, "$[1]")))


def chunks(values: Sequence[T], size: int = CHUNK) -> Iterator[Sequence[T]]:
    for start in range(0, len(values), size):
        yield values[start:start + size]




def reserve_ids(conn: Connection, table: Table, count: int) -> list[int]:
    """*count* new ids for *table*, so that many rows go in with one plain executemany
    (no RETURNING per row). PostgreSQL draws them from the table's sequence; SQLite
    counts on from the largest id, which is safe because a writing unit of work holds
    the database's write lock from its first statement (``BEGIN IMMEDIATE``)."""
    if count <= 0:
        return []
    if conn.dialect.name == "postgresql":
        rows = conn.execute(text("SELECT nextval(pg_get_serial_sequence(:t, 'id')) FROM generate_series(1, :n)"),
                            {"t": table.name, "n": count})
        return sorted(int(r[0]) for r in rows)
    top = conn.execute(select(func.coalesce(func.max(table.c.id), 0))).scalar_one()
    return list(range(int(top) + 1, int(top) + 1 + count))
