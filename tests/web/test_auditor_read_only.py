"""The auditor (kiem_toan) reads everything in scope and changes nothing (issue 6).

Every write route of the app (POST/PUT/PATCH/DELETE, pages and API, read from
app.url_map) but signing in and out, the language, one's own password, API tokens, one's
own notices and the read-only verification, is tried by the auditor on every process,
instance and task of the access matrix's world, with a valid CSRF token and data that
satisfies the form (files included): each is refused, and the log, the tasks, the
instances, the comments and the files are exactly as before. The access matrix
(test_access_matrix.py) checks what each user may read; here, that writing is refused.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from io import BytesIO
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict
from werkzeug.test import TestResponse

from engine.rules.forms import validate_form
from engine.store.db import transaction
from engine.store.models import (
    Attachment,
    AuditEvent,
    Comment,
    Instance,
    Notification,
    ProcessVersion,
    WorkItem,
)
from tests.api import test_access_matrix as matrix
from web import forms

world = matrix.world  # three processes driven to tasks in every state, and one file
World = matrix.World
AUDITOR = "kiem_toan"
WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
# Writes that are not the case's: one's own session, language, password, token, notices;
# and verification, which re-executes an instance without recording anything.
EXEMPT = {
    "auth.login",
    "auth.logout",
    "auth.password",
    "i18n.switch",
    "api.issue_token",
    "notices.mark_read",
    "replay.verify",
    "api.verify",
    "modeler.form_preview",  # renders a form from the posted schema, writes nothing
    # P4's public page: anyone, signed in or not, may file a request as a citizen; tracking
    # and completing need the request's code, not a role (tests/web/test_info_request_page.py)
    "info_requests.create",
    "info_requests.track",
    "info_requests.complete",
    "info_requests.letter",  # a download (POST: the code stays out of URLs)
}
REFUSED = {403, 404}  # not allowed; or, for a task out of every role's reach, not there


@dataclass(frozen=True)
class Attempt:
    endpoint: str
    method: str
    url: str
    data: dict[str, Any] | bytes | None = None  # a page's form (files as (stream, name)),
    # JSON, or a BPMN file (matrix.Xml: sent as application/xml)


def write_endpoints(app: Flask) -> set[str]:
    return {
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if WRITE_METHODS & set(rule.methods or ()) and rule.endpoint not in EXEMPT
    }


# -- plausible data: what a person allowed to act would submit -------------------------


def plausible_value(spec: dict[str, Any], attachment: str) -> Any:
    """A value the field accepts: its first choice, a number, a date, a unit, a file."""
    if "oneOf" in spec:
        return spec["oneOf"][0]["const"]
    if "enum" in spec:
        return spec["enum"][0]
    kind = spec.get("type")
    if kind == "array":
        return [plausible_value(spec.get("items", {}), attachment)] * max(
            1, spec.get("minItems", 1)
        )
    if kind == "boolean":
        return True
    if kind in ("integer", "number"):
        return max(1, spec.get("minimum", 1))
    return {
        "date": "2024-11-20",
        "date-time": "2024-11-20T10:00:00+07:00",
        "org-unit": "xa-tra-lu",
        "attachment": attachment,
        "uri": "https://xuantruong.namdinh.gov.vn/tin-tuc",
    }.get(spec.get("format", ""), "Nội dung kiểm tra")


def plausible(schema: dict[str, Any] | None, attachment: str) -> dict[str, Any]:
    """Every field of the form filled, valid against the form (checked by the tests)."""
    properties = (schema or {}).get("properties", {})
    return {name: plausible_value(spec, attachment) for name, spec in properties.items()}


def as_page_form(schema: dict[str, Any] | None, data: dict[str, Any]) -> dict[str, Any]:
    """The data as a browser posts the form: its inputs' strings, a new file for a file."""
    posted: dict[str, Any] = {}
    for name, spec in (schema or {}).get("properties", {}).items():
        if forms.widget_of(spec) == "file":
            posted[name] = (BytesIO(b"bao cao"), "bao-cao.txt")
        else:
            posted[name] = forms.to_raw(spec, data[name])
    return posted


