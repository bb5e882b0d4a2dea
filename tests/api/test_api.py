"""The REST API (/api/v1) over the real app: tokens, every endpoint, every error status,
pagination, and an OpenAPI document that lists exactly the registered routes and whose
schemas the real responses satisfy (with no undocumented field)."""

import json
import logging
import re
from copy import deepcopy
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012
from sqlalchemy import update
from werkzeug.test import TestResponse

from engine.access.accounts import HASHER
from engine.facade import Policyflow
from engine.store.db import transaction
from engine.store.models import User
from tests.conftest import deploy_test_model
from web import create_app

P3_START = {"year": 2024, "outline_ref": "123/VHTT"}
DOC_START = {"doc_type": "KH", "doc_title": "Kế hoạch truyền thông"}
PREFIX = "/api/v1"

# -- the app and a client that signs in --------------------------------------------


DEMO_USERS = [
    "cv_vhtt", "tp_vhtt", "vp_ubnd", "pct_ubnd", "ct_ubnd", "van_thu", "cong_an", "tu_phap",
    "tt_vhtttt", "xa_xuanbac", "xa_xuanninh", "kiem_toan", "chu_quy_trinh", "admin",
]  # fmt: skip


def reset_demo_passwords(url: str) -> None:
    """Every demo user's password back to "demo" (users outlive tests; some tests change
    passwords) — one argon2 hash for all."""
    digest = HASHER.hash("demo")
    with transaction(url) as s:
        s.execute(update(User).where(User.username.in_(DEMO_USERS)).values(password_hash=digest))


@pytest.fixture
def app(deployed: Policyflow) -> Flask:
    reset_demo_passwords(deployed.url)
    return create_app({"DATABASE_URL": deployed.url, "TESTING": True, "WTF_CSRF_ENABLED": True})


@pytest.fixture
def engine(app: Flask) -> Policyflow:
    """The app's own engine object (the one the API calls)."""
    return app.extensions["policyflow"]


class Api:
    """A test client that gets (and caches) one token per user and checks every answer
    against the OpenAPI document."""

    def __init__(self, client: FlaskClient, doc: dict[str, Any]) -> None:
        self.client = client
        self.doc = doc
        self.conformance = Conformance(doc)
        self.tokens: dict[str, str] = {}

    def token(self, username: str) -> str:
        if username not in self.tokens:
            res = self.call(None, "POST", "/auth/token", {"username": username, "password": "demo"})
            assert res.status_code == 200, res.json
            self.tokens[username] = res.json["token"]
        return self.tokens[username]

    def call(
        self,
        username: str | None,
        method: str,
        path: str,
        body: Any = None,
        raw: str | bytes | None = None,
        headers: dict[str, str] | None = None,
        content_type: str = "application/json",
    ) -> TestResponse:
        headers = dict(headers or {})
        if username is not None:
            headers["Authorization"] = f"Bearer {self.token(username)}"
        kwargs: dict[str, Any] = {"headers": headers}
        if raw is not None:
            kwargs.update(data=raw, content_type=content_type)
        elif body is not None:
            kwargs["json"] = body
        res = self.client.open(PREFIX + path, method=method, **kwargs)
        self.conformance.check(method, path, res)
        return res

    def get(self, username: str | None, path: str, **query: Any) -> TestResponse:
        if query:
            path += "?" + "&".join(f"{k}={v}" for k, v in query.items())
        return self.call(username, "GET", path)

    def post(self, username: str | None, path: str, body: Any = None, **kw: Any) -> TestResponse:
        return self.call(username, "POST", path, body, **kw)


@pytest.fixture
def api(app: Flask) -> Api:
    client = app.test_client()
    return Api(client, client.get(f"{PREFIX}/openapi.json").json)


def error_of(res: TestResponse, status: int, code: str | None = None) -> dict[str, Any]:
    """The error body of a response that must have this status (and code)."""
    assert res.status_code == status, (res.status_code, res.get_data(as_text=True)[:500])
    assert res.is_json
    error = res.json["error"]
    assert set(error) == {"code", "message", "field_errors"} and error["message"]
    if code is not None:
        assert error["code"] == code
    return error


# -- the OpenAPI document as a checker ------------------------------------------------


