"""Who may do what: every demo user × every API route (and every page route of the UI,
read from app.url_map) against a small table of rules.

The world: the district's own document (document_approval, invisible to communes), the
annual report (annual_report: every reporting unit has a task in it, so both communes see
it) and a crisis (crisis_team) that concerns Xuân Bắc only, driven to its verification
tasks; plus one attachment. The rules below say, from the seed's roles and units alone,
what each user must get; the engine is never asked what to expect.
"""

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.test import TestResponse

from engine import seed
from engine.facade import Policyflow
from engine.store.db import transaction
from engine.store.models import Instance, OrgUnit, User, WorkItem
from tests.api.test_api import DEMO_USERS, PREFIX, Api, reset_demo_passwords
from tests.conftest import NOW, WORKFLOWS
from tests.processes import (
    ASSESS_CRISIS,
    CRISIS_START,
    DISPATCH,
    DRAFT,
    FORMAT_OK,
    REVIEW_OK,
    SIGN_OK,
    act,
)
from web import create_app
from web.views import vendor

P3_START = {"year": 2024, "outline_ref": "123/VHTT"}
DOC_START = {"doc_type": "KH", "doc_title": "Kế hoạch truyền thông"}
DISTRICT = "huyen-xuan-truong"
USERS = seed.demo_users(NOW.date())
COMMUNES = {
    u["code"]
    for u in seed.read_org_file(seed.ORG_FILE)["units"]
    if u["kind"] == "commune" and u.get("parent") == DISTRICT
}
GROUP_OF = {
    r["key"]: r["member_of"] for r in seed.read_org_file(seed.ORG_FILE)["roles"] if "member_of" in r
}
# A Chủ tịch or Phó Chủ tịch also holds "lãnh đạo UBND" (the lanes open to both).
ROLES = {
    name: roles + [(GROUP_OF[r], unit) for r, unit in roles if r in GROUP_OF]
    for name, (_, _, roles) in USERS.items()
}
ADMINS = {name for name, (_, admin, _) in USERS.items() if admin}
AUDITORS = {name for name, roles in ROLES.items() if any(r == "kiem_toan" for r, _ in roles)}
COMMUNE_OF = {name: unit for name, roles in ROLES.items() for _, unit in roles if unit in COMMUNES}
STARTERS = {"cv_vhtt"}  # the only holder of chuyen_vien_vhtt, every process's start role
DEPLOYERS = ADMINS | {
    name for name, roles in ROLES.items() if any(r == "chu_quy_trinh" for r, _ in roles)
}
ANONYMOUS = None

# -- the rules ---------------------------------------------------------------------------


def units_above(unit: str) -> list[str]:
    return [unit] if unit == DISTRICT else [unit, DISTRICT]


def administration(unit: str) -> str:
    return unit if unit in COMMUNES or unit == DISTRICT else DISTRICT


@dataclass(frozen=True)
class Task:
    id: str
    instance_id: int
    unit: str
    scope: str
    role: str | None
    state: str
    claimed_by: str | None
    completed_by: str | None
    required: tuple[str, ...]


@dataclass(frozen=True)
class Case:
    id: int
    unit: str
    started_by: str
    status: str


def reaches(user: str, task: Task, role: str | None = None) -> bool:
    """A role of the user (`role`, or any) covers the task's unit: a unit task of their unit
    or one above it, an administration task of their administration."""
    for held, unit in ROLES[user]:
        if role is not None and held != role:
            continue
        if task.scope == "unit" and task.unit in units_above(unit):
            return True
        if task.scope == "administration" and task.unit == administration(unit):
            return True
    return False


def sees_instance(user: str, case: Case, tasks: list[Task]) -> bool:
    """Admins and the auditor see all; district staff their district's instances; anyone
    the ones they started, or with a task pinned to their unit, or that they took part in."""
    if user in ADMINS or user in AUDITORS:
        return True
    own = {administration(unit) for _, unit in ROLES[user]}
    if administration(case.unit) in own or case.started_by == user:
        return True
    units = {u for _, unit in ROLES[user] for u in units_above(unit)}
    return any(
        t.instance_id == case.id
        and ((t.scope == "unit" and t.unit in units) or user in (t.claimed_by, t.completed_by))
        for t in tasks
    )


def another_communes(user: str, task: Task) -> bool:
    return user in COMMUNE_OF and task.unit in COMMUNES and task.unit != COMMUNE_OF[user]


def sees_whole_instance(user: str, case: Case) -> bool:
    """Admins, the auditor, the initiator and the instance's own administration see it all;
    others (a commune asked by the district) see only their own part."""
    if user in ADMINS or user in AUDITORS or case.started_by == user:
        return True
    return administration(case.unit) in {administration(unit) for _, unit in ROLES[user]}


def expect_replay(user: str, case: Case, world: "World") -> int:
    """Replay and verify (API or page) show everything the instance held: only for those
    who see all of it; 403 for one who sees only their part, 404 for one who sees nothing."""
    if not sees_instance(user, case, world.tasks):
        return 404
    return 200 if sees_whole_instance(user, case) else 403


def expect_task_read(user: str, task: Task, world: "World") -> int:
    """GET a task (API or page): 404 unless its instance is visible and, for someone who sees
    only their part of it, unless the task is theirs to do or was done by them; a commune
    officer never sees another commune's task (even in an instance both take part in)."""
    case = world.case(task.instance_id)
    if not sees_instance(user, case, world.tasks):
        return 404
    if sees_whole_instance(user, case):
        return 200
    return 200 if reaches(user, task) or user in (task.claimed_by, task.completed_by) else 404