# -- every write, as the auditor would try it --------------------------------------------


def start_forms(world: World) -> dict[str, dict[str, Any] | None]:
    return {p["key"]: p["start_form"] for p in world.pf.processes()}


def task_forms(world: World) -> dict[str, dict[str, Any] | None]:
    return {t.id: world.pf.task(t.id, "admin")["form_schema"] for t in world.tasks}


def page_attempts(world: World) -> Iterator[Attempt]:
    for key, schema in start_forms(world).items():
        form = as_page_form(schema, plausible(schema, world.attachment))
        yield Attempt("processes.start", "POST", f"/processes/{key}/start", form)
    for task_id, schema in task_forms(world).items():
        form = as_page_form(schema, plausible(schema, world.attachment))
        yield Attempt("tasks.complete", "POST", f"/tasks/{task_id}", form)
        yield Attempt("tasks.claim", "POST", f"/tasks/{task_id}/claim", {})
        yield Attempt("tasks.unclaim", "POST", f"/tasks/{task_id}/unclaim", {})
        reassign = {"to_username": "cv_vhtt", "comment": "Chuyển đồng chí xử lý"}
        yield Attempt("tasks.reassign", "POST", f"/tasks/{task_id}/reassign", reassign)
        draft = as_page_form(schema, plausible(schema, world.attachment))  # its own file
        yield Attempt("drafts.save", "POST", f"/tasks/{task_id}/draft", draft)
        yield Attempt("drafts.discard", "POST", f"/tasks/{task_id}/draft/discard", {})
    for case in world.cases:
        comment = {"body": "Ý kiến của kiểm toán"}
        yield Attempt("instances.comment", "POST", f"/instances/{case.id}/comments", comment)
        for action in ("suspend", "resume", "cancel"):
            yield Attempt("instances.lifecycle", "POST", f"/instances/{case.id}/{action}", {})
    # The modeler (process owners): validating and deploying an edited BPMN.
    changed = (matrix.WORKFLOWS / "document_approval.bpmn").read_text() + "<!-- v2 -->\n"
    yield Attempt("modeler.validate", "POST", "/modeler/validate", {"xml": changed})
    yield Attempt("modeler.deploy", "POST", "/modeler/document_approval/deploy", {"xml": changed})
    for case in world.cases:  # suspending and moving instances to a newer version
        key = world.pf.show(case.id)["process_key"]
        for action in ("suspend", "migrate"):
            chosen = {"instance": str(case.id), "action": action, "resume": "1"}
            yield Attempt("migration.act", "POST", f"/processes/{key}/migrate", chosen)
    rollback = {"comment": "Khôi phục"}
    yield Attempt(
        "versions.rollback", "POST", "/processes/document_approval/versions/1/rollback", rollback
    )
    yield Attempt("auth.unlock", "POST", "/lockouts/ct_ubnd/unlock", {})  # admins only
    # A changed .docx template (a new version of the process): process owners only.
    yield Attempt("documents.upload", "POST", "/processes/annual_report/templates/ar_report", {})
    # Incidents (administrators and process owners): fix data, retry, cancel.
    fix = {"changes": '{"amount": "1"}'}
    for case in world.cases:
        yield Attempt("incidents.update_data", "POST", f"/incidents/instances/{case.id}/data", fix)
    yield Attempt("incidents.retry", "POST", "/incidents/1/retry", {})
    yield Attempt("incidents.cancel", "POST", "/incidents/1/cancel", {})