def api_rules(app: Flask) -> set[tuple[str, str]]:
    """(OpenAPI path, method) of every route registered under /api/v1."""
    found = set()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith(PREFIX + "/"):
            continue
        path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule[len(PREFIX) :])
        for method in (rule.methods or set()) - {"HEAD", "OPTIONS"}:
            found.add((path, method.lower()))
    return found


def template_of(doc: dict[str, Any], method: str, path: str) -> str | None:
    """The documented path template a concrete path (without query) matches."""
    bare = path.split("?")[0]
    for template, operations in doc["paths"].items():
        pattern = "^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template)) + "$"
        if re.match(pattern, bare) and method.lower() in operations:
            return template
    return None


def strict(schema: Any) -> Any:
    """The schema with additionalProperties: false on every object that lists properties
    and says nothing else (so a test notices an undocumented field)."""
    if isinstance(schema, list):
        return [strict(s) for s in schema]
    if not isinstance(schema, dict):
        return schema
    copy = {k: strict(v) for k, v in schema.items()}
    if "properties" in copy and "additionalProperties" not in copy:
        copy["additionalProperties"] = False
    return copy


def resolve(doc: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        target: Any = doc
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part.replace("~1", "/").replace("~0", "~")]
        node = target
    return node


def escape(part: str) -> str:
    return part.replace("~", "~0").replace("/", "~1")


class Conformance:
    """Checks responses against the document, made strict (see `strict`)."""

    URN = "urn:policyflow-api"

    def __init__(self, doc: dict[str, Any]) -> None:
        self.doc = doc
        strict_doc = strict(deepcopy(doc))
        self.registry = Registry().with_resource(
            self.URN, Resource(contents=strict_doc, specification=DRAFT202012)
        )
        self.validators: dict[str, Draft202012Validator] = {}

    def validator(self, pointer: str) -> Draft202012Validator:
        if pointer not in self.validators:
            self.validators[pointer] = Draft202012Validator(
                {"$ref": f"{self.URN}#{pointer}"},
                registry=self.registry,
                format_checker=Draft202012Validator.FORMAT_CHECKER,
            )
        return self.validators[pointer]

    def check(self, method: str, path: str, res: TestResponse) -> None:
        """The response's status is documented for the operation, and its body matches."""
        template = template_of(self.doc, method, path)
        if template is None:  # an undocumented path: must be a JSON 404/405
            assert res.status_code in (404, 405), (method, path, res.status_code)
            return
        documented = self.doc["paths"][template][method.lower()]["responses"]
        status = str(res.status_code)
        assert status in documented, (method, template, res.status_code, res.json)
        if template == "/openapi.json":
            return
        content = resolve(self.doc, documented[status])["content"]
        if "application/json" not in content:  # a file (a version's BPMN): its media type
            assert res.mimetype in content, (method, template, res.mimetype)
            return
        pointer = f"/paths/{escape(template)}/{method.lower()}/responses/{status}"
        if "$ref" in documented[status]:
            pointer = documented[status]["$ref"].removeprefix("#")
        pointer += "/content/application~1json/schema"
        errors = sorted(
            self.validator(pointer).iter_errors(res.json), key=lambda e: list(e.absolute_path)
        )
        assert not errors, [(list(e.absolute_path), e.message[:200]) for e in errors[:5]]


# -- the document itself ---------------------------------------------------------------


def test_openapi_document_lists_exactly_the_registered_routes(app: Flask) -> None:
    res = app.test_client().get(f"{PREFIX}/openapi.json")  # no token needed
    assert res.status_code == 200 and res.is_json
    doc = json.loads(res.get_data(as_text=True))
    assert doc["openapi"] == "3.1.0"
    documented = {(p, m) for p, ops in doc["paths"].items() for m in ops}
    assert documented == api_rules(app)


PUBLISHED = ("/spokespersons", "/spokespersons/{unit}/history")


