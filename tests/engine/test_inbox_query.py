"""The inbox's one statement against a plain reading of what each box holds: hundreds of
work items of every state, role, unit and scope, claimed or not, with due dates and
arrival times that tie, are listed, filtered, sorted, paged and counted exactly as the
rules say — computed here in Python from the same rows — on SQLite and PostgreSQL."""

import importlib
import random
import uuid
from collections.abc import Callable
from datetime import datetime, time, timedelta
from typing import Any

import pytest
from sqlalchemy import event, func, insert, select

from engine.access import org
from engine.facade import Policyflow, get_engine
from engine.rules.calendar import LOCAL
from engine.store.db import transaction
from engine.store.models import Instance, Notification, OrgUnit, User, WorkItem
from tests.conftest import NOW, deploy_test_model

# The module (engine.queries.inbox is also the name of its function in engine.queries).
inbox_query = importlib.import_module("engine.queries.inbox")
USERS = ["cv_vhtt", "xa_xuanbac", "tp_vhtt", "ct_ubnd", "van_thu"]
LATER = NOW + timedelta(days=3, hours=2)  # "now" for the queries: some items are overdue
NAMES = ["Soạn thảo", "Draft 50%", "draft_x", "Review/ký", "REVIEW", "Duyệt", "Ký số"]
PROCESSES = ["linear3", "other_proc"]


@pytest.fixture
def items(pf: Policyflow) -> list[dict[str, Any]]:
    """~400 work items on one real instance, every combination the inbox must tell apart."""
    deploy_test_model(pf, "linear3.bpmn")
    instance_id = pf.start("linear3", "cv_vhtt", now=NOW)["id"]
    rng = random.Random(17)
    with transaction(pf.url) as s:
        tree = org.OrgTree.load(s)
        actors = [org.get_user(s, u) for u in USERS]
        user_ids = [a.id for a in actors]
        units = list(s.scalars(select(OrgUnit.id)))
        version_id = s.scalar(select(Instance.process_version_id).where(Instance.id == instance_id))
    reach = sorted({b for a in actors for b in inbox_query.reach_branches(tree, a)})
    roles = sorted({r for r, _, _ in reach} | {"khac"})
    stamps = [NOW + timedelta(hours=h) for h in range(-30, 120, 7)]
    rows = []
    for n in range(400):
        if rng.random() < 0.7:
            role, scope, unit = rng.choice(reach)
        else:
            role = rng.choice([*roles, None])
            scope, unit = rng.choice(["unit", "administration"]), rng.choice(units)
        state = rng.choice(["open"] * 5 + ["completed"] * 3 + ["cancelled"])
        done = state == "completed"
        rows.append(
            {
                "id": str(uuid.UUID(int=rng.getrandbits(128))),
                "instance_id": instance_id,
                "process_key": rng.choice(PROCESSES),
                "version_id": version_id,
                "element_id": f"E{n}",
                "name": rng.choice(NAMES),
                "role_key": role,
                "unit_id": unit,
                "scope": scope,
                "form": None,
                "state": state,
                "claimed_by": rng.choice([*user_ids, None, None, None]),
                "completed_by": rng.choice([*user_ids, None]) if done else None,
                "created_at": rng.choice(stamps),  # ties: the id decides
                "due_at": rng.choice([*stamps, LATER, _day_end(LATER), None]),
                "completed_at": rng.choice(stamps[:4]) if done else None,  # ties too
            }
        )
    with get_engine(pf.url).begin() as conn:
        conn.execute(insert(WorkItem), rows)
        found = conn.execute(select(WorkItem.__table__))
        return [dict(r._mapping) for r in found]


def _day_end(moment: datetime) -> datetime:
    return datetime.combine(moment.astimezone(LOCAL).date(), time.min, LOCAL) + timedelta(days=1)


# -- the rules, in Python -------------------------------------------------------------


