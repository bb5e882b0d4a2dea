"""Seed a large PostgreSQL database for the web benchmark (bench/web.py), fast.

    .venv/bin/python bench/web_seed.py            # 100,000 instances, 1,000,000 work items
    .venv/bin/python bench/web_seed.py --instances 10000 --work-items 100000   # smaller

The database is $WEBBENCH_DATABASE_URL, by default
postgresql://postgres@127.0.0.1:5432/policyflow_webbench. It is created if missing and
EMPTIED (schema dropped and re-created): its name must contain "bench".

What it writes:
  * the demo seed (users, password "demo"), the 4 processes deployed, and ~130 more
    officers (`b_<role>_<n>`) so completed work is spread over realistic inbox owners;
  * one real instance per process started through the engine: the templates;
  * the bulk, with PostgreSQL COPY (not the engine): instances whose `state` is the
    template's serialized state (verbatim), `waiting` listing their open work items, and
    work items along each process's real paths (element ids, names, roles, forms, units,
    scopes, revision rounds), ~90% completed (a few cancelled), ~10% open, due dates
    spread over the past and future (about a quarter of the open ones overdue). Work is
    open only at an instance's frontier, so that mix leaves ~95% of instances running;
  * COMPLETABLE press_statement instances whose state is the template's with every task
    id re-derived for the new instance id (ids are uuid5(instance id, counter), see
    engine/context.py), so the engine really can complete their open "Register" task.
    No bulk item is an open "Register": bench/web.py finds the completable tasks with
    `element_id = 'Register' AND state = 'open'`.
"""

import argparse
import json
import os
import random
import re
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy import create_engine, select, text
from tqdm import tqdm

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
# The 2024 district's workload: the engine clock reads 2025-06-02 (as in the tests) unless
# set; the servers and workers started here inherit it.
os.environ.setdefault("POLICYFLOW_CLOCK_DATE", "2025-06-02")

from engine.access.org import OrgTree, local_date  # noqa: E402
from engine.commands.runner import Runtime  # noqa: E402
from engine.commands.start import start_role  # noqa: E402
from engine.context import NAMESPACE, utcnow  # noqa: E402
from engine.facade import Policyflow, read_forms  # noqa: E402
from engine.seed import seed_demo  # noqa: E402
from engine.store import compression  # noqa: E402
from engine.store import schema as migrate  # noqa: E402
from engine.store.db import transaction  # noqa: E402
from engine.store.models import OrgUnit, ProcessVersion, Role, RoleAssignment, User  # noqa: E402

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/policyflow_webbench"
WORKFLOWS = ROOT / "workflows"
UUID_RE = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")

# Start data for the templates (valid for each start form).
START_DATA: dict[str, dict[str, Any]] = {
    "press_statement": {
        "trigger": "press_request",
        "case_title": "Phản ánh ô nhiễm tại cụm công nghiệp Trà Lũ",
        "summary": "Báo điện tử đề nghị cung cấp thông tin",
        "event_time": "2024-10-01T14:00:00+07:00",
        "press_agency": "Báo Nam Định",
        "press_contact": "Phóng viên Nguyễn Văn A",
        "press_medium": "online",
        "citizen_issue": False,
    },
    "document_approval": {"doc_type": "KH", "doc_title": "Kế hoạch truyền thông chính sách"},
    "crisis_team": {
        "source": "monitoring_alert",
        "incident_title": "Thông tin sai sự thật về dịch bệnh tại Trà Lũ",
        "incident_summary": "Mạng xã hội lan truyền tin đóng cửa trường học",
        "incident_at": "2024-10-01T13:30:00+07:00",
        "affected_commune": "xa-tra-lu",  # Xuân Bắc merged into it on 1/9/2024
        "concerned_department": "phong-tu-phap",
        "spread_channels": "Facebook, Zalo",
    },
    "annual_report": {"year": 2024, "outline_ref": "150/KH-UBND"},
}

# Extra officers: (role, unit code, how many). Reporting units get don_vi/thu_truong below.
# The lãnh đạo UBND lanes are a group: people hold chu_tich or pho_chu_tich, members of it.
EXTRA_OFFICERS = [
    ("chuyen_vien_vhtt", "phong-vhtt", 6),
    ("truong_phong_vhtt", "phong-vhtt", 1),
    ("van_phong", "van-phong", 3),
    ("pho_chu_tich", "huyen-xuan-truong", 1),
    ("van_thu", "van-phong", 2),
    ("trung_tam_vhtttt", "ttvhtttt", 3),
    ("cong_an", "cong-an", 2),
]

