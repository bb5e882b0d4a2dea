"""Test databases: SQLite always, PostgreSQL too when DATABASE_URL points at one.

Each database is migrated and seeded once per run (per xdist worker: SQLite in the
worker's own tmp dir, PostgreSQL in a database of its own, `test_gw0_<run>`…); each test then
starts from the seed (runtime tables emptied) with a fresh engine object, so no cache
outlives a test.

Markers come from the folder (tests/engine → `engine`, web, api, cli, background,
browser) and the backend (`postgresql`); see pytest_collection_modifyitems.
"""

import os

# Passwords are hashed with argon2's cheapest parameters in tests (engine/access/
# accounts.py: production never sets this). Set before the engine is imported; the
# servers, workers and CLI processes the tests start inherit it with the environment.
os.environ["POLICYFLOW_PASSWORD_PROFILE"] = "test"
# The suite runs while the district still exists: the engine's calendar reads 2/6/2025
# (after the communes' merger of 1/9/2024, before the district's end on 30/6/2025; after
# every moment the tests give their commands, NOW and the 2024 deadlines, as the real
# clock was), the time of day stays real. Tests of other dates give commands `now`.
os.environ["POLICYFLOW_CLOCK_DATE"] = "2025-06-02"
# Audit checkpoints are signed with this test key (never the project's .audit_signing_key).
os.environ["POLICYFLOW_AUDIT_KEY"] = "5e" * 32

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import (
    Connection,
    Select,
    create_engine,
    delete,
    insert,
    make_url,
    select,
    text,
    update,
)

from engine.access.accounts import HASHER
from engine.access.org_import import import_org, read_org_file
from engine.facade import Policyflow, read_forms
from engine.seed import ORG_FILE, demo_users, seed_demo
from engine.store import schema as migrate
from engine.store.db import database_url, get_engine, normalize_url, transaction
from engine.store.models import (
    AuditEvent,
    CalendarDay,
    CalendarYear,
    DocumentTemplate,
    OrgUnit,
    ProcessVersion,
    RoleAssignment,
    SettingValue,
    Spokesperson,
    SpokespersonPublication,
    User,
)

assert HASHER.time_cost == 1, "the engine was imported before the test password profile"
DEMO_HASH = HASHER.hash("demo")  # the seed's password, put back before each test

ROOT = Path(__file__).resolve().parent.parent
TESTS = Path(__file__).resolve().parent
WORKFLOWS = ROOT / "workflows"
DATA = TESTS / "data"
# The folder a test lives in is its marker (registered in pyproject.toml).
LAYERS = {"engine", "web", "api", "cli", "background", "browser"}
PG_URL = os.environ.get("DATABASE_URL", "")
# The suite's own engines hand no job to a queue; the worker tests run their own Redis.
os.environ.pop("REDIS_URL", None)
BACKENDS = ["sqlite"] + (["postgresql"] if PG_URL.startswith("postgres") else [])

# Emptied before each test, children first; org, users, rules and calendar stay seeded.
RUNTIME_TABLES = [
    "citizen_letters",
    "info_request_files",
    "info_requests",
    "public_hits",
    "plan_task_progress",
    "monitoring_items",
    "case_records",
    "register_entries",
    "comments",
    "attachments",
    "documents",
    "document_templates",
    "api_tokens",
    "login_failures",
    "account_events",
    "audit_events",
    "audit_blobs",
    "audit_checkpoint_heads",
    "audit_checkpoints",
    "reminders_sent",
    "jobs",
    "notifications",
    "message_waits",
    "incidents",
    "timers",
    "work_items",
    "instances",
    "document_counters",
    "process_versions",
]

NOW = datetime(2024, 10, 1, 8, 0, tzinfo=UTC)
SEED_USERS = demo_users(NOW.date())