def expect_task_write(user: str, task: Task, world: "World", action: str) -> int:
    """claim / unclaim / complete (with an empty form): 404 if the task is out of every role's
    reach, 403 without its role, 409 if it is no longer open, claimed by another (or, to
    unclaim, not by me); else 400 for the empty form, 200 to claim."""
    if user not in ADMINS and not reaches(user, task):
        return 404
    if not reaches(user, task, task.role):
        return 403
    if task.state != "open" or world.case(task.instance_id).status != "running":
        return 409
    if action == "unclaim":
        return 200 if task.claimed_by == user else 409
    if task.claimed_by not in (None, user):
        return 409
    return 400 if action == "complete" else 200


def inbox_of(user: str, world: "World") -> set[str]:
    return {
        t.id
        for t in world.tasks
        if t.state == "open" and (t.claimed_by == user or reaches(user, t, t.role))
    }


# -- the world ---------------------------------------------------------------------------


@dataclass
class World:
    app: Flask
    pf: Policyflow
    api: Api
    cases: list[Case] = field(default_factory=list)
    tasks: list[Task] = field(default_factory=list)
    attachment: str = ""
    pages: dict[str | None, FlaskClient] = field(default_factory=dict)
    csrf: dict[str | None, str] = field(default_factory=dict)

    def case(self, instance_id: int) -> Case:
        return next(c for c in self.cases if c.id == instance_id)

    def reload(self) -> None:
        """Cases and tasks as the database has them now."""
        with transaction(self.pf.url) as s:
            units = dict(s.execute(select(OrgUnit.id, OrgUnit.code)).all())
            users = dict(s.execute(select(User.id, User.username)).all())
            self.cases = [
                Case(i.id, units[i.unit_id], users[i.started_by], i.status)
                for i in s.scalars(select(Instance).order_by(Instance.id))
            ]
            items = s.scalars(select(WorkItem).order_by(WorkItem.instance_id, WorkItem.id))
            self.tasks = [
                Task(w.id, w.instance_id, units[w.unit_id], w.scope, w.role_key, w.state,
                     users.get(w.claimed_by), users.get(w.completed_by), ())
                for w in items
            ]  # fmt: skip
        schemas: dict[str, Any] = {}
        for case in self.cases:
            schemas |= {t["id"]: t["form_schema"] for t in self.pf.show(case.id)["open_tasks"]}
        self.tasks = [
            Task(**{**t.__dict__, "required": tuple((schemas.get(t.id) or {}).get("required", []))})
            for t in self.tasks
        ]

    def page(self, user: str | None) -> FlaskClient:
        """A browser signed in as the user (None: anonymous), with its CSRF token."""
        if user not in self.pages:
            client = self.app.test_client()
            token = csrf_token(client.get("/login"))
            if user is not None:
                res = client.post(
                    "/login", data={"username": user, "password": "demo", "csrf_token": token}
                )
                assert res.status_code == 302, (user, res.status_code)
                token = csrf_token(client.get("/login"))
            self.pages[user], self.csrf[user] = client, token
        return self.pages[user]


def csrf_token(res: TestResponse) -> str:
    found = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', res.get_data(as_text=True))
    assert found, "the login page has no CSRF token"
    return found.group(1)


@pytest.fixture
def world(deployed: Policyflow) -> World:
    reset_demo_passwords(deployed.url)
    app = create_app({"DATABASE_URL": deployed.url, "TESTING": True, "WTF_CSRF_ENABLED": True})
    pf: Policyflow = app.extensions["policyflow"]
    doc = pf.start("document_approval", "cv_vhtt", DOC_START, now=NOW)["id"]
    pf.start("annual_report", "cv_vhtt", P3_START, now=NOW)
    crisis = pf.start("crisis_team", "cv_vhtt", CRISIS_START, now=NOW)["id"]
    for user, element, data in [
        ("tp_vhtt", "Assess", ASSESS_CRISIS),
        ("cv_vhtt", "Draft_team", {"proposal_summary": "Tổ", "team_leader": "PCT",
                                   "team_members": "VH&TT"}),
        ("vp_ubnd", "Vp_review", {"vp_comments": "Nhất trí"}),
        ("cv_vhtt", "Draft", DRAFT),
        ("tp_vhtt", "Review", REVIEW_OK),
        ("vp_ubnd", "Format", FORMAT_OK),
        ("pct_ubnd", "Sign", {**SIGN_OK, "signer_position": "pho_chu_tich"}),
        ("van_thu", "Dispatch", DISPATCH),
    ]:  # fmt: skip
        act(pf, crisis, user, element, data, NOW)
    attachment = pf.add_attachment(doc, "cv_vhtt", "du-thao.txt", "text/plain", b"x", now=NOW)
    client = app.test_client()  # not `with`: a kept request context would share `g`
    api = Api(client, client.get(f"{PREFIX}/openapi.json").json)
    found = World(app, pf, api, attachment=attachment)
    found.reload()
    open_units = {t.unit for t in found.tasks if t.state == "open"}
    assert {"xa-tra-lu", "xa-xuan-ninh", "phong-tu-phap"} <= open_units
    assert all(t.required for t in found.tasks if t.state == "open")  # {} is never enough
    return found


# -- the API -----------------------------------------------------------------------------

Check = tuple[str, str, str, Any, int]  # (endpoint, method, path, body, expected status)


class Xml(bytes):
    """A request body sent as application/xml (a BPMN file), not as JSON."""