# The mix of processes among the bulk instances (the annual report is rare but huge).
PROCESS_WEIGHTS = {
    "document_approval": 0.40,
    "press_statement": 0.40,
    "crisis_team": 0.197,
    "annual_report": 0.003,
}


def database_url() -> str:
    url = os.environ.get("WEBBENCH_DATABASE_URL", DEFAULT_URL)
    if not url.startswith("postgres") or "bench" not in url.rsplit("/", 1)[-1]:
        sys.exit(f"refusing {url!r}: a PostgreSQL database whose name contains 'bench'")
    return url


def psycopg_dsn(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


# -- the schema, the seed, the templates ---------------------------------------------


def prepare(url: str, on: date) -> Policyflow:
    server, name = url.rsplit("/", 1)
    admin = create_engine(f"{server}/postgres".replace("postgresql://", "postgresql+psycopg://"))
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        if not conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}):
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    migrate.downgrade(url, "base")
    migrate.upgrade(url)
    with transaction(url) as session:
        seed_demo(session, password="demo")
    pf = Policyflow(url)
    forms = read_forms(WORKFLOWS / "forms")
    # The processes this seed knows how to fill (later ones, e.g. started by other roles or
    # calling other processes, are not part of the inbox workload measured here).
    known = [p for p in WORKFLOWS.glob("*.bpmn") if p.stem in START_DATA]
    models = sorted(known, key=lambda p: p.name != "document_approval.bpmn")
    for path in models:
        pf.deploy(path.read_text(encoding="utf-8"), forms, "chu_quy_trinh")
    add_officers(url, on)
    return pf


def add_officers(url: str, on: date) -> None:
    """The extra officers, holding their role for the life of their unit, in the units in
    force on the date (the district's world of 2025: not the communes merged in 2024)."""
    with transaction(url) as s:
        password_hash = s.scalar(select(User.password_hash).where(User.username == "cv_vhtt"))
        units = {u.code: u for u in s.scalars(select(OrgUnit)) if u.in_force(on)}
        wanted = [(r, code, n) for r, code, n in EXTRA_OFFICERS]
        for unit in units.values():
            if unit.reports:
                wanted += [("don_vi", unit.code, 2), ("thu_truong_don_vi", unit.code, 1)]
        for role, code, n in wanted:
            for i in range(1, n + 1):
                username = f"b_{role}_{code}_{i}"[:64]
                user = User(
                    username=username,
                    full_name=f"Cán bộ {i} ({role}) {units[code].name}",
                    password_hash=password_hash,
                )
                unit = units[code]
                user.roles = [
                    RoleAssignment(
                        role_key=role,
                        unit_id=unit.id,
                        valid_from=unit.valid_from,
                        valid_to=unit.valid_to,
                    )
                ]
                s.add(user)


@dataclass
class Template:
    key: str
    id: int
    version_id: int
    unit_id: int
    state: str  # the serialized workflow (JSON)
    packed: bytes  # as stored: compressed (engine/store/compression.py)
    task_counter: int
    called_versions: str
    event_count: int
    last_hash: str
    waiting: dict[str, Any]


def start_templates(pf: Policyflow, now: datetime) -> dict[str, Template]:
    templates = {}
    for key, data in START_DATA.items():
        started = pf.start(key, "cv_vhtt", data, now=now - timedelta(days=30))
        with transaction(pf.url) as s:
            row = s.execute(
                text(
                    "SELECT id, process_version_id, unit_id, state, task_counter,"
                    " called_versions::text, event_count, last_hash, waiting::text"
                    " FROM instances WHERE id = :i"
                ),
                {"i": started["id"]},
            ).one()
        packed = bytes(row[3])
        templates[key] = Template(
            key, row[0], row[1], row[2], compression.unpack(packed), packed, row[4], row[5],
            row[6], row[7], json.loads(row[8]),
        )  # fmt: skip
    return templates


# -- what the processes look like -----------------------------------------------------


@dataclass(frozen=True)
class Element:
    id: str
    name: str
    role: str | None
    form: str | None
    pinned: bool  # unitFrom: the item goes to one unit (scope "unit")
    has_due: bool
    version_id: int


