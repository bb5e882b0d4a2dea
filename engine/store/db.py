"""Database connection: one SQLAlchemy engine per URL, sessions with explicit transactions."""

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache, partial
from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

PROJECT_DIR = Path(__file__).resolve().parents[2]
DEFAULT_URL = f"sqlite:///{PROJECT_DIR / 'policyflow.db'}"
# JSON columns written without the spaces json.dumps puts after "," and ":" (an audit
# event's payload and result: ~20 bytes each). Still ASCII: a lone surrogate a client
# sent stays an escape, which the drivers can encode.
_JSON = partial(json.dumps, separators=(",", ":"))


def database_url() -> str:
    """DATABASE_URL, or the embedded SQLite file in the project folder."""
    return normalize_url(os.environ.get("DATABASE_URL") or DEFAULT_URL)


def normalize_url(url: str) -> str:
    """Accept the usual postgres:// spellings but always drive psycopg 3."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def get_engine(url: str | None = None) -> Engine:
    return _engine(normalize_url(url or database_url()))


@cache
def _engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30}, json_serializer=_JSON)
        event.listen(engine, "connect", _sqlite_pragmas)
        # pysqlite's own transaction handling defers BEGIN; take it over so a command's
        # read-check-write happens under one write lock (BEGIN IMMEDIATE).
        event.listen(engine, "begin", lambda conn: conn.exec_driver_sql("BEGIN IMMEDIATE"))
        return engine
    # No pre-ping: it costs a round trip per command; a connection broken by a server
    # restart fails one command with a clear error and is then replaced by the pool.
    # Behind PgBouncer's transaction pooling (older than 1.21, or without
    # max_prepared_statements) a prepared statement may be gone on the next transaction's
    # server connection: POLICYFLOW_PG_PREPARE=off makes psycopg never prepare.
    args = {"prepare_threshold": None} if os.environ.get("POLICYFLOW_PG_PREPARE") == "off" else {}
    return create_engine(
        url,
        pool_size=10,
        max_overflow=20,
        pool_recycle=1800,
        connect_args=args,
        json_serializer=_JSON,
    )


def _sqlite_pragmas(dbapi_conn: object, _record: object) -> None:
    dbapi_conn.isolation_level = None  # type: ignore[attr-defined]
    cur = dbapi_conn.cursor()  # type: ignore[attr-defined]
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


@cache
def _session_factory(url: str) -> sessionmaker[Session]:
    return sessionmaker(get_engine(url), expire_on_commit=False)


def new_session(url: str | None = None) -> Session:
    return _session_factory(normalize_url(url or database_url()))()


@contextmanager
def transaction(url: str | None = None) -> Iterator[Session]:
    """One unit of work: commit on success, roll back on any error."""
    session = new_session(url)
    try:
        with session.begin():
            yield session
    finally:
        session.close()