def deploy_checks(user: str) -> Iterator[Check]:
    """Deploying and reading the versions is for process owners and administrators; the
    others are refused before anything is looked up (403 even for an unknown process).
    The deploy sends the newest version's own content: 200, nothing changes."""
    ok = user in DEPLOYERS
    same = Xml((WORKFLOWS / "document_approval.bpmn").read_bytes())
    yield "api.deploy", "POST", "/processes", same, (200 if ok else 403)
    yield "api.versions", "GET", "/processes/document_approval/versions", None, (200 if ok else 403)
    yield "api.versions", "GET", "/processes/no_such_process/versions", None, (404 if ok else 403)
    for version, found in ((1, 200), (2, 404)):
        path = f"/processes/document_approval/versions/{version}/bpmn"
        yield "api.version_bpmn", "GET", path, None, (found if ok else 403)
    # Moving instances: a dry run writes nothing (test_migration_web.py checks the rest).
    migrations = "/processes/document_approval/migrations"
    yield "api.migrations", "POST", migrations, {}, (200 if ok else 403)


def admin_rules_checks(user: str) -> Iterator[Check]:
    """Org units, rules and the calendar (issue 19): administrators only, 403 for the
    others before anything is read. The administrator's requests change nothing: a body
    that lacks its fields (400), an unknown unit, setting or year (404)."""
    admin = user in ADMINS

    def only(status: int) -> int:
        return status if admin else 403

    yield "api.admin_units", "GET", "/admin/org-units", None, only(200)
    yield "api.admin_add_unit", "POST", "/admin/org-units", {}, only(400)
    yield "api.admin_rename_unit", "PATCH", "/admin/org-units/phong-vhtt", None, only(400)
    yield "api.admin_end_unit", "POST", "/admin/org-units/phong-vhtt/end", {}, only(400)
    end = {"last_day": "2024-12-31"}
    yield "api.admin_end_unit", "POST", "/admin/org-units/no-such-unit/end", end, only(404)
    yield "api.admin_settings", "GET", "/admin/settings", None, only(200)
    values = "/admin/settings/p1_initial_info_due/values"
    yield "api.admin_set_setting", "POST", values, {}, only(400)
    value = {"value": "P1D", "valid_from": "2099-01-01"}
    yield "api.admin_set_setting", "POST", "/admin/settings/no_such/values", value, only(404)
    yield "api.admin_calendar", "GET", "/admin/calendar/2024", None, only(200)
    yield "api.admin_set_day", "PUT", "/admin/calendar/2024/days/2025-01-01", None, only(400)
    yield "api.admin_confirm_year", "POST", "/admin/calendar/2099/confirm", {}, only(404)


# The dashboard (issue 15): leaders (and administrators) read every unit's figures, the
# others only their own units; progress is marked only for one's own unit. The requests
# change nothing: an empty body (400), an unknown task (404) or someone else's unit (403).
DASHBOARD_LEADERS = {
    "lanh_dao_ubnd", "chu_tich", "pho_chu_tich", "truong_phong_vhtt", "chuyen_vien_vhtt",
    "van_phong", "kiem_toan",
}  # fmt: skip


def reads_unit(user: str, unit: str) -> bool:
    roles = ROLES.get(user, [])
    return (
        user in ADMINS
        or any(r in DASHBOARD_LEADERS for r, _ in roles)
        or any(u == unit for _, u in roles)
    )


def reports_for(user: str, unit: str) -> bool:
    roles = ROLES.get(user, [])
    return user in ADMINS or any(u == unit and r != "kiem_toan" for r, u in roles)


NINH_PAGE = "/dashboard?nam=2024&don_vi=xa-xuan-ninh"


def dashboard_checks(user: str) -> Iterator[Check]:
    ninh = "xa-xuan-ninh"
    yield "api.indicators", "GET", "/indicators?year=2024&quarter=4", None, 200
    read = 200 if reads_unit(user, ninh) else 403
    yield "api.indicators", "GET", f"/indicators?year=2024&unit={ninh}", None, read
    yield "api.indicators", "GET", "/indicators?quarter=5", None, 400
    yield "api.plan", "GET", "/plan/2024", None, 200
    yield "api.progress", "POST", "/plan/2024/progress", {}, 400
    body = {"code": "II.99", "unit": ninh, "status": "hoan_thanh"}
    yield (
        "api.progress",
        "POST",
        "/plan/2024/progress",
        body,
        (404 if reports_for(user, ninh) else 403),
    )


KEEPERS = ADMINS | {n for n, roles in ROLES.items() if any(r == "van_phong" for r, _ in roles)}


def spokesperson_checks(user: str) -> Iterator[Check]:
    """The spokesperson register (issue 16 item 4): read by anyone, even without a token;
    changed by the Văn phòng and administrators (403 for the others before the body is
    read; an empty body is 400 and changes nothing)."""
    yield "api.spokespersons", "GET", "/spokespersons", None, 200
    yield "api.spokesperson_history", "GET", "/spokespersons/huyen-xuan-truong/history", None, 200
    yield (
        "api.designate_spokesperson",
        "POST",
        "/spokespersons",
        {},
        (400 if user in KEEPERS else 403),
    )


