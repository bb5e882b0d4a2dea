"""Hostile input is a 4xx with a clear message, never a 500 (issue 12, item 5), and the
OpenAPI document states what the server enforces (item 9): each test failed before.

Every response is checked against the document by `Api` (tests/api/test_api.py)."""

from typing import Any

import pytest
from flask import Flask

from engine.facade import Policyflow
from tests.api.test_api import P3_START, PREFIX, Api, error_of, reset_demo_passwords, start_linear
from tests.conftest import deploy_test_model
from web import create_app

pytestmark = pytest.mark.usefixtures("every_instance_replays")


@pytest.fixture
def app(deployed: Policyflow) -> Flask:
    reset_demo_passwords(deployed.url)
    return create_app({"DATABASE_URL": deployed.url, "TESTING": True})


@pytest.fixture
def api(app: Flask) -> Api:
    client = app.test_client()
    return Api(client, client.get(f"{PREFIX}/openapi.json").json)


@pytest.fixture
def linear(app: Flask) -> Policyflow:
    engine: Policyflow = app.extensions["policyflow"]
    deploy_test_model(engine, "linear3.bpmn")
    return engine


def nested(depth: int) -> str:
    return '{"a": ' * depth + "1" + "}" * depth


def test_json_nested_10000_deep_is_400(api: Api, linear: Policyflow) -> None:
    _, draft_id = start_linear(api)
    for path in ("/processes/annual_report/instances", f"/tasks/{draft_id}/complete"):
        error = error_of(api.post("cv_vhtt", path, raw=nested(10_000)), 400, "invalid_json")
        assert "sâu" in error["message"]
    token = api.post(None, "/auth/token", raw=nested(10_000))
    error_of(token, 400, "invalid_json")


def test_json_nested_deeper_than_the_engine_takes_is_400(api: Api) -> None:
    """Parsable, but deeper than form data may nest (32): refused naming the field."""
    body = '{"outline_ref": ' + "[" * 40 + "]" * 40 + "}"
    res = api.post("cv_vhtt", "/processes/annual_report/instances", raw=body)
    assert "outline_ref" in " ".join(error_of(res, 400, "invalid")["field_errors"])
    assert api.get("cv_vhtt", "/instances").json["total"] == 0


@pytest.mark.parametrize(
    "body",
    [
        {**P3_START, "outline_ref": "a\u0000b"},
        {**P3_START, "a\u0000b": 1},
    ],
)
def test_a_nul_in_a_string_field_is_400_and_nothing_stored(api: Api, body: dict) -> None:
    res = api.post("cv_vhtt", "/processes/annual_report/instances", body)
    error = error_of(res, 400, "invalid")
    assert "NUL" in " ".join(m for ms in error["field_errors"].values() for m in ms)
    assert api.get("cv_vhtt", "/instances").json["total"] == 0


def test_a_nul_in_a_completed_form_is_400(api: Api, linear: Policyflow) -> None:
    _, draft_id = start_linear(api)
    res = api.post("cv_vhtt", f"/tasks/{draft_id}/complete", {"title": "x\u0000", "pages": 1})
    assert set(error_of(res, 400, "invalid")["field_errors"]) == {"title"}
    assert api.get("cv_vhtt", f"/tasks/{draft_id}").json["state"] == "open"


def test_a_nul_in_credentials_is_400(api: Api) -> None:
    res = api.post(None, "/auth/token", {"username": "ad\u0000min", "password": "demo"})
    error_of(res, 400, "invalid")


@pytest.mark.parametrize(
    "path",
    [
        "/tasks/%00",
        "/tasks/%00/claim",
        "/processes/%00/versions",
        "/tasks?q=%00",
        "/tasks?process=a%00b",
        "/instances?started_by=%00",
        "/audit/events?actor=%00",
    ],
)
def test_a_nul_in_a_url_is_400(api: Api, path: str) -> None:
    method = "POST" if path.endswith("/claim") else "GET"
    error = error_of(api.call("cv_vhtt", method, path), 400, "invalid")
    assert "NUL" in error["message"]


def test_a_text_plain_body_is_not_read_as_json(api: Api) -> None:
    body = '{"year": 2024, "outline_ref": "1"}'
    res = api.post("cv_vhtt", "/processes/annual_report/instances", raw=body,
                   content_type="text/plain")  # fmt: skip
    assert "application/json" in error_of(res, 415, "unsupported_media_type")["message"]
    token = api.post(None, "/auth/token", raw='{"username": "admin", "password": "demo"}',
                     content_type="text/plain")  # fmt: skip
    error_of(token, 415)
    assert api.get("cv_vhtt", "/instances").json["total"] == 0


def test_like_wildcards_in_the_inbox_search_are_literal(api: Api, linear: Policyflow) -> None:
    start_linear(api)  # a task named "Soạn…"
    assert api.get("cv_vhtt", "/tasks", q="Soạn").json["total"] == 1
    for wildcard in ("%25", "_", "S_ạn", "So%25"):  # %25: a percent sign
        assert api.get("cv_vhtt", "/tasks", q=wildcard).json["total"] == 0, wildcard


# -- the document states what the server enforces (item 9) -----------------------------


def parameter(doc: dict[str, Any], path: str, name: str) -> dict[str, Any]:
    [found] = [p for p in doc["paths"][path]["get"]["parameters"] if p["name"] == name]
    return found["schema"]