def api_attempts(world: World) -> Iterator[Attempt]:
    for key, schema in start_forms(world).items():
        body = plausible(schema, world.attachment)
        yield Attempt("api.start", "POST", f"/processes/{key}/instances", body)
    for task_id, schema in task_forms(world).items():
        body = plausible(schema, world.attachment)
        yield Attempt("api.complete", "POST", f"/tasks/{task_id}/complete", body)
        yield Attempt("api.claim", "POST", f"/tasks/{task_id}/claim", {})
        yield Attempt("api.unclaim", "POST", f"/tasks/{task_id}/unclaim", {})
    # A changed BPMN (a new version, were the auditor allowed to deploy).
    changed = (matrix.WORKFLOWS / "document_approval.bpmn").read_bytes() + b"<!-- v2 -->\n"
    yield Attempt("api.deploy", "POST", "/processes", matrix.Xml(changed))
    for case in world.cases:  # suspending and moving instances to a newer version
        key = world.pf.show(case.id)["process_key"]
        for action in ("suspend", "migrate"):
            body = {"action": action, "instance_ids": [case.id], "resume": True}
            yield Attempt("api.migrations", "POST", f"/processes/{key}/migrations", body)
    yield Attempt("api.retry_incident", "POST", "/incidents/1/retry", {})


# What an administrator would send to the admin pages and API (the auditor may not).
ONE_DAY = "2025-06-02"
USER = {"full_name": "Cán bộ mới", "position": "Công chức", "email": "moi@example.vn"}
NEW_USER = {"username": "cb_moi", **USER}
UNIT = {"code": "xa-moi", "name": "Xã Mới", "kind": "commune", "parent": "huyen-xuan-truong"}
ROLE = {"role": "don_vi", "unit": "xa-xuan-ninh", "from": ONE_DAY}
END = {"on": ONE_DAY, "reason": "Chuyển công tác"}
CSV = "username,full_name,position,email,phone,role,unit,from,to\ncb_moi,Cán bộ mới,,,,,,,\n"
SETTING = {"value": "PT24H", "from": ONE_DAY, "reason": "Nghị định mới"}
DAY = {"day": ONE_DAY, "kind": "holiday", "name": "Nghỉ bù", "reason": "Thông báo"}