def api_checks(user: str, world: World) -> Iterator[Check]:
    yield "api.openapi", "GET", "/openapi.json", None, 200
    yield "api.issue_token", "POST", "/auth/token", {"username": user, "password": "demo"}, 200
    yield "api.me", "GET", "/me", None, 200
    yield "api.processes", "GET", "/processes", None, 200
    for key in ("annual_report", "crisis_team", "document_approval", "press_statement"):
        yield (
            "api.start",
            "POST",
            f"/processes/{key}/instances",
            {},
            (400 if user in STARTERS else 403),
        )
    yield "api.start", "POST", "/processes/no_such_process/instances", {}, 404
    yield from deploy_checks(user)
    yield "api.tasks", "GET", "/tasks?per_page=200", None, 200
    yield "api.instances", "GET", "/instances?per_page=200", None, 200
    for case in world.cases:
        status = 200 if sees_instance(user, case, world.tasks) else 404
        yield "api.instance", "GET", f"/instances/{case.id}", None, status
        yield "api.history", "GET", f"/instances/{case.id}/history", None, status
        documents = f"/instances/{case.id}/documents"
        yield "api.instance_documents", "GET", documents, None, status
        replay = expect_replay(user, case, world)
        yield "api.replay", "GET", f"/instances/{case.id}/replay", None, replay
        yield "api.verify", "POST", f"/instances/{case.id}/verify", {}, replay
    missing = max(c.id for c in world.cases) + 1
    yield "api.instance", "GET", f"/instances/{missing}", None, 404
    yield "api.history", "GET", f"/instances/{missing}/history", None, 404
    yield "api.document_file", "GET", "/documents/999999/docx", None, 404
    yield "api.audit_events", "GET", "/audit/events?per_page=200", None, 200
    yield "api.audit_events", "GET", "/audit/events?unit=no-such-unit", None, 400
    # The org units in force on a date: any signed-in user (pickers, API clients).
    yield "api.org_units", "GET", "/org-units?at=2024-10-15&kind=commune", None, 200
    yield "api.org_units", "GET", "/org-units?at=15-10-2024", None, 400
    # Administrative changes: administrators and auditors.
    reads_admin_log = user in ADMINS or user in AUDITORS
    yield "api.admin_events", "GET", "/audit/admin-events", None, (200 if reads_admin_log else 403)
    # Incidents: administrators and process owners (none here: a retry finds nothing).
    operator = user in DEPLOYERS
    yield "api.incidents", "GET", "/incidents", None, (200 if operator else 403)
    yield "api.retry_incident", "POST", "/incidents/999999/retry", {}, (404 if operator else 403)
    # P5's monitoring items: any signed-in user, filtered to the cases they may see.
    yield "api.monitoring_items", "GET", "/monitoring-items?status=removed", None, 200
    yield "api.monitoring_items", "GET", "/monitoring-items?status=nope", None, 400
    yield from admin_rules_checks(user)
    yield from spokesperson_checks(user)
    yield from people_admin_checks(user)
    yield from dashboard_checks(user)
    yield "api.replay", "GET", f"/instances/{missing}/replay", None, 404
    yield "api.verify", "POST", f"/instances/{missing}/verify", {}, 404
    for task in world.tasks:
        yield "api.task", "GET", f"/tasks/{task.id}", None, expect_task_read(user, task, world)
        for action in ("claim", "unclaim", "complete"):
            status = expect_task_write(user, task, world, action)
            yield f"api.{action}", "POST", f"/tasks/{task.id}/{action}", {}, status
            if action == "claim" and status == 200:  # give it back: the world stays as it was
                yield "api.unclaim", "POST", f"/tasks/{task.id}/unclaim", {}, 200
    for endpoint in ("task", "claim", "unclaim", "complete"):
        method = "GET" if endpoint == "task" else "POST"
        suffix = "" if endpoint == "task" else f"/{endpoint}"
        yield f"api.{endpoint}", method, f"/tasks/no-such-task{suffix}", {}, 404


def people_admin_checks(user: str) -> Iterator[Check]:
    """The people administration: administrators only, everyone else 403 before anything
    is looked up. The admin's requests change nothing: refused input (400), unknown users
    (404), a listing, an edit without changes."""
    admin = user in ADMINS

    def only(status: int) -> int:
        return status if admin else 403

    yield "api.admin_users", "GET", "/admin/users", None, only(200)
    yield "api.admin_create_user", "POST", "/admin/users", {}, only(400)
    yield "api.admin_import_users", "POST", "/admin/users/import?dry_run=2", {}, only(400)
    yield "api.admin_user", "GET", "/admin/users/ct_ubnd", None, only(200)
    yield "api.admin_update_user", "PATCH", "/admin/users/ct_ubnd", None, only(200)
    for action in ("deactivate", "reset-password", "unlock", "roles"):
        endpoint = {"reset-password": "admin_reset_password", "roles": "admin_grant_role"}.get(
            action, f"admin_{action}_user"
        )
        path = f"/admin/users/khong_ton_tai/{action}"  # an unknown user (not "no_such")
        yield f"api.{endpoint}", "POST", path, {}, only(404)
    yield "api.admin_end_holding", "POST", "/admin/roles/999999/end", {}, only(400)


def run(world: World, user: str | None, checks: Iterator[Check]) -> tuple[list, set[str]]:
    """Make every request; (mismatches, endpoints exercised)."""
    wrong, seen = [], set()
    for check in checks:
        endpoint, method, path, body, expected = check
        seen.add(endpoint)
        if isinstance(body, Xml):
            res = world.api.call(user, method, path, raw=body, content_type="application/xml")
        else:
            res = world.api.call(user, method, path, body if method == "POST" else None)
        if res.status_code != expected:
            wrong.append((user, method, path, expected, res.status_code))
    return wrong, seen


def test_the_rules_make_distinctions(world: World) -> None:
    """The table is not trivially "all 404" or "all 200": each status occurs, and the
    world has what the rules are about."""
    statuses = {c[4] for user in DEMO_USERS for c in api_checks(user, world)}
    assert statuses == {200, 400, 403, 404, 409}
    doc, report, crisis = world.cases
    assert [sees_instance(u, doc, world.tasks) for u in sorted(COMMUNE_OF)] == [False, False]
    assert [sees_instance(u, report, world.tasks) for u in sorted(COMMUNE_OF)] == [True, True]
    assert [sees_instance(u, crisis, world.tasks) for u in sorted(COMMUNE_OF)] == [True, False]
    assert all(sees_instance("kiem_toan", c, world.tasks) for c in world.cases)


