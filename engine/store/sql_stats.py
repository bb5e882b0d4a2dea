"""Counting SQL statements and transactions per unit of work (a web request, a test).

`install(engine)` hooks SQLAlchemy's events on the engine: every statement the driver
executes (`before_cursor_execute`) and every transaction (`begin`, ended by `commit` or
`rollback`) is added to the counters of the current thread. `reset()` starts a new unit,
`snapshot()` reads it. The web app installs it only when POLICYFLOW_SQL_STATS is set (the
HTTP benchmark reads the counts from a response header); the tests install it to keep the
hot path's statement budget from creeping up. No statement log is needed.
"""

import threading
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine, event


@dataclass
class Counts:
    statements: int = 0
    transactions: int = 0  # BEGIN … COMMIT/ROLLBACK pairs
    commits: int = 0
    rollbacks: int = 0
    sql: list[str] = field(default_factory=list)  # the statements, if `keep_sql`


_local = threading.local()
_installed: set[int] = set()
_lock = threading.Lock()


def current() -> Counts:
    counts = getattr(_local, "counts", None)
    if counts is None:
        counts = _local.counts = Counts()
    return counts


def reset() -> Counts:
    """A fresh unit of work for this thread; the counts of the previous one."""
    previous = current()
    _local.counts = Counts()
    return previous


def snapshot() -> Counts:
    return current()


def keep_sql(on: bool = True) -> None:
    _local.keep = on


def install(engine: Engine) -> None:
    """Count on this engine (once; later calls do nothing)."""
    with _lock:
        if id(engine) in _installed:
            return
        _installed.add(id(engine))
    event.listen(engine, "before_cursor_execute", _statement)
    event.listen(engine, "begin", _begin)
    event.listen(engine, "commit", _commit)
    event.listen(engine, "rollback", _rollback)


def _statement(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
    counts = current()
    counts.statements += 1
    if getattr(_local, "keep", False):
        counts.sql.append(" ".join(statement.split()))


def _begin(_conn: Any) -> None:
    current().transactions += 1


def _commit(_conn: Any) -> None:
    current().commits += 1


def _rollback(_conn: Any) -> None:
    current().rollbacks += 1


def header(counts: Counts) -> str:
    """The value of the X-Policyflow-SQL response header."""
    return (
        f"statements={counts.statements}; transactions={counts.transactions};"
        f" commits={counts.commits}; rollbacks={counts.rollbacks}"
    )