def admin_attempts() -> Iterator[Attempt]:
    user, key = "/admin/users/xa_xuanninh", "p1_press_question_due"
    yield Attempt("admin_users.create", "POST", "/admin/users/new", NEW_USER)
    yield Attempt("admin_users.import_csv", "POST", "/admin/users/import", {"csv": CSV})
    yield Attempt("admin_users.update", "POST", user, USER)
    yield Attempt("admin_users.grant", "POST", f"{user}/roles", ROLE)
    yield Attempt("admin_users.end_role", "POST", f"{user}/roles/1/end", END)
    for action in ("deactivate", "reset-password", "unlock"):
        endpoint = "admin_users." + action.replace("-", "_")
        yield Attempt(endpoint, "POST", f"{user}/{action}", {"reason": "Thử"})
    yield Attempt("admin_rules.add_unit", "POST", "/admin/units", {**UNIT, "valid_from": ONE_DAY})
    yield Attempt("admin_rules.rename_unit", "POST", "/admin/units/xa-xuan-ninh/rename", UNIT)
    yield Attempt("admin_rules.end_unit", "POST", "/admin/units/xa-xuan-ninh/end", END)
    yield Attempt("admin_rules.set_setting", "POST", f"/admin/settings/{key}", SETTING)
    yield Attempt("admin_rules.set_day", "POST", "/admin/calendar/2025/day", DAY)
    yield Attempt("admin_rules.confirm", "POST", "/admin/calendar/2027/confirm", {})
    api = "/admin/users"
    yield Attempt("api.admin_create_user", "POST", api, NEW_USER)
    yield Attempt("api.admin_import_users", "POST", f"{api}/import", {"csv": CSV})
    yield Attempt("api.admin_update_user", "PATCH", f"{api}/xa_xuanninh", USER)
    for action in ("deactivate", "reset-password", "unlock"):
        endpoint = {"deactivate": "api.admin_deactivate_user", "unlock": "api.admin_unlock_user"}
        name = endpoint.get(action, "api.admin_reset_password")
        yield Attempt(name, "POST", f"{api}/xa_xuanninh/{action}", {"reason": "Thử"})
    yield Attempt("api.admin_grant_role", "POST", f"{api}/xa_xuanninh/roles", ROLE)
    yield Attempt("api.admin_end_holding", "POST", "/admin/roles/1/end", END)
    yield Attempt("api.admin_add_unit", "POST", "/admin/org-units", {**UNIT, "valid_from": ONE_DAY})
    yield Attempt("api.admin_rename_unit", "PATCH", "/admin/org-units/xa-xuan-ninh", UNIT)
    yield Attempt("api.admin_end_unit", "POST", "/admin/org-units/xa-xuan-ninh/end", END)
    yield Attempt("api.admin_set_setting", "POST", f"/admin/settings/{key}/values", SETTING)
    yield Attempt("api.admin_set_day", "PUT", f"/admin/calendar/2025/days/{ONE_DAY}", DAY)
    yield Attempt("api.admin_confirm_year", "POST", "/admin/calendar/2027/confirm", {})
    # A unit's progress on the plan (issue 15): for those who hold a role in the unit.
    progress = {"code": "II.3", "unit": "xa-xuan-ninh", "status": "hoan_thanh", "note": "Thử"}
    yield Attempt("dashboard.record", "POST", "/ke-hoach/2024/tien-do", progress)
    yield Attempt("api.progress", "POST", "/plan/2024/progress", progress)

    # The spokesperson register (issue 16 item 4): the Văn phòng's to change, not the auditor's.
    person = {"unit": "huyen-xuan-truong", "full_name": "Thử", "position": "Thử"}
    page = {**person, "valid_from": "10/10/2024"}
    yield Attempt("spokespersons.designate", "POST", "/nguoi-phat-ngon/quan-ly", page)
    api = {**person, "valid_from": "2024-10-10"}
    yield Attempt("api.designate_spokesperson", "POST", "/spokespersons", api)


def attempts(world: World) -> list[Attempt]:
    return [*page_attempts(world), *api_attempts(world), *admin_attempts()]


def send(world: World, attempt: Attempt) -> TestResponse:
    if isinstance(attempt.data, matrix.Xml):
        xml = bytes(attempt.data)
        return world.api.call(
            AUDITOR, attempt.method, attempt.url, raw=xml, content_type="application/xml"
        )
    if attempt.endpoint.startswith("api."):
        return world.api.call(AUDITOR, attempt.method, attempt.url, attempt.data)
    client = world.page(AUDITOR)
    form = {**(attempt.data or {}), "csrf_token": world.csrf[AUDITOR]}
    return client.open(attempt.url, method=attempt.method, data=form)


def snapshot(world: World) -> dict[str, Any]:
    """Everything a write would change."""
    with transaction(world.pf.url) as s:
        return {
            "audit_events": s.scalar(select(func.count()).select_from(AuditEvent)),
            "last_event": s.scalar(select(func.max(AuditEvent.id))),
            "work_items": s.execute(
                select(
                    WorkItem.id, WorkItem.state, WorkItem.claimed_by, WorkItem.completed_by
                ).order_by(WorkItem.id)
            ).all(),
            "instances": s.execute(
                select(
                    Instance.id, Instance.status, Instance.row_version, Instance.event_count
                ).order_by(Instance.id)
            ).all(),
            "comments": s.scalar(select(func.count()).select_from(Comment)),
            "attachments": s.scalar(select(func.count()).select_from(Attachment)),
            "notifications": s.scalar(select(func.count()).select_from(Notification)),
            "process_versions": s.execute(
                select(
                    ProcessVersion.process_key, ProcessVersion.version, ProcessVersion.content_hash
                ).order_by(ProcessVersion.id)
            ).all(),
        }