def test_api_matrix(world: World) -> None:
    """Every demo user × every API route × every instance and task id."""
    wrong: list[tuple] = []
    for user in DEMO_USERS:
        found, seen = run(world, user, api_checks(user, world))
        wrong += found
        assert seen == api_endpoint_names(world.app), "a new API route needs its rule here"
        inbox = world.api.get(user, "/tasks?per_page=200").json
        if {t["id"] for t in inbox["items"]} != inbox_of(user, world) or inbox["total"] > 200:
            wrong.append((user, "GET", "/tasks", "items", "differ"))
        listed = {i["id"] for i in world.api.get(user, "/instances?per_page=200").json["items"]}
        if listed != {c.id for c in world.cases if sees_instance(user, c, world.tasks)}:
            wrong.append((user, "GET", "/instances", "items", "differ"))
        events = world.api.get(user, "/audit/events?per_page=200").json["items"]
        if {e["instance_id"] for e in events} != listed:  # each visible one, by its start
            wrong.append((user, "GET", "/audit/events", "items", "differ"))
    assert wrong == []
    world.reload()
    assert all(t.claimed_by is None for t in world.tasks if t.state == "open")  # unchanged


def test_anonymous_api_requests_are_401(world: World) -> None:
    public = {"api.openapi", "api.issue_token", "api.spokespersons", "api.spokesperson_history"}
    checks = [
        (endpoint, method, path, body, 200 if endpoint in public else 401)
        for endpoint, method, path, body, _ in api_checks("cv_vhtt", world)
        if "no_such" not in path and "no-such" not in path
    ]
    wrong, seen = run(world, ANONYMOUS, iter(checks))
    assert wrong == [] and seen == {e for e in api_endpoint_names(world.app)}


def api_endpoint_names(app: Flask) -> set[str]:
    return {r.endpoint for r in app.url_map.iter_rules() if r.endpoint.startswith("api.")}


def test_commune_officers_never_reach_another_communes_work(world: World) -> None:
    """Guessing ids: every instance and task id in the database."""
    for user, own in sorted(COMMUNE_OF.items()):
        for case in world.cases:
            theirs = any(t.instance_id == case.id and t.unit == own for t in world.tasks)
            for path in (f"/instances/{case.id}", f"/instances/{case.id}/history"):
                assert world.api.get(user, path).status_code == (200 if theirs else 404), path
        for task in world.tasks:
            if task.unit in COMMUNES and task.unit != own:
                for action in ("claim", "unclaim", "complete"):
                    res = world.api.post(user, f"/tasks/{task.id}/{action}", {})
                    assert res.status_code == 404, (user, task.unit, action, res.status_code)
        inbox = world.api.get(user, "/tasks?per_page=200").json["items"]
        assert inbox and {t["unit"] for t in inbox} == {own}
        listed = world.api.get(user, "/instances?per_page=200").json["items"]
        assert {i["id"] for i in listed} == {t.instance_id for t in world.tasks if t.unit == own}


def test_commune_officers_cannot_open_another_communes_task(world: World) -> None:
    opened = [
        (user, t.unit)
        for user in sorted(COMMUNE_OF)
        for t in world.tasks
        if another_communes(user, t) and world.api.get(user, f"/tasks/{t.id}").status_code != 404
    ]
    assert opened == []


# -- the pages ---------------------------------------------------------------------------

BPMN_CSS = vendor.DIST / "assets" / "bpmn-js.css"  # there once `npm ci` ran
FLATPICKR_VN = vendor.FLATPICKR / "l10n" / "vn.js"  # there once `npm ci` ran
BPMNLINT_JS = vendor.BUILT / vendor.BPMNLINT  # there once `npm run build` ran
LOGIN = "login"  # expected: a redirect to the login page
PageCheck = tuple[str, str, dict[str, str] | None, int | str]  # method, url, form, expected
PageRule = Callable[[str | None, World], Iterator[PageCheck]]


def signed_in(rule: Callable[[str, World], Iterator[PageCheck]]) -> PageRule:
    """A page behind login: anonymous visitors are sent to the login page."""

    def checks(user: str | None, world: World) -> Iterator[PageCheck]:
        for method, url, form, expected in rule(user or "cv_vhtt", world):
            yield method, url, form, (LOGIN if user is None else expected)

    return checks


def anonymous_only(method: str, url: str, form: dict[str, str] | None = None) -> PageRule:
    """A page action checked only for an anonymous visitor (signed in, it would change the
    session or the data the other checks rely on)."""

    def checks(user: str | None, world: World) -> Iterator[PageCheck]:
        if user is None:
            yield method, url, form, LOGIN

    return checks


def instance_pages(suffix: str) -> PageRule:
    def rule(user: str, world: World) -> Iterator[PageCheck]:
        for case in world.cases:
            status = 200 if sees_instance(user, case, world.tasks) else 404
            yield "GET", f"/instances/{case.id}{suffix}", None, status

    return signed_in(rule)


def replay_pages(method: str, suffix: str) -> PageRule:
    """The replay page and its verify button (a read: it changes nothing)."""

    def rule(user: str, world: World) -> Iterator[PageCheck]:
        for case in world.cases:
            form = {} if method == "POST" else None
            yield method, f"/instances/{case.id}{suffix}", form, expect_replay(user, case, world)

    return signed_in(rule)


def task_pages(user: str, world: World) -> Iterator[PageCheck]:
    for task in world.tasks:
        yield "GET", f"/tasks/{task.id}", None, expect_task_read(user, task, world)


def task_actions(action: str) -> PageRule:
    """Claim / unclaim from a page: the engine's 404 and 403 show as error pages; a refusal
    for the state (409) is a message on the task page it redirects back to."""

    def rule(user: str, world: World) -> Iterator[PageCheck]:
        for task in world.tasks:
            status = expect_task_write(user, task, world, action)
            if status == 200:
                continue  # would change the world (the API matrix claims and releases)
            yield "POST", f"/tasks/{task.id}/{action}", {}, (302 if status == 409 else status)

    return signed_in(rule)