def test_openapi_document_is_self_consistent(api: Api) -> None:
    doc = api.doc
    for schema in doc["components"]["schemas"].values():
        Draft202012Validator.check_schema(schema)  # each is valid JSON Schema 2020-12
    refs = re.findall(r'"\$ref": "([^"]+)"', json.dumps(doc))
    for target in refs:
        assert resolve(doc, {"$ref": target}), target  # every $ref resolves
    operation_ids = []
    for path, operations in doc["paths"].items():
        declared = set(re.findall(r"\{([^}]+)\}", path))
        for method, op in operations.items():
            operation_ids.append(op["operationId"])
            in_path = {p["name"] for p in op.get("parameters", []) if p["in"] == "path"}
            assert in_path == declared, (method, path)
            assert "500" in op["responses"], (method, path)
            public = op.get("security") == []
            # The spokesperson register is published (Nghị định 09/2017 Điều 7): read freely.
            published = method == "get" and path in PUBLISHED
            assert public == (path in ("/openapi.json", "/auth/token") or published), (method, path)
            if not public:
                assert "401" in op["responses"], (method, path)
    assert len(operation_ids) == len(set(operation_ids))
    error = resolve(doc, {"$ref": "#/components/responses/E404"})
    assert error["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}


# -- tokens ----------------------------------------------------------------------------


def test_token_flow(api: Api) -> None:
    res = api.post(None, "/auth/token", {"username": "cv_vhtt", "password": "demo"})
    assert res.status_code == 200 and set(res.json) == {"token", "expires_at"}
    token = res.json["token"]
    me = api.client.get(f"{PREFIX}/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200 and me.json["username"] == "cv_vhtt"
    assert {r["role"] for r in me.json["roles"]} == {"chuyen_vien_vhtt", "don_vi"}

    error_of(api.post(None, "/auth/token", {"username": "cv_vhtt", "password": "x"}), 401)
    error_of(api.post(None, "/auth/token", {"username": "nobody", "password": "x"}), 401)
    missing = error_of(api.post(None, "/auth/token", {"username": "cv_vhtt"}), 400, "invalid")
    assert set(missing["field_errors"]) == {"password"}
    typed = error_of(api.post(None, "/auth/token", {"username": 1, "password": "demo"}), 400)
    assert set(typed["field_errors"]) == {"username"}
    error_of(api.post(None, "/auth/token", raw="{nope"), 400, "invalid_json")
    error_of(api.post(None, "/auth/token", ["cv_vhtt", "demo"]), 400, "invalid_json")


@pytest.mark.parametrize(
    "header",
    [None, "Bearer", "Bearer ", "Bearer made-up-token", "Basic Y3ZfdmhkdDpkZW1v", "made-up-token"],
)
def test_requests_without_a_valid_token_are_401(api: Api, header: str | None) -> None:
    headers = {"Authorization": header} if header is not None else {}
    res = api.call(None, "GET", "/tasks", headers=headers)
    error = error_of(res, 401, "unauthorized")
    assert res.headers["WWW-Authenticate"].startswith("Bearer")
    assert "Traceback" not in error["message"]


def test_failed_logins_are_throttled_with_429(api: Api) -> None:
    for _ in range(5):
        error_of(api.post(None, "/auth/token", {"username": "tt_vhtttt", "password": "bad"}), 401)
    res = api.post(None, "/auth/token", {"username": "tt_vhtttt", "password": "demo"})
    assert "15" in error_of(res, 429, "too_many_requests")["message"]
    api.token("tu_phap")  # another username is not affected


def test_a_password_change_revokes_the_token(api: Api, engine: Policyflow) -> None:
    api.token("cong_an")
    assert api.get("cong_an", "/me").status_code == 200
    engine.accounts.change_password("cong_an", "demo", "long-enough-1")
    try:
        error_of(api.get("cong_an", "/me"), 401)
    finally:
        reset_demo_passwords(engine.url)


# -- processes and starting ------------------------------------------------------------


def test_processes_come_with_their_start_forms(api: Api) -> None:
    res = api.get("cv_vhtt", "/processes")
    assert res.status_code == 200
    found = {p["key"]: p for p in res.json["items"]}
    shipped = {"annual_report", "crisis_team", "document_approval", "press_statement"}
    # P5's two (issue 16 item 2) and the plan's other processes are deployed beside them.
    assert shipped | {"fake_news", "fake_news_item"} <= set(found)
    assert all(found[key]["can_start"] for key in shipped | {"fake_news_item"})
    assert not found["fake_news"]["can_start"]  # a monitoring term: the head of the office
    assert found["annual_report"]["start_form"]["required"]  # the JSON Schema itself
    commune = {p["key"]: p["can_start"] for p in api.get("xa_xuanbac", "/processes").json["items"]}
    assert not any(commune.values())


def test_start_an_instance(api: Api) -> None:
    res = api.post("cv_vhtt", "/processes/annual_report/instances", P3_START)
    assert res.status_code == 201
    assert set(res.json) == {"id", "status", "open_tasks"} and res.json["status"] == "running"
    assert res.headers["Location"].endswith(f"{PREFIX}/instances/{res.json['id']}")
    tasks = res.json["open_tasks"]  # one report per reporting unit in force
    assert len([t for t in tasks if t["element_id"] == "Unit_draft"]) == 20  # 6 + 14 communes
    shown = api.get("cv_vhtt", f"/instances/{res.json['id']}")
    assert shown.status_code == 200 and shown.json["data"]["outline_ref"] == "123/VHTT"


def test_start_errors(api: Api) -> None:
    bad = api.post("cv_vhtt", "/processes/annual_report/instances", {**P3_START, "year": "x"})
    assert set(error_of(bad, 400, "invalid")["field_errors"]) == {"year"}
    empty = error_of(api.post("cv_vhtt", "/processes/annual_report/instances"), 400)
    # the year, left out, is the instance's year (x-default: current_year); no typed deadline
    assert set(empty["field_errors"]) == {"outline_ref"}
    error_of(api.post("cv_vhtt", "/processes/annual_report/instances", raw="[1"), 400)
    error_of(api.post("cv_vhtt", "/processes/annual_report/instances", [P3_START]), 400)
    error_of(api.post("cv_vhtt", "/processes/annual_report/instances", "text"), 400)
    press = api.post("xa_xuanbac", "/processes/press_statement/instances", {})
    assert "chuyen_vien_vhtt" in error_of(press, 403, "forbidden")["message"]
    error_of(api.post("cv_vhtt", "/processes/no_such_process/instances", {}), 404, "not_found")
    error_of(api.post(None, "/processes/annual_report/instances", P3_START), 401)
    assert api.get("cv_vhtt", "/instances").json["total"] == 0  # nothing was started


# -- the inbox, claiming and completing ------------------------------------------------


@pytest.fixture
def linear(engine: Policyflow) -> Policyflow:
    deploy_test_model(engine, "linear3.bpmn")
    return engine


def start_linear(api: Api) -> tuple[int, str]:
    """A linear3 instance (draft → review → approve); its id and the draft task's id."""
    started = api.post("cv_vhtt", "/processes/linear3/instances").json
    [draft] = started["open_tasks"]
    assert draft["element_id"] == "Draft" and draft["role"] == "chuyen_vien_vhtt"
    return started["id"], draft["id"]


def test_inbox_claim_complete_and_the_next_task(api: Api, linear: Policyflow) -> None:
    instance_id, draft_id = start_linear(api)
    inbox = api.get("cv_vhtt", "/tasks").json
    [item] = [t for t in inbox["items"] if t["id"] == draft_id]
    assert (item["instance_id"], item["process_key"], item["role"]) == (
        instance_id,
        "linear3",
        "chuyen_vien_vhtt",
    )
    assert item["form_schema"]["required"] == ["title", "pages"]
    assert (item["unit"], item["scope"]) == ("huyen-xuan-truong", "administration")
    assert inbox["counts"]["open"] == 1 and (inbox["page"], inbox["per_page"]) == (1, 50)

    claimed = api.post("cv_vhtt", f"/tasks/{draft_id}/claim")
    assert claimed.status_code == 200 and claimed.json == {"id": draft_id, "claimed_by": "cv_vhtt"}
    assert api.get("cv_vhtt", "/tasks", box="mine").json["total"] == 1
    detail = api.get("cv_vhtt", f"/tasks/{draft_id}").json
    assert detail["claimed_by"] == "cv_vhtt" and detail["can_act"]
    assert detail["instance"]["id"] == instance_id

    done = api.post("cv_vhtt", f"/tasks/{draft_id}/complete", {"title": "Kế hoạch", "pages": 3})
    assert done.status_code == 200 and set(done.json) == {"id", "status", "open_tasks"}
    [review] = done.json["open_tasks"]
    assert review["element_id"] == "Review" and review["role"] == "truong_phong_vhtt"
    completed = api.get("cv_vhtt", "/tasks", box="completed").json
    assert [t["id"] for t in completed["items"]] == [draft_id]
    assert completed["items"][0]["completed_by"] == "cv_vhtt"

    api.post("tp_vhtt", f"/tasks/{review['id']}/complete", {})
    [approve] = api.get("ct_ubnd", "/tasks").json["items"]
    finished = api.post("ct_ubnd", f"/tasks/{approve['id']}/complete").json  # empty body: {}
    assert finished == {"id": instance_id, "status": "completed", "open_tasks": []}
    history = api.get("cv_vhtt", f"/instances/{instance_id}/history").json["items"]
    assert [(e["command"], e["actor"]) for e in history] == [
        ("start", "cv_vhtt"),
        ("claim", "cv_vhtt"),
        ("complete", "cv_vhtt"),
        ("complete", "tp_vhtt"),
        ("complete", "ct_ubnd"),
    ]
    assert history[2]["payload"]["data"] == {"title": "Kế hoạch", "pages": 3}


def test_a_wrong_form_is_400_with_field_errors(api: Api, linear: Policyflow) -> None:
    _, draft_id = start_linear(api)
    res = api.post("cv_vhtt", f"/tasks/{draft_id}/complete", {"pages": "ba"})
    error = error_of(res, 400, "invalid")
    assert set(error["field_errors"]) == {"title", "pages"}
    assert all(isinstance(m, str) for ms in error["field_errors"].values() for m in ms)
    error_of(api.post("cv_vhtt", f"/tasks/{draft_id}/complete", raw='{"title": '), 400)
    error_of(api.post("cv_vhtt", f"/tasks/{draft_id}/complete", [1, 2]), 400, "invalid_json")
    assert api.get("cv_vhtt", f"/tasks/{draft_id}").json["state"] == "open"  # unchanged


def test_double_completion_is_409(api: Api, linear: Policyflow) -> None:
    _, draft_id = start_linear(api)
    data = {"title": "a", "pages": 1}
    assert api.post("cv_vhtt", f"/tasks/{draft_id}/complete", data).status_code == 200
    error_of(api.post("cv_vhtt", f"/tasks/{draft_id}/complete", data), 409, "conflict")
    error_of(api.post("cv_vhtt", f"/tasks/{draft_id}/claim"), 409, "conflict")


def test_a_task_claimed_by_someone_else_is_409(api: Api, linear: Policyflow) -> None:
    _, draft_id = start_linear(api)
    review = api.post("cv_vhtt", f"/tasks/{draft_id}/complete", {"title": "a", "pages": 1})
    api.post("tp_vhtt", f"/tasks/{review.json['open_tasks'][0]['id']}/complete", {})
    [approve] = api.get("ct_ubnd", "/tasks").json["items"]
    assert [t["id"] for t in api.get("pct_ubnd", "/tasks").json["items"]] == [approve["id"]]
    assert api.post("ct_ubnd", f"/tasks/{approve['id']}/claim").status_code == 200
    error_of(api.post("pct_ubnd", f"/tasks/{approve['id']}/claim"), 409, "conflict")
    error_of(api.post("pct_ubnd", f"/tasks/{approve['id']}/complete", {}), 409, "conflict")
    error_of(api.post("pct_ubnd", f"/tasks/{approve['id']}/unclaim"), 409, "conflict")
    assert api.get("pct_ubnd", f"/tasks/{approve['id']}").json["can_act"] is False
    released = api.post("ct_ubnd", f"/tasks/{approve['id']}/unclaim")
    assert released.json == {"id": approve["id"], "claimed_by": None}
    error_of(api.post("ct_ubnd", f"/tasks/{approve['id']}/unclaim"), 409)  # not claimed now
    assert api.post("pct_ubnd", f"/tasks/{approve['id']}/complete", {}).status_code == 200


def test_a_task_of_another_role_is_403(api: Api, linear: Policyflow) -> None:
    _, draft_id = start_linear(api)
    for path in ("claim", "complete", "unclaim"):  # tp_vhtt sees it (same unit), lacks the role
        error_of(api.post("tp_vhtt", f"/tasks/{draft_id}/{path}", {}), 403, "forbidden")


def test_unknown_and_invisible_things_are_404(api: Api) -> None:
    own = api.post("cv_vhtt", "/processes/document_approval/instances", DOC_START).json
    report = api.post("cv_vhtt", "/processes/annual_report/instances", P3_START).json
    [bac] = api.get("xa_xuanbac", "/tasks").json["items"]
    [ninh] = api.get("xa_xuanninh", "/tasks").json["items"]
    assert (bac["unit"], ninh["unit"]) == ("xa-tra-lu", "xa-xuan-ninh")
    for path in ("/tasks/no-such-task", "/instances/999999", "/instances/999999/history"):
        error_of(api.get("cv_vhtt", path), 404, "not_found")
    error_of(api.post("cv_vhtt", "/tasks/no-such-task/claim"), 404)
    # The district's own document: invisible to a commune, even by its id.
    for path in (f"/instances/{own['id']}", f"/instances/{own['id']}/history"):
        error_of(api.get("xa_xuanbac", path), 404, "not_found")
    draft = own["open_tasks"][0]["id"]
    for action in ("claim", "unclaim", "complete"):
        error_of(api.post("xa_xuanbac", f"/tasks/{draft}/{action}", {}), 404)
        error_of(api.post("xa_xuanninh", f"/tasks/{bac['id']}/{action}", {}), 404)
    error_of(api.get("xa_xuanbac", f"/tasks/{draft}"), 404)
    # The annual report they both take part in is visible to both.
    assert api.get("xa_xuanbac", f"/instances/{report['id']}").status_code == 200
    assert api.get("xa_xuanbac", f"/tasks/{bac['id']}").status_code == 200


def test_another_communes_task_of_a_shared_instance_is_404(api: Api) -> None:
    api.post("cv_vhtt", "/processes/annual_report/instances", P3_START)
    [bac] = api.get("xa_xuanbac", "/tasks").json["items"]
    error_of(api.get("xa_xuanninh", f"/tasks/{bac['id']}"), 404)


# -- listings and pagination -----------------------------------------------------------


def test_inbox_pagination_and_filters(api: Api, linear: Policyflow) -> None:
    ids = [start_linear(api)[1] for _ in range(5)]
    first = api.get("cv_vhtt", "/tasks", per_page=2).json
    assert (first["total"], first["page"], first["per_page"]) == (5, 1, 2)
    pages = [api.get("cv_vhtt", "/tasks", per_page=2, page=n).json["items"] for n in (1, 2, 3, 4)]
    assert [len(p) for p in pages] == [2, 2, 1, 0]
    assert sorted(t["id"] for p in pages for t in p) == sorted(ids)
    assert api.get("cv_vhtt", "/tasks", process="linear3").json["total"] == 5
    assert api.get("cv_vhtt", "/tasks", process="other").json["total"] == 0
    assert api.get("cv_vhtt", "/tasks", q="Soạn").json["total"] == 5
    assert api.get("cv_vhtt", "/tasks", unit="huyen-xuan-truong").json["total"] == 5
    assert api.get("cv_vhtt", "/tasks", unit="phong-vhtt").json["total"] == 0
    assert api.get("cv_vhtt", "/tasks", due="later").json["total"] == 5  # 2 working days
    assert api.get("cv_vhtt", "/tasks", due="overdue").json["total"] == 0
    assert api.get("cv_vhtt", "/tasks", box="mine").json["total"] == 0
    newest = [t["id"] for t in api.get("cv_vhtt", "/tasks", sort="-created").json["items"]]
    assert newest == ids[::-1]
    assert api.get("tp_vhtt", "/tasks").json["total"] == 0


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("page=abc", "page"),
        ("page=0", "page"),
        ("per_page=0", "per_page"),
        ("per_page=1000", "per_page"),
        ("per_page=2.5", "per_page"),
        ("box=everything", "box"),
        ("due=tomorrow", "due"),
        ("sort=name", "sort"),
        ("unit=no-such-unit", "unit"),
    ],
)
def test_bad_inbox_query_parameters_are_400(api: Api, query: str, field: str) -> None:
    error = error_of(api.get("cv_vhtt", f"/tasks?{query}"), 400, "invalid")
    assert set(error["field_errors"]) == {field}