def test_the_document_states_the_bounds_the_server_enforces(api: Api) -> None:
    doc = api.doc
    page = parameter(doc, "/tasks", "page")
    assert (page["minimum"], page["maximum"]) == (1, 1_000_000)
    assert api.get("cv_vhtt", "/tasks", page=1_000_000).status_code == 200
    error_of(api.get("cv_vhtt", "/tasks", page=1_000_001), 400)
    per_page = parameter(doc, "/instances", "per_page")
    assert api.get("cv_vhtt", "/instances", per_page=per_page["maximum"]).status_code == 200
    error_of(api.get("cv_vhtt", "/instances", per_page=per_page["maximum"] + 1), 400)
    step = parameter(doc, "/instances/{instance_id}/replay", "step")
    assert (step["minimum"], step["maximum"]) == (1, 2147483647)
    for name in ("date_from", "date_to"):
        assert parameter(doc, "/audit/events", name)["pattern"] == "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"


@pytest.mark.parametrize(
    "query",
    [
        "status=",  # an empty choice is not one of the list
        "date_from=",
        "date_to=20241001",  # not YYYY-MM-DD (date.fromisoformat took it)
        "date_from=2024-W40-1",
        "page=",
        "page=%205",  # int() took " 5"
        "per_page=1_0",  # and "1_0"
        "page=%D9%A5",  # and an Arabic-Indic five
        "page=1&page=2",  # one value, not a list
    ],
)
def test_what_the_document_forbids_is_refused(api: Api, query: str) -> None:
    error_of(api.get("cv_vhtt", f"/instances?{query}"), 400, "invalid")


def test_what_the_document_allows_is_taken(api: Api) -> None:
    for query in ("date_from=2024-10-01&date_to=2024-10-31", "process=", "page=1&per_page=200"):
        assert api.get("cv_vhtt", f"/instances?{query}").status_code == 200, query


@pytest.mark.parametrize(
    "body",
    [
        {"instance_ids": None},
        {"to_version": None},
        {"resume": "yes"},
        {"comment": "x" * 501},
    ],
)
def test_a_migration_request_the_document_forbids_is_400(api: Api, body: dict) -> None:
    res = api.post("chu_quy_trinh", "/processes/annual_report/migrations", body)
    assert set(error_of(res, 400, "invalid")["field_errors"]) == set(body)


def test_an_id_beyond_32_bits_is_404(api: Api) -> None:
    error_of(api.get("cv_vhtt", "/instances/99999999999999999999"), 404)
    error_of(api.get("cv_vhtt", "/instances/1/replay?step=99999999999999999999"), 400)


def test_a_whole_number_written_with_a_fraction_is_an_integer(api: Api) -> None:
    """JSON Schema counts 2.0 as an integer: the document allows it, so the server takes it
    (schemathesis found to_version 10904.0 refused)."""
    res = api.post("chu_quy_trinh", "/processes/annual_report/migrations", {"to_version": 1.0})
    assert res.status_code == 200, res.json
    bad = api.post("chu_quy_trinh", "/processes/annual_report/migrations", {"to_version": 1.5})
    assert set(error_of(bad, 400, "invalid")["field_errors"]) == {"to_version"}


def test_the_document_states_that_form_data_holds_no_nul(api: Api) -> None:
    form = api.doc["components"]["schemas"]["FormData"]
    assert form["propertyNames"]["pattern"] == "^[^\\u0000]*$"


def test_a_bpmn_part_sent_as_a_field_is_read(api: Api) -> None:
    """The document allows the multipart `bpmn` as a string: a part without a file name
    (schemathesis sent one) is read like a file (was 400, 'missing bpmn')."""
    from tests.conftest import WORKFLOWS

    xml = (WORKFLOWS / "press_statement.bpmn").read_text(encoding="utf-8")
    res = api.call("chu_quy_trinh", "POST", "/processes", raw=None, content_type="")
    error_of(res, 415)
    res = api.client.post(
        f"{PREFIX}/processes",
        data={"bpmn": xml},
        content_type="multipart/form-data",
        headers={"Authorization": f"Bearer {api.token('chu_quy_trinh')}"},
    )
    api.conformance.check("POST", "/processes", res)
    assert res.status_code == 200 and res.json["created"] is False, res.json


@pytest.mark.parametrize(
    "raw",
    [
        '{"year": NaN, "outline_ref": "1"}',
        '{"year": 2024, "outline_ref": "1", "x": 1e999}',
        '{"year": 2024, "outline_ref": "a\\ud800"}',
        '{"\\ud800": 1}',
    ],
)
def test_json_no_database_stores_is_400(api: Api, raw: str) -> None:
    """NaN and Infinity (Python's json reads them; PostgreSQL's JSON does not) and lone
    surrogates (not UTF-8) are refused by the engine, naming the field."""
    res = api.post("cv_vhtt", "/processes/annual_report/instances", raw=raw)
    assert error_of(res, 400, "invalid")["field_errors"]
    assert api.get("cv_vhtt", "/instances").json["total"] == 0


@pytest.mark.parametrize(
    "path",
    [
        "/instances?date_from=0001-01-01",
        "/instances?date_to=9999-12-31",
        "/audit/events?date_from=0001-01-01&date_to=9999-12-31",
    ],
)
def test_the_calendars_first_and_last_days_are_ordinary_filters(api: Api, path: str) -> None:
    assert api.get("admin", path).status_code == 200  # was 500: the datetime overflowed