def lifecycle(user: str, world: World) -> Iterator[PageCheck]:
    """Suspend, resume and cancel are the administrator's; others get 403 (404 for what they
    cannot see). The admin's own run (suspend, resume) happens in its own test."""
    if user in ADMINS:
        return
    for case in world.cases:
        status = 403 if sees_instance(user, case, world.tasks) else 404
        for action in ("suspend", "resume", "cancel"):
            yield "POST", f"/instances/{case.id}/{action}", {}, status


def start_pages(user: str, world: World) -> Iterator[PageCheck]:
    for key in ("annual_report", "crisis_team", "document_approval", "press_statement"):
        yield "GET", f"/processes/{key}/start", None, (200 if user in STARTERS else 403)
    yield "GET", "/processes/no_such_process/start", None, 404


def one(method: str, url: str, status: int | str) -> PageRule:
    return signed_in(lambda user, world: iter([(method, url, None, status)]))


def attachment(user: str, world: World) -> Iterator[PageCheck]:
    doc = world.cases[0]
    status = 200 if sees_instance(user, doc, world.tasks) else 404
    yield "GET", f"/attachments/{world.attachment}", None, status


def comments(user: str, world: World) -> Iterator[PageCheck]:
    """Anyone who sees an instance may comment on it, but the auditor (read-only)."""
    for case in world.cases:
        status = 302 if user not in AUDITORS else 403
        status = status if sees_instance(user, case, world.tasks) else 404
        yield "POST", f"/instances/{case.id}/comments", {"body": f"ý kiến của {user}"}, status


def modeler(method: str, url: str) -> PageRule:
    """The process modeler: process owners and administrators only. A POST sends no BPMN
    (an empty form, not JSON): refused as such (400), so nothing is deployed."""

    def rule(user: str, world: World) -> Iterator[PageCheck]:
        ok = 200 if method == "GET" else 400
        yield method, url, ({} if method == "POST" else None), (ok if user in DEPLOYERS else 403)

    return signed_in(rule)


def operators_only(method: str, url: str, status: int) -> PageRule:
    """Administrators and process owners get `status`; the others 403."""
    return signed_in(
        lambda user, world: iter([(method, url, {}, status if user in DEPLOYERS else 403)])
    )


def admin_only(method: str, url: str, status: int) -> PageRule:
    """Administrators get `status`; the others 403."""
    return signed_in(
        lambda user, world: iter(
            [(method, url, {} if method == "POST" else None, status if user in ADMINS else 403)]
        )
    )