def catalogue(pf: Policyflow) -> dict[str, dict[str, Element]]:
    """process key -> element id -> its user task, read from the deployed models."""
    rt: Runtime = pf.runtime
    found: dict[str, dict[str, Element]] = {}
    with transaction(pf.url) as s:
        for pv in s.scalars(select(ProcessVersion)):
            version = rt.versions.get(s, pv.id)
            assert start_role(version) == "chuyen_vien_vhtt", pv.process_key
            found[pv.process_key] = {
                e.id: Element(
                    e.id,
                    e.name,
                    e.role,
                    e.properties.get("formJsonSchemaFilename"),
                    "unitFrom" in e.properties,
                    "dueIn" in e.properties,
                    pv.id,
                )
                for e in version.parsed.info.elements.values()
                if e.kind == "userTask"
            }
    return found


Step = list[tuple[str, str, str | None]]  # [(process key of the element, element id, unit)]


def document_steps(rng: random.Random, rounds: int, key: str = "document_approval") -> list[Step]:
    steps: list[Step] = []
    for _ in range(rounds + 1):
        steps += [[(key, "Draft", None)], [(key, "Review", None)]]
    return steps + [[(key, e, None)] for e in ("Format", "Sign", "Dispatch")]


def press_steps(rng: random.Random, rounds: int, units: list[str]) -> list[Step]:
    k = "press_statement"
    steps: list[Step] = [[(k, "Register", None)]]
    if rng.random() < 0.1:
        steps += [[(k, "Authorise", None)], [(k, "Publish_auth", None)]]
    steps += [
        [(k, "Request_facts", None)],
        [(k, "Provide_facts", rng.choice(units))],
        [(k, "Decide", None)],
    ]
    if rng.random() < 0.08:
        return [*steps, [(k, "Refusal", None)]]
    for _ in range(rounds + 1):
        steps += [[(k, "Draft", None)], [(k, "Review", None)]]
    return [*steps, [(k, "Approve", None)], [(k, "Publish", None)]]


def crisis_steps(rng: random.Random, rounds: int, departments: list[str], communes: list[str]):
    k = "crisis_team"
    steps: list[Step] = [[(k, "Assess", None)]]
    if rng.random() < 0.3:
        return steps  # routine: ends at once
    steps += [[(k, "Draft_team", None)], [(k, "Vp_review", None)]]
    steps.append(
        [
            (k, "Verify_police", None),
            (k, "Verify_department", rng.choice(departments)),
            (k, "Verify_commune", rng.choice(communes)),
        ]
    )
    steps += [[(k, e, None)] for e in ("Draft_statement", "Approve_statement", "Publish_statement")]
    steps += [[(k, "Monitor", None)], [(k, "Leader_decide", None)]]
    for _ in range(rounds):
        for e in ("Draft_update", "Approve_update", "Publish_update", "Monitor", "Leader_decide"):
            steps.append([(k, e, None)])
    if rng.random() < 0.2:
        steps.append([(k, "Escalate", None)])
    return [*steps, [(k, "Closeout", None)]]


def annual_steps(rng: random.Random, rounds: int, reporting: list[str]) -> list[Step]:
    k = "annual_report"
    steps: list[Step] = [
        [(k, "Unit_draft", u) for u in reporting],
        [(k, "Unit_approve", u) for u in reporting],
        [(k, "Consolidate", None)],
    ]
    # The report is then dispatched by a document step (no user task of its own).
    return steps + document_steps(rng, rounds, "document_approval")


# -- who holds what -------------------------------------------------------------------


class Holders:
    """Users able to act on a (role, unit, scope) item on the date, as the inbox rules say:
    holdings (and their units) in force, each also as the group its role is in."""

    def __init__(self, url: str, on: date) -> None:
        with transaction(url) as s:
            self.tree = OrgTree.load(s)
            groups = {r.key: r.member_of for r in s.scalars(select(Role))}
            rows = [
                (a.role_key, a.unit_id, a.user_id)
                for a in s.scalars(select(RoleAssignment))
                if a.in_force(on) and self.tree.by_id[a.unit_id].in_force(on)
            ]
        self.cv = list(dict.fromkeys(r[2] for r in rows if r[0] == "chuyen_vien_vhtt"))
        self.pinned: dict[tuple[str, int], list[int]] = {}
        self.admin: dict[tuple[str, int], list[int]] = {}
        for role, unit_id, user_id in rows:
            for key in filter(None, (role, groups.get(role))):
                self.pinned.setdefault((key, unit_id), []).append(user_id)
                admin = self.tree.administration(unit_id)
                self.admin.setdefault((key, admin), []).append(user_id)

    def of(self, role: str | None, unit_id: int, scope: str) -> list[int]:
        table = self.pinned if scope == "unit" else self.admin
        return table.get((role or "", unit_id), [])


