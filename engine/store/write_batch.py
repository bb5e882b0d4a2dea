"""A command's writes sent as one statement, and ORM rows written through Core.

A task completion writes four rows: the audit event, the closed work item, the next work
item, the instance. Sent one by one, each costs a round trip and the driver's and the
ORM's per-statement work — most of a completion's server CPU. On PostgreSQL every write
but the last becomes a data-modifying CTE of the last
(`WITH w0 AS (INSERT …), w1 AS (UPDATE …) UPDATE instances …`): one statement. The parts
see the same snapshot and must not touch the same row twice, which a command's writes
never do (each row once: a new event, new items, items that closed, its instance).
SQLite has no DML in CTEs: there the statements run one by one, in order. Either way
they run in the caller's transaction, and the last statement's row count comes back.

Statements are built once per shape (table, columns, rows, place in the batch) with named
parameters, and combined once per sequence of shapes: SQLAlchemy then finds each in its
compiled cache without rebuilding or re-keying it, and psycopg prepares it on the server.

An ORM object whose columns a command changed (the instance, the closed item) is written
here too (`changed_columns`, then `written`): its new values are marked as the ones the
database holds, so the ORM's flush at commit finds nothing left to write for it.
"""

from functools import lru_cache
from typing import Any

from sqlalchemy import bindparam, insert, inspect, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.sql.dml import UpdateBase

from engine.store.models import Base

Where = dict[str, Any]  # column -> value, or a list of values (column IN …)


class WriteBatch:
    def __init__(self) -> None:
        self._parts: list[tuple[UpdateBase, dict[str, Any]]] = []

    def insert(self, model: type[Base], rows: list[dict[str, Any]]) -> None:
        """Rows to add, sent with the batch: one INSERT each (SQLAlchemy caches no
        multi-row VALUES statement, and a command adds a row or two)."""
        for row in rows:
            prefix = f"p{len(self._parts)}_"
            params = {f"{prefix}{c}": value for c, value in row.items()}
            self._parts.append((_insert(model.__tablename__, tuple(row), prefix), params))

    def update(self, model: type[Base], values: dict[str, Any], where: Where) -> None:
        """An UPDATE sent with the batch."""
        prefix = f"p{len(self._parts)}_"
        self._parts.append(_update_part(model, values, where, prefix))

    def run(self, session: Session, model: type[Base], values: dict[str, Any], where: Where) -> int:
        """Send the batch with a last UPDATE; that UPDATE's row count."""
        connection = session.connection()
        parts, self._parts = self._parts, []
        last, params = _update_part(model, values, where, "m_")
        if connection.dialect.name == "postgresql" and parts:
            merged = dict(params)
            for _, part_params in parts:
                merged.update(part_params)
            statement = _combined(tuple(s for s, _ in parts), last)
            return connection.execute(statement, merged).rowcount
        for statement, part_params in parts:
            connection.execute(statement, part_params)
        return connection.execute(last, params).rowcount


def _update_part(
    model: type[Base], values: dict[str, Any], where: Where, prefix: str
) -> tuple[UpdateBase, dict[str, Any]]:
    shape = tuple((c, isinstance(v, list)) for c, v in where.items())
    statement = _update(model.__tablename__, tuple(values), shape, prefix)
    params = {f"{prefix}s_{c}": v for c, v in values.items()}
    params.update({f"{prefix}w_{c}": v for c, v in where.items()})
    return statement, params


@lru_cache(maxsize=256)
def _insert(table_name: str, columns: tuple[str, ...], prefix: str) -> UpdateBase:
    table = Base.metadata.tables[table_name]
    return insert(table).values(
        {c: bindparam(f"{prefix}{c}", type_=table.c[c].type) for c in columns}
    )


@lru_cache(maxsize=256)
def _update(
    table_name: str, columns: tuple[str, ...], where: tuple[tuple[str, bool], ...], prefix: str
) -> UpdateBase:
    table = Base.metadata.tables[table_name]
    statement = update(table).values(
        {c: bindparam(f"{prefix}s_{c}", type_=table.c[c].type) for c in columns}
    )
    for column, many in where:
        value = bindparam(f"{prefix}w_{column}", type_=table.c[column].type, expanding=many)
        test = table.c[column].in_(value) if many else table.c[column] == value
        statement = statement.where(test)
    return statement


@lru_cache(maxsize=256)
def _combined(parts: tuple[UpdateBase, ...], last: UpdateBase) -> UpdateBase:
    return last.add_cte(*(part.cte(f"w{i}") for i, part in enumerate(parts)))


def changed_columns(obj: Any) -> dict[str, Any]:
    """The column attributes of a persistent ORM object set since it was loaded."""
    state = inspect(obj)
    changed = {}
    for attr in state.mapper.column_attrs:
        history = state.attrs[attr.key].history
        if history.added:
            changed[attr.key] = history.added[0]
    return changed


def written(obj: Any, values: dict[str, Any]) -> None:
    """Mark `values` as what the database now holds for `obj` (it was written by Core)."""
    for key, value in values.items():
        set_committed_value(obj, key, value)