PAGE_RULES: dict[str, PageRule] = {
    # The dashboard and the plan tracked (issue 15): everyone who holds a role sees their
    # own units' figures, leaders every unit's; another unit asked for is 403. An empty
    # progress form goes back to the plan page (302) and changes nothing.
    "dashboard.index": signed_in(
        lambda user, world: iter(
            [
                ("GET", "/dashboard?nam=2024", None, 200),
                ("GET", NINH_PAGE, None, 200 if reads_unit(user, "xa-xuan-ninh") else 403),
            ]
        )
    ),
    "dashboard.export_csv": one("GET", "/dashboard.csv?nam=2024&quy=4", 200),
    "dashboard.export_xlsx": one("GET", "/dashboard.xlsx?nam=2024", 200),
    "dashboard.plan": one("GET", "/ke-hoach/2024", 200),
    "dashboard.record": one("POST", "/ke-hoach/2024/tien-do", 302),
    # Org units, rules and the calendar (issue 19): administrators only. The admin's
    # POSTs change nothing: a form without its fields goes back to the page (302) or is
    # shown again with its errors (400).
    "admin_rules.units": admin_only("GET", "/admin/units", 200),
    "admin_rules.add_unit": admin_only("POST", "/admin/units", 302),
    "admin_rules.rename_unit": admin_only("POST", "/admin/units/phong-vhtt/rename", 302),
    "admin_rules.end_unit": admin_only("POST", "/admin/units/phong-vhtt/end", 302),
    "admin_rules.settings": admin_only("GET", "/admin/settings", 200),
    "admin_rules.set_setting": admin_only("POST", "/admin/settings/p1_initial_info_due", 400),
    "admin_rules.calendar_now": admin_only("GET", "/admin/calendar", 302),
    "admin_rules.calendar": admin_only("GET", "/admin/calendar/2024", 200),
    "admin_rules.set_day": admin_only("POST", "/admin/calendar/2024/day", 302),
    "admin_rules.confirm": admin_only("POST", "/admin/calendar/2024/confirm", 302),
    # People (issue 19): administrators only. An empty form is refused with its errors
    # (400); the account actions name nobody who exists (404) but the unlock, which with
    # nothing locked only records the event (302).
    "admin_users.index": admin_only("GET", "/admin/users?q=xuan&active=true", 200),
    "admin_users.new": admin_only("GET", "/admin/users/new", 200),
    "admin_users.create": admin_only("POST", "/admin/users/new", 400),
    "admin_users.import_form": admin_only("GET", "/admin/users/import", 200),
    "admin_users.import_csv": admin_only("POST", "/admin/users/import", 400),
    "admin_users.show": admin_only("GET", "/admin/users/cv_vhtt", 200),
    "admin_users.update": admin_only("POST", "/admin/users/cv_vhtt", 400),
    "admin_users.grant": admin_only("POST", "/admin/users/cv_vhtt/roles", 400),
    "admin_users.end_role": admin_only("POST", "/admin/users/cv_vhtt/roles/2147483647/end", 404),
    "admin_users.deactivate": admin_only("POST", "/admin/users/no_such_user/deactivate", 404),
    "admin_users.reset_password": admin_only(
        "POST", "/admin/users/no_such_user/reset-password", 404
    ),
    "admin_users.unlock": admin_only("POST", "/admin/users/ct_ubnd/unlock", 302),
    # P4's public request page (issue 16 item 1): no login for anyone; a post without the
    # served form token fails the bot check (400); an unknown or empty code is 404.
    "info_requests.new": lambda user, world: iter([("GET", "/yeu-cau-thong-tin", None, 200)]),
    "info_requests.create": lambda user, world: iter([("POST", "/yeu-cau-thong-tin", {}, 400)]),
    "info_requests.lookup": lambda user, world: iter(
        [("GET", "/yeu-cau-thong-tin/tra-cuu", None, 200)]
    ),
    "info_requests.track": lambda user, world: iter(
        [("POST", "/yeu-cau-thong-tin/tra-cuu", {"code": "ABCDEFGHJKLM"}, 404)]
    ),
    "info_requests.complete": lambda user, world: iter(
        [("POST", "/yeu-cau-thong-tin/bo-sung", {"code": ""}, 404)]
    ),
    "info_requests.letter": lambda user, world: iter(
        [("POST", "/yeu-cau-thong-tin/van-ban", {"code": ""}, 404)]
    ),
    "info_requests.staff_file": signed_in(
        lambda user, world: iter([("GET", "/yeu-cau-thong-tin/tep/2147483647", None, 404)])
    ),
    # The spokesperson register (issue 16 item 4): public page and JSON; the Văn phòng's
    # page (an empty form is shown again with its errors: 400, nothing stored).
    "spokespersons.public": lambda user, world: iter([("GET", "/nguoi-phat-ngon", None, 200)]),
    "spokespersons.public_json": lambda user, world: iter(
        [("GET", "/nguoi-phat-ngon.json?ngay=2024-10-15", None, 200)]
    ),
    "spokespersons.manage": signed_in(
        lambda user, world: iter(
            [("GET", "/nguoi-phat-ngon/quan-ly", None, 200 if user in KEEPERS else 403)]
        )
    ),
    "spokespersons.designate": signed_in(
        lambda user, world: iter(
            [("POST", "/nguoi-phat-ngon/quan-ly", {}, 400 if user in KEEPERS else 403)]
        )
    ),
    "static": lambda user, world: iter([]),  # files, not pages
    "vendor.bpmn_js": lambda user, world: iter(
        [
            ("GET", "/vendor/bpmn-js/assets/bpmn-js.css", None, 200 if BPMN_CSS.exists() else 404),
            ("GET", "/vendor/bpmn-js/package.json", None, 404),  # only the viewer is served
        ]
    ),
    "vendor.flatpickr": lambda user, world: iter(
        [  # the date picker (static/dates.js), public like bpmn-js
            ("GET", "/vendor/flatpickr/l10n/vn.js", None, 200 if FLATPICKR_VN.exists() else 404),
            ("GET", "/vendor/flatpickr/package.json", None, 404),
        ]
    ),
    "vendor.bpmnlint": lambda user, world: iter(
        [  # public like bpmn-js; built by `npm run build` (tests/test_lint.py checks it is)
            ("GET", "/vendor/bpmnlint.js", None, 200 if BPMNLINT_JS.exists() else 404),
        ]
    ),
    "auth.login": lambda user, world: iter([("GET", "/login", None, 200)]),
    "auth.logout": anonymous_only("POST", "/logout"),  # checked last: it ends the session
    "auth.password": one("GET", "/password", 200),
    "auth.lockouts": signed_in(
        lambda user, world: iter([("GET", "/lockouts", None, 200 if user in ADMINS else 403)])
    ),
    "auth.unlock": signed_in(  # an unlock with nothing locked: only an account event
        lambda user, world: iter(
            [("POST", "/lockouts/ct_ubnd/unlock", {}, 302 if user in ADMINS else 403)]
        )
    ),
    "i18n.switch": lambda user, world: iter([("POST", "/lang/vi", {}, 302)]),  # public
    "inbox.index": one("GET", "/", 200),
    # Incidents: administrators and process owners; a fix without changes is refused
    # (302 back to the list), a retry or cancel of an unknown incident is 404.
    "incidents.index": modeler("GET", "/incidents"),
    "incidents.retry": operators_only("POST", "/incidents/999999/retry", 404),
    "incidents.cancel": operators_only("POST", "/incidents/999999/cancel", 404),
    "incidents.update_data": operators_only("POST", "/incidents/instances/1/data", 302),
    # Background work: administrators only (the jobs they may have to look at).
    "jobs.index": signed_in(
        lambda user, world: iter([("GET", "/jobs", None, 200 if user in ADMINS else 403)])
    ),
    "processes.index": one("GET", "/processes", 200),
    "processes.start_form": signed_in(start_pages),
    "processes.start": anonymous_only("POST", "/processes/document_approval/start"),
    "processes.diagram": one("GET", "/processes/document_approval/1/diagram.xml", 200),
    "instances.index": one("GET", "/instances", 200),
    "instances.show": instance_pages(""),
    "instances.diagram": instance_pages("/diagram.xml"),
    "instances.comment": signed_in(comments),
    "instances.lifecycle": signed_in(lifecycle),
    "instances.attachment": signed_in(attachment),
    # The audit log lists only what one may see (test_audit_search_export.py checks what).
    "audit.search": one("GET", "/audit", 200),
    "audit.admin_changes": signed_in(
        lambda user, world: iter(
            [("GET", "/audit/admin", None, 200 if user in ADMINS | AUDITORS else 403)]
        )
    ),
    "audit.export": signed_in(  # the search's result as a file: what the search shows
        lambda user, world: iter(
            [("GET", "/audit/export.csv", None, 200), ("GET", "/audit/export.json", None, 200)]
        )
    ),
    "audit.history_json": instance_pages("/history.json"),
    "audit.history_print": instance_pages("/history/print"),
    "replay.show": replay_pages("GET", "/replay"),
    "replay.verify": replay_pages("POST", "/verify"),
    "tasks.show": signed_in(task_pages),
    "tasks.complete": anonymous_only("POST", "/tasks/any-task"),
    "tasks.claim": task_actions("claim"),
    "tasks.unclaim": task_actions("unclaim"),
    "tasks.reassign": anonymous_only("POST", "/tasks/any-task/reassign"),
    # Drafts (issue 18 item 9): tests/web/test_form_drafts.py checks who may keep one.
    "drafts.save": anonymous_only("POST", "/tasks/any-task/draft"),
    "drafts.discard": anonymous_only("POST", "/tasks/any-task/draft/discard"),
    # Everyone reads and clears only their own notices (the auditor too: not case data).
    # P5: the monitoring items each user may see (their cases' visibility decides).
    "monitoring.index": one("GET", "/monitoring", 200),
    "notices.index": one("GET", "/notifications", 200),
    "notices.mark_read": one("POST", "/notifications/read", 302),
    "modeler.index": modeler("GET", "/modeler"),
    "modeler.new": modeler("GET", "/modeler/new"),
    "modeler.roles": modeler("GET", "/modeler/roles.json"),
    "modeler.processes": modeler("GET", "/modeler/processes.json"),
    "modeler.forms": modeler("GET", "/modeler/press_statement/forms.json"),
    "modeler.edit": modeler("GET", "/modeler/press_statement"),
    "modeler.validate": modeler("POST", "/modeler/validate"),
    "modeler.deploy": modeler("POST", "/modeler/press_statement/deploy"),
    "modeler.bundle": modeler("GET", "/modeler/bundle/modeler.js"),
    "modeler.form_preview": modeler("POST", "/modeler/form-preview"),
    # A process's versions, their diff and roll back (test_versions_web.py checks more).
    "versions.index": modeler("GET", "/processes/document_approval/versions"),
    "versions.bpmn": modeler("GET", "/processes/document_approval/versions/1.xml"),
    "versions.diff_page": modeler("GET", "/processes/document_approval/versions/diff?a=1&b=1"),
    "versions.diff_json": modeler("GET", "/processes/document_approval/versions/diff.json"),
    # A version's .docx templates (issue 15): process owners; an upload without a file
    # changes nothing (back to the page, 302). Documents: whoever sees the instance.
    "documents.templates": modeler("GET", "/processes/annual_report/versions/1/templates"),
    "documents.template_file": operators_only(
        "GET", "/processes/annual_report/versions/1/templates/ar_report.docx", 200
    ),
    "documents.upload": operators_only("POST", "/processes/annual_report/templates/ar_report", 302),
    "documents.download": one("GET", "/documents/999999.docx", 404),
    # Moving instances to a newer version (test_migration_web.py checks more); a POST that
    # chooses no instance changes nothing: back to the page (302), or 403.
    "migration.index": modeler("GET", "/processes/document_approval/migrate"),
    "migration.act": signed_in(
        lambda user, world: iter(
            [
                (
                    "POST",
                    "/processes/document_approval/migrate",
                    {},
                    302 if user in DEPLOYERS else 403,
                )
            ]
        )
    ),
    # Without a comment nothing is deployed: back to the list (302), or 403.
    "versions.rollback": signed_in(
        lambda user, world: iter(
            [
                (
                    "POST",
                    "/processes/document_approval/versions/1/rollback",
                    {},
                    302 if user in DEPLOYERS else 403,
                )
            ]
        )
    ),
}