# -- the bulk -------------------------------------------------------------------------


@dataclass
class Plan:
    id: int
    key: str
    status: str  # running | completed | cancelled
    steps: list[Step]
    cut: int  # running/cancelled: index of the step that is open / was cancelled


def plan_instances(
    rng: random.Random, n: int, m: int, first_id: int, units: dict[str, list[str]]
) -> list[Plan]:
    """n instances whose paths add up to about m work items, ~10% of them open.

    Work stays open only at an instance's frontier, so with ~10 items per instance and
    ~10% of them open nearly every instance is still running: that is what the requested
    mix implies (see the report). Revision rounds (returns for revision, crisis updates)
    are added where the running total lags behind m.
    """
    keys = list(PROCESS_WEIGHTS)
    weights = [PROCESS_WEIGHTS[k] for k in keys]
    plans: list[Plan] = []
    open_so_far = total = 0
    mean_rounds = 1.0  # steered so that the items add up to m
    for i in range(n):
        key = rng.choices(keys, weights)[0]
        shape = random.Random(rng.random())  # the branches this instance takes
        running = open_so_far < 0.095 * m * (i + 1) / n
        cancelled = not running and rng.random() < 0.015
        fraction = rng.random() ** 0.25  # most running instances are well advanced
        rounds = min(8, int(rng.expovariate(1 / mean_rounds)))
        steps = _steps(shape, key, rounds, units)
        if running:
            low = 1 if key == "press_statement" else 0  # no bulk "Register" is open
            cut = min(len(steps) - 1, max(low, int(fraction * len(steps))))
            size = sum(len(s) for s in steps[: cut + 1])
            open_so_far += len(steps[cut])
        elif cancelled:
            cut = int(fraction * (len(steps) - 1))
            size = sum(len(s) for s in steps[: cut + 1])
        else:
            cut, size = len(steps), sum(len(s) for s in steps)
        total += size
        behind = total < m * (i + 1) / n
        mean_rounds = min(6.0, max(0.05, mean_rounds * (1.01 if behind else 1 / 1.01)))
        status = "running" if running else "cancelled" if cancelled else "completed"
        plans.append(Plan(first_id + i, key, status, steps, cut))
    return plans