def test_instance_list_pagination_and_filters(api: Api, linear: Policyflow) -> None:
    started = [start_linear(api)[0] for _ in range(3)]
    doc = api.post("cv_vhtt", "/processes/document_approval/instances", DOC_START).json["id"]
    listed = api.get("cv_vhtt", "/instances", per_page=3).json
    assert listed["total"] == 4 and [i["id"] for i in listed["items"]] == [doc, *started[::-1][:2]]
    assert [
        i["id"] for i in api.get("cv_vhtt", "/instances", per_page=3, page=2).json["items"]
    ] == [started[0]]
    assert api.get("cv_vhtt", "/instances", process="linear3").json["total"] == 3
    assert api.get("cv_vhtt", "/instances", status="running").json["total"] == 4
    assert api.get("cv_vhtt", "/instances", status="completed").json["total"] == 0
    assert api.get("admin", "/instances", started_by="cv_vhtt").json["total"] == 4
    assert api.get("admin", "/instances", started_by="tp_vhtt").json["total"] == 0
    assert api.get("cv_vhtt", "/instances", unit="phong-vhtt").json["total"] == 4
    assert api.get("cv_vhtt", "/instances", date_from="2000-01-01").json["total"] == 4
    assert api.get("cv_vhtt", "/instances", date_to="2000-01-01").json["total"] == 0
    assert api.get("xa_xuanbac", "/instances").json["total"] == 0
    assert api.get("kiem_toan", "/instances").json["total"] == 4
    for query in ("status=lost", "date_from=yesterday", "date_to=2024-13-01", "page=-1"):
        error_of(api.get("cv_vhtt", f"/instances?{query}"), 400, "invalid")