def expected(
    pf: Policyflow, rows: list[dict[str, Any]], username: str, box: str = "open",
    sort: str = "due", page: int = 1, per_page: int = 50, limit: int = 1000, **filters: Any,
) -> dict[str, Any]:  # fmt: skip
    with transaction(pf.url) as s:
        tree = org.OrgTree.load(s)
        actor = org.get_user(s, username)
        unit_ids = {u.code: u.id for u in s.scalars(select(OrgUnit))}
        names = {r.id: r.username for r in s.execute(select(User.id, User.username))}
        unread = s.scalar(
            select(func.count())
            .select_from(Notification)
            .where(Notification.user_id == actor.id, Notification.read_at.is_(None))
        )
    reach = set(inbox_query.reach_branches(tree, actor))

    def reached(r: dict[str, Any]) -> bool:
        return (r["role_key"], r["scope"], r["unit_id"]) in reach

    is_open = [r for r in rows if r["state"] == "open"]
    boxes: dict[str, Callable[[dict[str, Any]], bool]] = {
        "open": lambda r: r["state"] == "open" and (r["claimed_by"] == actor.id or reached(r)),
        "mine": lambda r: r["state"] == "open" and r["claimed_by"] == actor.id,
        "completed": lambda r: r["state"] == "completed" and r["completed_by"] == actor.id,
    }
    cap = limit + 1
    counts = {
        "open": min(cap, sum(1 for r in is_open if reached(r))),
        "mine": min(cap, sum(1 for r in is_open if r["claimed_by"] == actor.id)),
        "overdue": min(cap, sum(1 for r in is_open if reached(r) and _late(r))),
        "completed": min(cap, sum(1 for r in rows if boxes["completed"](r))),
        "unread_notices": min(cap, unread or 0),
    }
    chosen = [r for r in rows if boxes[box](r) and _passes(r, unit_ids, **filters)]
    chosen.sort(key=_sort_key(box, sort))
    start = (page - 1) * per_page
    filtered = any(filters.values())
    total = min(cap, len(chosen)) if filtered or box != "open" else counts["open"]
    return {
        "ids": [r["id"] for r in chosen[start : start + per_page]],
        "total": total,
        "counts": counts,
        "overdue": [r["state"] == "open" and _late(r) for r in chosen[start : start + per_page]],
        "claimed_by": [names.get(r["claimed_by"]) for r in chosen[start : start + per_page]],
    }


def _late(r: dict[str, Any]) -> bool:
    return r["due_at"] is not None and r["due_at"] < LATER


def _passes(
    r: dict[str, Any], unit_ids: dict[str, int], process: str | None = None,
    unit: str | None = None, due: str | None = None, q: str | None = None,
) -> bool:  # fmt: skip
    end = _day_end(LATER)
    if process and r["process_key"] != process:
        return False
    if unit and r["unit_id"] != unit_ids[unit]:
        return False
    if due == "overdue" and not _late(r):
        return False
    if due == "today" and not (r["due_at"] is not None and LATER <= r["due_at"] < end):
        return False
    if due == "later" and not (r["due_at"] is None or r["due_at"] >= end):
        return False
    return not (q and q.strip().lower() not in r["name"].lower())


def _sort_key(box: str, sort: str) -> Callable[[dict[str, Any]], tuple]:
    def key(r: dict[str, Any]) -> tuple:
        if box == "completed":
            return (-r["completed_at"].timestamp(), r["id"])
        created = r["created_at"].timestamp()
        if sort in ("due", "-due"):
            due = r["due_at"].timestamp() if r["due_at"] else 0.0
            return (r["due_at"] is None, due if sort == "due" else -due, created, r["id"])
        return (created if sort == "created" else -created, r["id"])

    return key


def actual(pf: Policyflow, username: str, **query: Any) -> dict[str, Any]:
    found = pf.inbox(username, now=LATER, **query)
    return {
        "ids": [t["id"] for t in found["items"]],
        "total": found["total"],
        "counts": found["counts"],
        "overdue": [t["overdue"] for t in found["items"]],
        "claimed_by": [t["claimed_by"] for t in found["items"]],
    }


# -- the comparisons ------------------------------------------------------------------


@pytest.mark.parametrize("username", USERS)
@pytest.mark.parametrize("box", ["open", "mine", "completed"])
def test_each_box_in_each_order_page_by_page(
    pf: Policyflow, items: list[dict[str, Any]], username: str, box: str
) -> None:
    for sort in ("due", "-due", "created", "-created"):
        for page, per_page in ((1, 50), (1, 7), (2, 7), (3, 7), (40, 7)):
            want = expected(pf, items, username, box, sort, page, per_page)
            got = actual(pf, username, box=box, sort=sort, page=page, per_page=per_page)
            assert got == want, (username, box, sort, page, per_page)


FILTERS: list[dict[str, Any]] = [
    {"process": "other_proc"},
    {"unit": "phong-vhtt"},
    {"unit": "xa-xuan-bac", "process": "linear3"},
    {"due": "overdue"},
    {"due": "today"},
    {"due": "later"},
    {"q": "draft"},
    {"q": " REVIEW "},
    {"q": "_"},  # the user's characters, not LIKE wildcards
    {"q": "%"},
    {"q": "/"},
    {"q": "Soạn"},
    {"q": "draft", "due": "later", "process": "linear3"},
]