# -- the tests ---------------------------------------------------------------------------


def test_the_auditor_is_read_only_on_every_write_route(world: World) -> None:
    tried = attempts(world)
    assert {a.endpoint for a in tried} == write_endpoints(world.app), (
        "a write route needs its attempts here (or, if it writes nothing of a case, EXEMPT)"
    )
    before = snapshot(world)
    wrong = [
        (a.endpoint, a.method, a.url, status)
        for a in tried
        if (status := send(world, a).status_code) not in REFUSED
    ]
    assert wrong == []
    assert snapshot(world) == before


def test_the_instance_level_writes_are_refused_as_forbidden(world: World) -> None:
    """The auditor sees every instance: refusing them is 403, never "not found"."""
    instance_level = {"processes.start", "instances.comment", "instances.lifecycle", "api.start"}
    found = {
        (a.endpoint, send(world, a).status_code)
        for a in attempts(world)
        if a.endpoint in instance_level
    }
    assert found == {(endpoint, 403) for endpoint in instance_level}


def test_the_task_writes_are_refused_as_the_access_matrix_says(world: World) -> None:
    """Claim, unclaim and complete through the API: 403 for a task the auditor's unit
    reaches (no role for it), 404 for one out of reach (a commune's)."""
    for task in world.tasks:
        for action in ("claim", "unclaim", "complete"):
            expected = matrix.expect_task_write(AUDITOR, task, world, action)
            res = world.api.post(AUDITOR, f"/tasks/{task.id}/{action}", {})
            assert res.status_code == expected, (task.unit, task.state, action)


def test_the_data_tried_is_what_a_permitted_user_could_submit(world: World) -> None:
    """Every form is filled to satisfy its schema, and the page's form reads it back."""
    schemas = [*start_forms(world).values(), *task_forms(world).values()]
    # An org-unit field's served oneOf lists the units of its kinds in force (the choice
    # taken); a field without one takes a commune.
    formats = {"org-unit": lambda code: isinstance(code, str) and bool(code), "attachment": bool}
    assert any(schemas) and any(
        forms.widget_of(spec) == "file"
        for schema in schemas
        for spec in (schema or {}).get("properties", {}).values()
    )  # the forms tried include a file field
    for schema in schemas:
        data = plausible(schema, world.attachment)
        assert validate_form(schema, data, formats) == data
        posted = as_page_form(schema, data)
        multi = MultiDict(
            [(k, v) for k, values in posted.items() if isinstance(values, list) for v in values]
        )
        parsed, _, errors = forms.parse(schema, multi)
        assert errors == {}
        assert {k: v for k, v in data.items() if k in parsed} == parsed


@pytest.mark.parametrize("user", ["cv_vhtt", "admin"])
def test_the_same_requests_succeed_for_those_allowed(world: World, user: str) -> None:
    """A control: the starter starts with the auditor's start form; the administrator
    suspends an instance: both change the log, so the refusals above are the auditor's."""
    before = snapshot(world)
    client, token = world.page(user), world.csrf[user]
    if user == "cv_vhtt":
        schema = start_forms(world)["document_approval"]
        form = as_page_form(schema, plausible(schema, world.attachment))
        res = client.post("/processes/document_approval/start", data={**form, "csrf_token": token})
    else:
        res = client.post(f"/instances/{world.cases[0].id}/suspend", data={"csrf_token": token})
    assert res.status_code == 302
    assert snapshot(world)["audit_events"] == before["audit_events"] + 1


def test_every_exempt_endpoint_is_a_write_route(world: World) -> None:
    """EXEMPT names only real write routes (a renamed one must not stay exempt by name)."""
    rules = world.app.url_map.iter_rules()
    writes = {r.endpoint for r in rules if WRITE_METHODS & set(r.methods or ())}
    assert writes >= EXEMPT