def _prepare(url: str) -> str:
    """A database at the newest revision with the demo seed. PostgreSQL's schema is made
    anew: the shared `test` database may hold what another run or branch left (a revision
    number whose content has since changed), which downgrading through today's revisions
    cannot undo."""
    if url.startswith("postgres"):
        with get_engine(url).begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        get_engine(url).dispose()
    else:
        migrate.downgrade(url, "base")
    migrate.upgrade(url)
    with transaction(url) as session:
        seed_demo(session, password="demo")
    return url


@pytest.fixture(scope="session")
def sqlite_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    return _prepare(f"sqlite:///{tmp_path_factory.mktemp('db') / 'policyflow.db'}")


@pytest.fixture(scope="session")
def postgresql_url() -> Iterator[str]:
    if not PG_URL.startswith("postgres"):
        # Without it database_url() is the embedded default: the developer's own
        # policyflow.db, which a test would reset, downgrade and lose.
        pytest.skip("needs DATABASE_URL (PostgreSQL)")
    os.environ.setdefault("DATABASE_URL", PG_URL)
    url = database_url()
    mine = worker_database(url)
    yield _prepare(mine)
    if mine != url:  # a worker's own database goes when the run ends
        get_engine(mine).dispose()
        sibling_database(url, worker_suffix(), drop=True)


def worker_database(url: str) -> str:
    """Under pytest-xdist, the worker's own database beside DATABASE_URL's, named after the
    worker and the run (`test_gw0_1a2b3c4d`: two runs at once never share one), made
    afresh and dropped at the end; else the URL itself."""
    return sibling_database(url, worker_suffix(), fresh=True) if worker_suffix() else url


def worker_suffix() -> str:
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    run = os.environ.get("PYTEST_XDIST_TESTRUNUID", "")[:8]
    return f"{worker}_{run}" if worker else ""


def sibling_database(url: str, suffix: str, fresh: bool = False, drop: bool = False) -> str:
    """The URL of database `<name>_<suffix>` on DATABASE_URL's server, created through the
    `postgres` maintenance database if missing: dropped first if `fresh`, only dropped if
    `drop`."""
    parsed = make_url(normalize_url(url))
    name = f"{parsed.database}_{suffix}"
    server = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with server.connect() as conn:
            if fresh or drop:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            found = conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name})
            if not found and not drop:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        server.dispose()
    return parsed.set(database=name).render_as_string(hide_password=False)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Each test gets its folder's marker and, on PostgreSQL, `postgresql`: new tests are
    selected by `make test-fast` (-m) without decorating them."""
    for item in items:
        path = item.path.resolve()
        if TESTS in path.parents and path.parent != TESTS:
            layer = path.relative_to(TESTS).parts[0]
            if layer in LAYERS:
                item.add_marker(layer)
        params = getattr(item, "callspec", None)
        on_postgresql = params is not None and "postgresql" in map(str, params.params.values())
        if on_postgresql or "postgresql_url" in item.fixturenames:
            item.add_marker("postgresql")


@pytest.fixture(params=BACKENDS)
def fresh_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database of its own on each backend (no schema yet), for tests that
    migrate: a file under tmp_path, or a PostgreSQL database named after the test module
    (and the xdist worker), dropped at the end."""
    name = request.module.__name__.rsplit(".", 1)[-1]
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / f'{name}.db'}"
        return
    suffix = "_".join(filter(None, [name, worker_suffix()]))
    url = sibling_database(PG_URL, suffix, fresh=True)
    yield url
    get_engine(url).dispose()
    sibling_database(PG_URL, suffix, drop=True)


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest) -> str:
    return reset_runtime(request.getfixturevalue(f"{request.param}_url"))