@pytest.mark.parametrize(
    "filters", FILTERS, ids=lambda f: "-".join(f"{k}={v}" for k, v in f.items())
)
def test_filters_in_every_box(pf: Policyflow, items: list[dict[str, Any]], filters: dict) -> None:
    for username in USERS:
        for box in ("open", "mine", "completed"):
            for page in (1, 2):
                want = expected(pf, items, username, box, "due", page, 10, **filters)
                got = actual(pf, username, box=box, page=page, per_page=10, **filters)
                assert got == want, (username, box, page)


def test_counting_stops_at_the_limit_or_the_pages_depth(
    pf: Policyflow, items: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(inbox_query, "COUNT_LIMIT", 9)
    for username in USERS:
        for box, filters in (("open", {}), ("open", {"q": "d"}), ("completed", {})):
            for page, per_page in ((1, 5), (3, 5), (5, 4)):
                limit = max(9, page * per_page)
                want = expected(
                    pf, items, username, box, "due", page, per_page, limit=limit, **filters
                )
                found = pf.inbox(
                    username, now=LATER, box=box, page=page, per_page=per_page, **filters
                )
                assert found["count_limit"] == limit
                assert found["total"] == want["total"] and found["counts"] == want["counts"]
                assert [t["id"] for t in found["items"]] == want["ids"]
    big = pf.inbox("cv_vhtt", now=LATER, per_page=5)
    assert big["counts"]["open"] == 10 and big["total"] == 10  # "more than 9"


def test_a_claim_out_of_reach_is_listed_and_counted_once(
    pf: Policyflow, items: list[dict[str, Any]]
) -> None:
    """A task claimed under a holding that has since ended stays in the claimer's open box
    (until the daily job gives it back), is counted in the filtered total once, and never
    in the reach's open count."""
    with transaction(pf.url) as s:
        me = org.get_user(s, "xa_xuanbac")
    stray = next(r for r in items if r["state"] == "open" and r["role_key"] == "khac")
    with get_engine(pf.url).begin() as conn:
        conn.execute(
            WorkItem.__table__.update()
            .where(WorkItem.id == stray["id"])
            .values(claimed_by=me.id, name="Việc lạc")
        )
    stray.update(claimed_by=me.id, name="Việc lạc")
    found = pf.inbox("xa_xuanbac", now=LATER, q="lạc", per_page=100)
    assert [t["id"] for t in found["items"]] == [stray["id"]] and found["total"] == 1
    want = expected(pf, items, "xa_xuanbac", per_page=500)
    assert actual(pf, "xa_xuanbac", per_page=500) == want
    assert stray["id"] in want["ids"]


def test_a_page_is_one_statement_after_the_user(pf: Policyflow, items: list[dict]) -> None:
    """The navigation's counts come with the page's rows, titles and names."""
    statements: list[str] = []
    engine = get_engine(pf.url)

    def seen(conn: Any, cursor: Any, statement: str, *_: Any) -> None:
        if not statement.startswith("BEGIN"):  # SQLite's own BEGIN IMMEDIATE
            statements.append(statement)

    pf.inbox("cv_vhtt", now=LATER)  # reference data cached
    event.listen(engine, "before_cursor_execute", seen)
    try:
        for query in ({}, {"box": "mine"}, {"box": "completed"}, {"q": "draft", "due": "later"}):
            statements.clear()
            pf.inbox("cv_vhtt", now=LATER, **query)
            assert len(statements) == 2, statements  # the user with their roles, the page
    finally:
        event.remove(engine, "before_cursor_execute", seen)


def test_an_empty_box_still_counts(pf: Policyflow, items: list[dict[str, Any]]) -> None:
    with transaction(pf.url) as s:
        me = org.get_user(s, "cv_vhtt")
        s.add_all(
            Notification(user_id=me.id, message="Nhắc việc", created_at=NOW, read_at=read)
            for read in (None, None, NOW)
        )
    found = pf.inbox("cv_vhtt", now=LATER, q="không có việc này")
    assert found["counts"]["unread_notices"] == 2  # the navigation's bell, read along
    assert found["items"] == [] and found["total"] == 0
    assert found["counts"] == expected(pf, items, "cv_vhtt")["counts"]