def test_instance_detail_and_history(api: Api) -> None:
    started = api.post("cv_vhtt", "/processes/document_approval/instances", DOC_START).json
    shown = api.get("tp_vhtt", f"/instances/{started['id']}").json  # the district's business
    assert shown["status"] == "running" and shown["process_key"] == "document_approval"
    assert [t["element_id"] for t in shown["open_tasks"]] == ["Draft"]
    assert shown["started_by"] == "cv_vhtt" and not shown["can_admin"]
    assert api.get("admin", f"/instances/{started['id']}").json["can_admin"]
    events = api.get("kiem_toan", f"/instances/{started['id']}/history").json["items"]
    assert [e["command"] for e in events] == ["start"]
    assert events[0]["payload"]["data"] == DOC_START


# -- HTTP-level errors -----------------------------------------------------------------


def test_unknown_routes_and_methods_answer_json(api: Api) -> None:
    for path in ("/nope", "/tasks/x/y/z", "/instances/abc", "/instances/99999999999", ""):
        error_of(api.get("cv_vhtt", path), 404, "not_found")
    error_of(api.client.get(f"{PREFIX}/"), 404, "not_found")
    res = api.call(None, "GET", "/auth/token")
    error_of(res, 405, "method_not_allowed")
    assert "POST" in res.headers["Allow"]
    error_of(api.call("cv_vhtt", "DELETE", "/tasks/abc"), 405)
    error_of(api.call("cv_vhtt", "GET", "/tasks/abc/claim"), 405)
    assert api.client.get("/no-such-page").content_type.startswith("text/html")  # pages: HTML


def test_csrf_does_not_apply_to_the_api(app: Flask, api: Api) -> None:
    assert app.config["WTF_CSRF_ENABLED"]
    res = api.post(None, "/auth/token", {"username": "cv_vhtt", "password": "demo"})
    assert res.status_code == 200  # no CSRF token was sent


def test_a_too_large_body_is_413(app: Flask, api: Api) -> None:
    app.config["MAX_CONTENT_LENGTH"] = 100
    error_of(api.post(None, "/auth/token", {"username": "x" * 200, "password": "y"}), 413)


def test_an_unexpected_error_is_500_without_details(
    api: Api, engine: Policyflow, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    api.token("cv_vhtt")

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("secret connection string postgresql://u:p@db")

    monkeypatch.setattr(engine, "processes", broken)
    with caplog.at_level(logging.ERROR, logger="web.api"):
        res = api.get("cv_vhtt", "/processes")
    error = error_of(res, 500, "internal_error")
    body = res.get_data(as_text=True)
    assert "secret" not in body and "Traceback" not in body and "RuntimeError" not in body
    assert error["field_errors"] == {}
    assert any("secret connection string" in (r.exc_text or "") for r in caplog.records)
