"""Several small result sets read in one statement (UNION ALL): what hangs off one
instance — its events, comments, files, the people who hold its tasks' roles — comes back
in one round trip instead of one per kind (a read costs its statements: issue 17).

Each part is a SELECT of labelled columns. The parts' columns are laid out in slots by
their Python type (a part leaves the slots it does not use NULL, cast to the slot's
type so both PostgreSQL and SQLite type the union alike); each row comes back tagged with
its part's name and is handed back as a `Record` with the part's own column names. A
union has no order of its own: callers sort each part's records.
"""

from collections.abc import Mapping
from typing import Any

from sqlalchemy import ColumnElement, Select, cast, literal, null, union_all
from sqlalchemy.orm import Session
from sqlalchemy.types import TypeEngine

PART = "part"


class Record:
    """One row of a part, its columns as attributes (`record.seq`)."""

    def __init__(self, values: Mapping[str, Any]) -> None:
        self.__dict__.update(values)

    def __getattr__(self, name: str) -> Any:  # for mypy: columns are known only at run time
        raise AttributeError(name)

    def __repr__(self) -> str:
        return f"Record({self.__dict__!r})"


def _kind(type_: TypeEngine[Any]) -> str:
    """The slot family of a column type: its Python type (str, int, datetime, dict…)."""
    try:
        return type_.python_type.__name__
    except NotImplementedError:
        return type(type_).__name__


def read(session: Session, parts: Mapping[str, Select[Any]]) -> dict[str, list[Record]]:
    """Each part's records (every name in `parts` is a key, [] when it found nothing)."""
    found: dict[str, list[Record]] = {name: [] for name in parts}
    if not parts:
        return found
    columns = {name: list(query.selected_columns) for name, query in parts.items()}
    slots: dict[str, list[TypeEngine[Any]]] = {}  # kind → the type of each slot
    placed: dict[str, list[tuple[str, str, ColumnElement[Any]]]] = {}
    for name, cols in columns.items():
        used: dict[str, int] = {}
        placed[name] = []
        for col in cols:
            kind = _kind(col.type)
            index = used.get(kind, 0)
            used[kind] = index + 1
            types = slots.setdefault(kind, [])
            if index == len(types):
                types.append(col.type)
            placed[name].append((col.name, f"{kind}_{index}", col))
    order = [(kind, i) for kind, types in slots.items() for i in range(len(types))]
    selects = []
    for name, query in parts.items():
        by_slot = {slot: col for _, slot, col in placed[name]}
        laid_out: list[ColumnElement[Any]] = [literal(name).label(PART)]
        for kind, i in order:
            slot = f"{kind}_{i}"
            given = by_slot.get(slot)
            value = given if given is not None else cast(null(), slots[kind][i])
            laid_out.append(value.label(slot))
        selects.append(query.with_only_columns(*laid_out, maintain_column_froms=True))
    positions = {f"{kind}_{i}": n + 1 for n, (kind, i) in enumerate(order)}
    for row in session.execute(union_all(*selects)):
        named = {col: row[positions[slot]] for col, slot, _ in placed[row[0]]}
        found[row[0]].append(Record(named))
    return found