def reset_runtime(url: str) -> str:
    """Back to the seed: every runtime table emptied, the users a test added (with their
    roles) gone and the seeded ones' password "demo" again, so that no test sees another's
    traces — whatever order xdist runs them in."""
    with get_engine(url).begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text(f"TRUNCATE {', '.join(RUNTIME_TABLES)} RESTART IDENTITY CASCADE"))
        else:
            for table in RUNTIME_TABLES:
                conn.execute(text(f"DELETE FROM {table}"))
        # The spokesperson register back to its seed (rows recorded by "system", with the
        # seed's publication, job 0): what a test designated or published goes.
        conn.execute(delete(Spokesperson).where(Spokesperson.recorded_by != "system"))
        conn.execute(delete(SpokespersonPublication).where(SpokespersonPublication.job_id != 0))
        added = select(User.id).where(User.username.not_in(list(SEED_USERS)))
        conn.execute(delete(RoleAssignment).where(RoleAssignment.user_id.in_(added)))
        conn.execute(delete(User).where(User.username.not_in(list(SEED_USERS))))
        conn.execute(update(User).values(password_hash=DEMO_HASH))
        state = reference_state(conn)
        changed = state != SEED_STATE.setdefault(url, state)
    if changed:  # an admin test changed people, units, rules or the calendar: back to the seed
        restore_reference(url, SEED_STATE[url])
    return url


# Per database: the reference data (seeded people and holdings, units, rules, calendar) as
# the seed left them; a test that changed any of it is followed by restore_reference.
SEED_STATE: dict[str, dict[str, list[tuple]]] = {}


def reference_state(conn: Connection) -> dict[str, list[tuple]]:
    """The reference data, a few hundred rows in five queries."""
    people = select(
        User.username, User.full_name, User.position, User.email, User.phone,
        User.is_admin, User.active, RoleAssignment.role_key, RoleAssignment.unit_id,
        RoleAssignment.valid_from, RoleAssignment.valid_to,
    ).outerjoin(RoleAssignment, RoleAssignment.user_id == User.id)  # fmt: skip
    units = select(
        OrgUnit.id, OrgUnit.code, OrgUnit.name, OrgUnit.kind, OrgUnit.parent_id,
        OrgUnit.valid_from, OrgUnit.valid_to, OrgUnit.successor_id, OrgUnit.reports,
    )  # fmt: skip
    values = select(SettingValue.id, SettingValue.key, SettingValue.valid_from)
    days = select(CalendarDay.day, CalendarDay.is_working, CalendarDay.name)
    years = select(CalendarYear.year, CalendarYear.confirmed)
    return {
        "people": rows(conn, people.order_by(User.username, RoleAssignment.id)),
        "units": rows(conn, units.order_by(OrgUnit.id)),
        "values": rows(conn, values.order_by(SettingValue.id)),
        "days": rows(conn, days.order_by(CalendarDay.day)),
        "years": rows(conn, years.order_by(CalendarYear.year)),
    }


def rows(conn: Connection, query: Select) -> list[tuple]:
    return [tuple(r) for r in conn.execute(query)]


def restore_reference(url: str, seed: dict[str, list[tuple]]) -> None:
    """Units, setting values and calendar days a test added go; the seed's org file is
    imported again (names, dates, holdings), the calendar put back as seeded."""
    unit_ids = [row[0] for row in seed["units"]]
    added = OrgUnit.id.not_in(unit_ids)
    with transaction(url) as s:
        seeded = select(User.id).where(User.username.in_(list(SEED_USERS)))
        s.execute(delete(RoleAssignment).where(RoleAssignment.user_id.in_(seeded)))
        s.execute(delete(RoleAssignment).where(RoleAssignment.unit_id.not_in(unit_ids)))
        s.execute(update(User).values(active=True, is_admin=False).where(User.id.in_(seeded)))
        s.execute(
            update(OrgUnit).values(successor_id=None).where(OrgUnit.successor_id.not_in(unit_ids))
        )
        s.execute(update(OrgUnit).values(parent_id=None).where(added))
        s.execute(delete(OrgUnit).where(added))
        kept = [v[0] for v in seed["values"]]
        s.execute(delete(SettingValue).where(SettingValue.id.not_in(kept)))
        s.execute(delete(CalendarDay))
        s.add_all(CalendarDay(day=d, is_working=w, name=n) for d, w, n in seed["days"])
        years = [y[0] for y in seed["years"]]
        s.execute(delete(CalendarYear).where(CalendarYear.year.not_in(years)))
        for year, confirmed in seed["years"]:
            s.execute(
                update(CalendarYear).values(confirmed=confirmed).where(CalendarYear.year == year)
            )
        import_org(s, read_org_file(ORG_FILE), "system", NOW, "demo")
        s.execute(delete(AuditEvent))  # the re-import's own event: the log starts empty