def page_endpoints(app: Flask) -> set[str]:
    return {r.endpoint for r in app.url_map.iter_rules() if not r.rule.startswith(PREFIX)}


def test_every_page_route_has_a_rule(world: World) -> None:
    assert page_endpoints(world.app) - set(PAGE_RULES) == set(), "add a rule to PAGE_RULES"
    assert set(PAGE_RULES) - page_endpoints(world.app) == set(), "a page route is gone"


def page_mismatches(world: World, user: str | None) -> list[tuple]:
    client = world.page(user)
    wrong = []
    for endpoint, rule in sorted(PAGE_RULES.items(), key=lambda e: (e[0] == "auth.logout", e)):
        if endpoint not in page_endpoints(world.app):
            continue
        for method, url, form, expected in rule(user, world):
            data = {**(form or {}), "csrf_token": world.csrf[user]} if method == "POST" else None
            res = client.open(url, method=method, data=data)
            got: int | str = res.status_code
            if res.status_code == 302 and "/login" in res.headers.get("Location", ""):
                got = LOGIN
            if got != expected:
                wrong.append((endpoint, method, url, expected, got))
    return wrong


def test_page_matrix(world: World) -> None:
    """Every demo user and an anonymous visitor × every page route of app.url_map."""
    wrong = [m for user in [*DEMO_USERS, ANONYMOUS] for m in page_mismatches(world, user)]
    assert wrong == []


def test_the_administrator_suspends_resumes_and_cancels_from_the_page(world: World) -> None:
    client, token = world.page("admin"), world.csrf["admin"]
    doc = world.cases[0].id
    for action, status in (
        ("suspend", "suspended"),
        ("resume", "running"),
        ("cancel", "cancelled"),
    ):
        res = client.post(f"/instances/{doc}/{action}", data={"csrf_token": token})
        assert res.status_code == 302
        assert world.api.get("admin", f"/instances/{doc}").json["status"] == status
    draft = next(t for t in world.tasks if t.instance_id == doc)
    assert world.api.post("cv_vhtt", f"/tasks/{draft.id}/claim").status_code == 409