def _steps(rng: random.Random, key: str, rounds: int, units: dict[str, list[str]]) -> list[Step]:
    if key == "document_approval":
        return document_steps(rng, rounds)
    if key == "press_statement":
        return press_steps(rng, rounds, units["facts"])
    if key == "crisis_team":
        return crisis_steps(rng, rounds, units["departments"], units["communes"])
    return annual_steps(rng, rounds // 3, units["reporting"])


@dataclass
class Context:
    now: datetime
    rng: random.Random
    tree: OrgTree
    holders: Holders
    templates: dict[str, Template]
    elements: dict[str, dict[str, Element]]
    district: int
    vhtt: int


def work_item_id(instance_id: int, n: int) -> str:
    return str(uuid.uuid5(NAMESPACE, f"{instance_id}:{n}"))


def rows_of(ctx: Context, plan: Plan) -> tuple[tuple, list[tuple]]:
    """(instance row, its work item rows) for COPY."""
    rng, now = ctx.rng, ctx.now
    tpl = ctx.templates[plan.key]
    hours = [rng.uniform(0.5, 60) for _ in plan.steps]
    if plan.status == "running":
        elapsed = sum(hours[: plan.cut]) + rng.uniform(0, 240)
        started = now - timedelta(hours=elapsed)
    else:
        started = now - timedelta(days=rng.uniform(40, 4 * 365))
    starter = rng.choice(ctx.holders.cv)
    items: list[tuple] = []
    waiting: dict[str, str] = {}
    n = tpl.task_counter
    at = started
    last = len(plan.steps) if plan.status == "completed" else plan.cut + 1
    for index, step in enumerate(plan.steps[:last]):
        for process_key, element_id, unit_code in step:
            el = ctx.elements[process_key][element_id]
            if el.pinned:
                unit_id, scope = ctx.tree.unit(unit_code or "phong-vhtt").id, "unit"
            else:
                unit_id, scope = ctx.district, "administration"
            people = ctx.holders.of(el.role, unit_id, scope)
            n += 1
            wid = work_item_id(plan.id, n)
            created = at
            open_now = plan.status == "running" and index == plan.cut
            if open_now:
                state, done_by, done_at = "open", None, None
                claimed = rng.choice(people) if people and rng.random() < 0.3 else None
                due = _open_due(rng, now, created)
                waiting[wid] = element_id
            elif plan.status == "cancelled" and index == plan.cut:
                state, done_by, claimed = "cancelled", None, None
                done_at = created + timedelta(hours=rng.uniform(1, 48))
                due = created + timedelta(days=rng.randint(1, 7)) if el.has_due else None
            else:
                state, done_by = "completed", rng.choice(people) if people else None
                claimed = done_by if rng.random() < 0.5 else None
                done_at = created + timedelta(hours=hours[index])
                due = created + timedelta(days=rng.randint(1, 7)) if el.has_due else None
            items.append(
                (
                    wid,
                    plan.id,
                    plan.key,
                    el.version_id,
                    element_id,
                    el.name,
                    el.role,
                    unit_id,
                    scope,
                    el.form,
                    state,
                    claimed,
                    done_by,
                    created,
                    due,
                    done_at,
                )
            )
        at += timedelta(hours=hours[index])
    ended = None
    if plan.status != "running":
        ended = max((i[15] for i in items if i[15]), default=started)
    instance = (
        plan.id,
        tpl.version_id,
        plan.key,
        plan.status,
        ctx.vhtt,
        starter,
        started,
        ended,
        tpl.packed,
        json.dumps({"tasks": waiting, "timers": {}, "messages": {}}),
        n,
        tpl.called_versions,
        1 + len(items),
        tpl.last_hash,
        1 + len(items),
    )
    return instance, items


def _open_due(rng: random.Random, now: datetime, created: datetime) -> datetime | None:
    roll = rng.random()
    if roll < 0.25:  # overdue
        return max(created + timedelta(hours=1), now - timedelta(hours=rng.uniform(1, 30 * 24)))
    if roll < 0.30:  # due later today or tomorrow
        return now + timedelta(hours=rng.uniform(0.5, 20))
    if roll < 0.80:
        return now + timedelta(days=rng.uniform(1, 20))
    return None


def remapped(template: Template, new_id: int) -> tuple[str, dict[str, str]]:
    """The template's state and task ids with every id derived for `new_id` instead."""
    mapping = {
        work_item_id(template.id, k): work_item_id(new_id, k)
        for k in range(1, template.task_counter + 1)
    }
    state = UUID_RE.sub(lambda m: mapping.get(m.group(0), m.group(0)), template.state)
    return state, mapping


def completable_rows(ctx: Context, instance_id: int) -> tuple[tuple, list[tuple]]:
    """A press_statement instance at its 'Register' task that the engine can complete."""
    tpl = ctx.templates["press_statement"]
    state, mapping = remapped(tpl, instance_id)
    tasks = {mapping[t]: e for t, e in tpl.waiting["tasks"].items()}
    assert list(tasks.values()) == ["Register"], tpl.waiting
    el = ctx.elements["press_statement"]["Register"]
    created = ctx.now - timedelta(hours=ctx.rng.uniform(1, 72))
    items = [
        (
            wid,
            instance_id,
            "press_statement",
            el.version_id,
            "Register",
            el.name,
            el.role,
            ctx.district,
            "administration",
            el.form,
            "open",
            None,
            None,
            created,
            None,
            None,
        )
        for wid in tasks
    ]
    instance = (
        instance_id,
        tpl.version_id,
        "press_statement",
        "running",
        tpl.unit_id,
        ctx.rng.choice(ctx.holders.cv),
        created,
        None,
        compression.pack(state),
        json.dumps({**tpl.waiting, "tasks": tasks}),
        tpl.task_counter,
        tpl.called_versions,
        tpl.event_count,
        tpl.last_hash,
        1,
    )
    return instance, items


INSTANCE_COLUMNS = (
    "id, process_version_id, process_key, status, unit_id, started_by, started_at, ended_at,"
    " state, waiting, task_counter, called_versions, event_count, last_hash, row_version"
)
ITEM_COLUMNS = (
    "id, instance_id, process_key, version_id, element_id, name, role_key, unit_id, scope,"
    " form, state, claimed_by, completed_by, created_at, due_at, completed_at"
)


def copy_all(url: str, rows: Iterator[tuple[tuple, list[tuple]]], total: int) -> tuple[int, int]:
    instances = items = 0
    with psycopg.connect(psycopg_dsn(url)) as conn, conn.cursor() as cur:
        # Instances first (work_items reference them), then the items, in one transaction.
        staged: list[list[tuple]] = []
        with cur.copy(f"COPY instances ({INSTANCE_COLUMNS}) FROM STDIN") as copy:
            for instance, its_items in tqdm(rows, total=total, unit="inst", desc="instances"):
                copy.write_row(instance)
                staged.append(its_items)
                instances += 1
        with (
            cur.copy(f"COPY work_items ({ITEM_COLUMNS}) FROM STDIN") as copy,
            tqdm(total=sum(len(s) for s in staged), unit="item", desc="work_items") as bar,
        ):
            for its_items in staged:
                for item in its_items:
                    copy.write_row(item)
                items += len(its_items)
                bar.update(len(its_items))
        cur.execute(
            "SELECT setval(pg_get_serial_sequence('instances', 'id'), max(id)) FROM instances"
        )
        conn.commit()
    with psycopg.connect(psycopg_dsn(url), autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE instances")
        conn.execute("VACUUM ANALYZE work_items")
    return instances, items


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--instances", type=int, default=100_000)
    parser.add_argument("--work-items", type=int, default=1_000_000)
    parser.add_argument("--completable", type=int, default=2_000)
    parser.add_argument("--seed", type=int, default=2024)
    args = parser.parse_args()
    url = database_url()
    began = time.perf_counter()
    now = utcnow()  # the engine clock: the district's world (POLICYFLOW_CLOCK_DATE above)
    on = local_date(now)
    pf = prepare(url, on)
    templates = start_templates(pf, now)
    elements = catalogue(pf)
    holders = Holders(url, on)
    tree = holders.tree
    ctx = Context(
        now=now,
        rng=random.Random(args.seed),
        tree=tree,
        holders=holders,
        templates=templates,
        elements=elements,
        district=tree.unit("huyen-xuan-truong").id,
        vhtt=tree.unit("phong-vhtt").id,
    )
    in_force = tree.units_on(on)  # the units of the district's last generation
    units = {
        "reporting": [u.code for u in in_force if u.reports],
        "departments": [u.code for u in in_force if u.kind == "department"],
        "communes": [u.code for u in in_force if u.kind == "commune"],
    }
    units["facts"] = units["departments"] + units["communes"]
    first = max(t.id for t in templates.values()) + 1
    bulk = args.instances - args.completable
    plans = plan_instances(ctx.rng, bulk, args.work_items - args.completable, first, units)

    def rows() -> Iterator[tuple[tuple, list[tuple]]]:
        for plan in plans:
            yield rows_of(ctx, plan)
        for k in range(args.completable):
            yield completable_rows(ctx, first + bulk + k)

    seeded = time.perf_counter()
    n_inst, n_items = copy_all(url, rows(), args.instances)
    copied = time.perf_counter()
    check_completable(pf, first + bulk)
    with psycopg.connect(psycopg_dsn(url)) as conn:
        mix = conn.execute(
            "SELECT state, count(*) FROM work_items GROUP BY state ORDER BY state"
        ).fetchall()
        statuses = conn.execute(
            "SELECT status, count(*) FROM instances GROUP BY status ORDER BY status"
        ).fetchall()
        overdue = conn.execute(  # on the engine clock, as the due dates were spread
            "SELECT count(*) FROM work_items WHERE state = 'open' AND due_at < %s", (now,)
        ).fetchone()
        size = conn.execute(
            "SELECT pg_size_pretty(pg_database_size(current_database()))"
        ).fetchone()
    print(f"copied {n_inst:,} instances and {n_items:,} work items in {copied - seeded:.1f} s")
    print("work_items by state:", ", ".join(f"{s} {c:,}" for s, c in mix))
    print(f"open and overdue: {overdue[0] if overdue else 0:,}")
    print("instances by status:", ", ".join(f"{s} {c:,}" for s, c in statuses))
    print(f"completable 'Register' tasks: {args.completable} (one used by the self-check, +1")
    print(f"  the template's); database size {size[0] if size else '?'}")
    print(f"total {time.perf_counter() - began:.1f} s; database {url}")


def check_completable(pf: Policyflow, instance_id: int) -> None:
    """Complete one copied task through the engine: the copies really are consistent."""
    with transaction(pf.url) as s:
        task_id = s.scalar(
            text("SELECT id FROM work_items WHERE instance_id = :i AND state = 'open'"),
            {"i": instance_id},
        )
    outcome = pf.complete(
        task_id, "cv_vhtt", {"case_number": "PN-BENCH-0", "chairman_available": "available"}
    )
    assert [t["element_id"] for t in outcome["open_tasks"]] == ["Request_facts"], outcome


if __name__ == "__main__":
    main()