@pytest.fixture
def pf(db_url: str) -> Policyflow:
    return Policyflow(db_url)


# Per database: the process_versions rows deploying workflows/ wrote (all a deploy writes).
DEPLOYED_ROWS: dict[str, list[dict]] = {}
VERSIONS = ProcessVersion.__table__
TEMPLATES = DocumentTemplate.__table__
DEPLOYED_TEMPLATES: dict[str, list[dict]] = {}
SEQUENCE_PAST_MAX = """SELECT setval(pg_get_serial_sequence('process_versions', 'id'), max(id))
    FROM process_versions"""


@pytest.fixture
def deployed(pf: Policyflow) -> Iterator[Policyflow]:
    """The engine with every process of workflows/ deployed (by chu_quy_trinh, at NOW).

    The first test on a database deploys them through the engine; the next ones get the
    very rows that wrote back (a deploy checks every model and form: ~0.15 s a test)."""
    rows = DEPLOYED_ROWS.get(pf.url)
    if rows is None:
        forms = read_forms(WORKFLOWS / "forms")
        first = sorted(WORKFLOWS.glob("*.bpmn"), key=lambda p: p.name != "document_approval.bpmn")
        for path in first:
            pf.deploy(path.read_text(encoding="utf-8"), forms, "chu_quy_trinh", now=NOW)
        with get_engine(pf.url).connect() as conn:
            found = conn.execute(select(VERSIONS).order_by(VERSIONS.c.id)).mappings()
            rows = [dict(row) for row in found]
            found = conn.execute(select(TEMPLATES).order_by(TEMPLATES.c.id)).mappings()
            DEPLOYED_TEMPLATES[pf.url] = [dict(row) for row in found]
        DEPLOYED_ROWS[pf.url] = rows
    else:
        with get_engine(pf.url).begin() as conn:
            conn.execute(insert(VERSIONS), rows)
            if DEPLOYED_TEMPLATES[pf.url]:  # the .docx templates deployed with them
                conn.execute(insert(TEMPLATES), DEPLOYED_TEMPLATES[pf.url])
                if conn.dialect.name == "postgresql":
                    moved = SEQUENCE_PAST_MAX.replace("process_versions", TEMPLATES.name)
                    conn.execute(text(moved))
            if conn.dialect.name == "postgresql":  # the ids were given: move the sequence on
                conn.execute(text(SEQUENCE_PAST_MAX))
    yield pf


def deploy_test_model(pf: Policyflow, name: str) -> dict:
    """Deploy a model from tests/data (with the forms in tests/data/forms)."""
    xml = (DATA / name).read_text(encoding="utf-8")
    return pf.deploy(xml, read_forms(DATA / "forms"), now=NOW)


@pytest.fixture
def every_instance_replays(db_url: str) -> Iterator[None]:
    """After the test: every instance it left re-executes from its audit log exactly,
    and the whole log holds (every chain, under a signed checkpoint written now)."""
    yield
    pf = Policyflow(db_url)
    verdicts = [pf.audit.verify(instance_id) for instance_id in pf.audit.instance_ids()]
    failed = [v for v in verdicts if not v["verified"]]
    assert not failed, failed
    pf.audit.checkpoint()
    log = pf.audit.verify_log()
    assert log["intact"], log["breaks"]
