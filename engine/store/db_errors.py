"""Which database failure an error is, told by exception class and constraint name
(never by message prose), on PostgreSQL (psycopg) and SQLite alike."""

import sqlite3

from psycopg import errors as pg_errors
from sqlalchemy.exc import IntegrityError, OperationalError

from engine.store.models import Base

# Unique indexes two writers of one instance can race to: the later one must retry.
AUDIT_SEQUENCE = frozenset({"ix_audit_instance_seq"})

_PG_CONTENTION = (
    pg_errors.SerializationFailure,
    pg_errors.DeadlockDetected,
    pg_errors.LockNotAvailable,
)
_SQLITE_CONTENTION = {sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED}


def violated_constraint(err: IntegrityError) -> str | None:
    """The name of the unique constraint or index the statement broke, if known."""
    orig = err.orig
    if isinstance(orig, pg_errors.Error):
        return orig.diag.constraint_name
    if isinstance(orig, sqlite3.IntegrityError):
        return _sqlite_unique_name(str(orig))
    return None


def is_contention(err: OperationalError) -> bool:
    """A lost race for a lock (a serialization failure, a deadlock, a busy SQLite file):
    the command changed nothing and may simply be tried again."""
    orig = err.orig
    if isinstance(orig, _PG_CONTENTION):
        return True
    return (
        isinstance(orig, sqlite3.OperationalError)
        and getattr(orig, "sqlite_errorcode", None) in _SQLITE_CONTENTION
    )


def _sqlite_unique_name(message: str) -> str | None:
    """SQLite names the columns, not the index ("UNIQUE constraint failed: t.a, t.b"):
    find the unique index or constraint of the models with exactly those columns."""
    _, sep, cols = message.partition("UNIQUE constraint failed: ")
    if not sep:
        return None
    columns = [c.strip() for c in cols.split(",")]
    table = columns[0].split(".", 1)[0]
    wanted = tuple(c.split(".", 1)[-1] for c in columns)
    found = Base.metadata.tables.get(table)
    if found is None:
        return None
    for index in found.indexes:
        if index.unique and tuple(c.name for c in index.columns) == wanted:
            return str(index.name)
    for constraint in found.constraints:
        names = tuple(c.name for c in getattr(constraint, "columns", ()))
        if names == wanted and constraint.name:
            return str(constraint.name)
    return None
