"""Test databases: SQLite always, PostgreSQL too when DATABASE_URL points at one.

Each database is migrated and seeded once per run; each test then starts from the seed
(runtime tables emptied) with a fresh engine object, so no cache outlives a test.
"""

import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import text

from engine.facade import Policyflow, read_forms
from engine.seed import seed_demo
from engine.store import schema as migrate
from engine.store.db import database_url, get_engine, transaction

ROOT = Path(__file__).resolve().parent.parent
WORKFLOWS = ROOT / "workflows"
DATA = Path(__file__).resolve().parent / "data"
PG_URL = os.environ.get("DATABASE_URL", "")
# The suite's own engines hand no job to a queue; the worker tests run their own Redis.
os.environ.pop("REDIS_URL", None)
BACKENDS = ["sqlite"] + (["postgresql"] if PG_URL.startswith("postgres") else [])

# Emptied before each test, children first; org, users, rules and calendar stay seeded.
RUNTIME_TABLES = [
    "comments",
    "attachments",
    "api_tokens",
    "login_failures",
    "audit_events",
    "audit_head",
    "reminders_sent",
    "jobs",
    "notifications",
    "message_waits",
    "timers",
    "work_items",
    "instances",
    "document_counters",
    "process_versions",
]

NOW = datetime(2024, 10, 1, 8, 0, tzinfo=UTC)


def _prepare(url: str) -> str:
    migrate.downgrade(url, "base")
    migrate.upgrade(url)
    with transaction(url) as session:
        seed_demo(session, password="demo")
    return url


@pytest.fixture(scope="session")
def sqlite_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    return _prepare(f"sqlite:///{tmp_path_factory.mktemp('db') / 'policyflow.db'}")


@pytest.fixture(scope="session")
def postgresql_url() -> str:
    os.environ.setdefault("DATABASE_URL", PG_URL)
    return _prepare(database_url())


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest) -> str:
    return reset_runtime(request.getfixturevalue(f"{request.param}_url"))


def reset_runtime(url: str) -> str:
    """Back to the seed: every runtime table emptied."""
    with get_engine(url).begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text(f"TRUNCATE {', '.join(RUNTIME_TABLES)} RESTART IDENTITY CASCADE"))
        else:
            for table in RUNTIME_TABLES:
                conn.execute(text(f"DELETE FROM {table}"))
    return url


@pytest.fixture
def pf(db_url: str) -> Policyflow:
    return Policyflow(db_url)


@pytest.fixture
def deployed(pf: Policyflow) -> Iterator[Policyflow]:
    """The engine with every process of workflows/ deployed."""
    forms = read_forms(WORKFLOWS / "forms")
    pending = sorted(WORKFLOWS.glob("*.bpmn"), key=lambda p: p.name != "document_approval.bpmn")
    for path in pending:
        pf.deploy(path.read_text(encoding="utf-8"), forms, "chu_quy_trinh", now=NOW)
    yield pf


def deploy_test_model(pf: Policyflow, name: str) -> dict:
    """Deploy a model from tests/data (with the forms in tests/data/forms)."""
    xml = (DATA / name).read_text(encoding="utf-8")
    return pf.deploy(xml, read_forms(DATA / "forms"), now=NOW)


@pytest.fixture
def every_instance_replays(db_url: str) -> Iterator[None]:
    """After the test: every instance it left re-executes from its audit log exactly,
    and the whole log holds (per-instance and global chains)."""
    yield
    pf = Policyflow(db_url)
    verdicts = [pf.verify(instance_id) for instance_id in pf.instance_ids()]
    failed = [v for v in verdicts if not v["verified"]]
    assert not failed, failed
    log = pf.verify_log()
    assert log["intact"], log["breaks"]
