"""Deploying over the REST API (issue 5, item 6): raw XML or multipart with forms, identical
redeploys, roll backs, the versions and their BPMN, who may do it, and bad input — each a
clear 400 (413 for size) with the reason, with nothing deployed and nothing changed."""

import json
from io import BytesIO
from typing import Any

import pytest
from flask import Flask
from werkzeug.test import TestResponse

from engine.errors import PermissionDenied
from engine.facade import Policyflow, read_forms
from tests.api.test_api import PREFIX, Api, error_of, reset_demo_passwords
from tests.conftest import DATA
from web import create_app

LINEAR = (DATA / "linear3.bpmn").read_text(encoding="utf-8")
LOOP = (DATA / "revision_loop.bpmn").read_text(encoding="utf-8")
FORMS = read_forms(DATA / "forms")
FORM = "linear_draft.json"
OWNER = "chu_quy_trinh"


@pytest.fixture
def app(pf: Policyflow) -> Flask:
    reset_demo_passwords(pf.url)
    return create_app({"DATABASE_URL": pf.url, "TESTING": True, "WTF_CSRF_ENABLED": True})


@pytest.fixture
def api(app: Flask) -> Api:
    client = app.test_client()
    return Api(client, client.get(f"{PREFIX}/openapi.json").json)


def deploy_xml(api: Api, xml: str | bytes, user: str | None = OWNER, **kw: Any) -> TestResponse:
    return api.call(user, "POST", "/processes", raw=xml, content_type="application/xml", **kw)


def deploy_multipart(
    api: Api,
    xml: str | bytes,
    forms: dict[str, Any] | None = None,
    comment: str | None = None,
    user: str = OWNER,
) -> TestResponse:
    """POST multipart/form-data: a `bpmn` file, `forms` files, a `comment` field."""
    encode = (lambda s: s.encode("utf-8")) if isinstance(xml, str) else bytes
    data: dict[str, Any] = {"bpmn": (BytesIO(encode(xml)), "model.bpmn", "application/xml")}
    if forms:
        data["forms"] = [
            (BytesIO(body if isinstance(body, bytes) else json.dumps(body).encode()), name)
            for name, body in forms.items()
        ]
    if comment is not None:
        data["comment"] = comment
    res = api.client.post(
        PREFIX + "/processes",
        data=data,
        content_type="multipart/form-data",
        headers={"Authorization": f"Bearer {api.token(user)}"},
    )
    api.conformance.check("POST", "/processes", res)
    return res


def versions(api: Api, key: str, user: str = OWNER) -> TestResponse:
    return api.get(user, f"/processes/{key}/versions")


def everything(pf: Policyflow) -> Any:
    """What a failed deploy must leave as it was: every process with its versions."""
    found = {}
    for process in pf.processes():
        found[process["key"]] = pf.versions.list(process["key"])
    return found


# -- deploying -------------------------------------------------------------------------


def test_deploy_raw_xml_then_identical_then_roll_back(api: Api, pf: Policyflow) -> None:
    first = deploy_multipart(api, LINEAR, FORMS, "bản đầu")
    assert first.status_code == 201, first.json
    assert first.json["key"] == "linear3" and first.json["version"] == 1
    assert first.json["created"] is True and len(first.json["content_hash"]) == 64
    assert first.headers["Location"].endswith("/processes/linear3/versions/1/bpmn")

    # Raw XML: the forms are the previous version's, so the same content is no new version.
    same = deploy_xml(api, LINEAR)
    assert same.status_code == 200 and same.json == {**first.json, "created": False}

    changed_xml = LINEAR.replace('name="Thẩm định"', 'name="Thẩm định nội dung"')
    changed = deploy_xml(api, changed_xml.encode("utf-8"))
    assert changed.status_code == 201 and changed.json["version"] == 2
    assert pf.versions.bpmn("linear3", 2) == changed_xml
    assert pf.deploy(changed_xml, None)["created"] is False  # it kept the form

    rollback = deploy_xml(api, LINEAR)  # version 1's content again: a new version 3
    assert rollback.status_code == 201, rollback.json
    assert rollback.json["version"] == 3
    assert rollback.json["content_hash"] == first.json["content_hash"]
    assert pf.processes()[0]["version"] == 3

    listed = versions(api, "linear3")
    assert listed.status_code == 200
    items = listed.json["items"]
    assert [v["version"] for v in items] == [3, 2, 1]
    assert [v["newest"] for v in items] == [True, False, False]
    assert items[0]["content_hash"] == items[2]["content_hash"] != items[1]["content_hash"]
    assert items[2]["comment"] == "bản đầu" and items[0]["comment"] == ""
    assert items[0]["deployed_by"] == {"username": OWNER, "full_name": "Lý Thị Quy"}
    assert listed.json["key"] == "linear3"


def test_deploy_raw_xml_with_a_comment_and_text_xml(api: Api) -> None:
    res = api.call(
        "admin",
        "POST",
        "/processes?comment=s%E1%BB%ADa%20l%E1%BA%A7n%201",
        raw=LOOP,
        content_type="text/xml",
    )
    assert res.status_code == 201, res.json
    (only,) = versions(api, "revision_loop", "admin").json["items"]
    assert only["comment"] == "sửa lần 1"
    assert only["deployed_by"]["username"] == "admin"


def test_deploy_multipart_with_forms(api: Api, pf: Policyflow) -> None:
    res = deploy_multipart(api, LINEAR, {FORM: FORMS[FORM], "unused.json": {"type": "object"}})
    assert res.status_code == 201, res.json
    started = pf.processes()[0]
    assert started["key"] == "linear3"
    draft_form = pf.deploy(LINEAR, None)  # the forms stored are the ones the model names
    assert draft_form["created"] is False and draft_form["version"] == 1
    # Multipart without forms: the newest version's forms are kept (no new version).
    again = deploy_multipart(api, LINEAR)
    assert again.status_code == 200 and again.json["created"] is False
    # A changed form is a new version.
    changed = {**FORMS[FORM], "title": "Soạn thảo (mới)"}
    newer = deploy_multipart(api, LINEAR, {FORM: changed})
    assert newer.status_code == 201 and newer.json["version"] == 2


def test_the_bpmn_of_a_version(api: Api) -> None:
    deploy_multipart(api, LINEAR, FORMS)
    changed = LINEAR.replace("Phê duyệt", "Phê duyệt cuối")
    assert deploy_xml(api, changed).status_code == 201
    for version, xml in ((1, LINEAR), (2, changed)):
        res = api.get(OWNER, f"/processes/linear3/versions/{version}/bpmn")
        assert res.status_code == 200
        assert res.headers["Content-Type"] == "application/xml; charset=utf-8"
        assert res.get_data(as_text=True) == xml
    error_of(api.get(OWNER, "/processes/linear3/versions/3/bpmn"), 404, "not_found")
    error_of(api.get(OWNER, "/processes/nothing/versions/1/bpmn"), 404, "not_found")
    error_of(versions(api, "nothing"), 404, "not_found")


# -- who may --------------------------------------------------------------------------


@pytest.mark.parametrize("user", ["cv_vhtt", "kiem_toan", "tp_vhtt"])
def test_only_process_owners_and_admins_deploy(api: Api, pf: Policyflow, user: str) -> None:
    pf.deploy(LINEAR, FORMS)
    changed = LINEAR.replace("Phê duyệt", "Phê duyệt cuối")
    error_of(deploy_xml(api, changed, user), 403, "forbidden")
    error_of(deploy_multipart(api, changed, FORMS, user=user), 403, "forbidden")
    error_of(versions(api, "linear3", user), 403, "forbidden")
    error_of(api.get(user, "/processes/linear3/versions/1/bpmn"), 403, "forbidden")
    error_of(deploy_xml(api, b"not even xml", user), 403, "forbidden")  # before the body
    assert [v["version"] for v in pf.versions.list("linear3")] == [1]


def test_anonymous_callers_get_401(api: Api, pf: Policyflow) -> None:
    pf.deploy(LINEAR, FORMS)
    error_of(deploy_xml(api, LINEAR, None), 401, "unauthorized")
    error_of(api.get(None, "/processes/linear3/versions"), 401, "unauthorized")
    error_of(api.get(None, "/processes/linear3/versions/1/bpmn"), 401, "unauthorized")


def test_admins_deploy_too(api: Api) -> None:
    assert deploy_multipart(api, LINEAR, FORMS, user="admin").status_code == 201
    assert versions(api, "linear3", "admin").json["items"][0]["deployed_by"] == {
        "username": "admin",
        "full_name": "Quản trị hệ thống",
    }


def test_the_engine_refuses_other_deployers(pf: Policyflow) -> None:
    with pytest.raises(PermissionDenied):
        pf.deploy(LINEAR, FORMS, "cv_vhtt")
    with pytest.raises(PermissionDenied):
        pf.versions.list("linear3", "kiem_toan")
    assert pf.processes() == []


# -- bad input ------------------------------------------------------------------------

XXE = """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE definitions [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
""" + LINEAR.split("\n", 1)[1].replace('name="Soạn thảo"', 'name="&xxe;"')
LAUGHS = (
    '<?xml version="1.0"?>\n<!DOCTYPE lolz [\n <!ENTITY lol "lol">\n'
    + "".join(
        f' <!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">\n'
        for i in range(1, 10)
    )
    + "]>\n"
    + LINEAR.split("\n", 1)[1].replace('name="Soạn thảo"', 'name="&lol9;"')
)
NOT_EXECUTABLE = LINEAR.replace('isExecutable="true"', 'isExecutable="false"')
ESCAPING_SCRIPT = LOOP.replace(
    "revision_count = 0", "revision_count = ().__class__.__base__.__subclasses__()"
)
ESCAPING_CONDITION = LOOP.replace(
    'review_decision == "return"', "__import__('os').system('id') == 0"
)
UNKNOWN_ROLE = LINEAR.replace('value="truong_phong_vhtt"', 'value="khong_co_vai_tro"')
DUPLICATE_ID = LINEAR.replace('<bpmn:userTask id="Approve"', '<bpmn:userTask id="Review"')

BAD_INPUT = {
    # case: (body, rule of the first error, element it is about, words of the message)
    "not XML": (b"this is not XML at all", "xml", None, "không phải XML hợp lệ"),
    "truncated XML": (LINEAR[: len(LINEAR) // 2], "xml", None, "không phải XML hợp lệ"),
    "XXE": (XXE, "xml", None, "DOCTYPE"),
    "billion laughs": (LAUGHS, "xml", None, "DOCTYPE"),
    "no executable process": (NOT_EXECUTABLE, "no-executable-process", "linear3", "thực thi"),
    "script escapes the sandbox": (ESCAPING_SCRIPT, "expression", "Init", "hộp cát"),
    "condition escapes the sandbox": (ESCAPING_CONDITION, "expression", "F_back", "hộp cát"),
    "lane with an unknown role": (UNKNOWN_ROLE, "lane-role", "Review", "khong_co_vai_tro"),
    "duplicate element id": (DUPLICATE_ID, "duplicate-id", "Review", "bị trùng"),
}


@pytest.mark.parametrize("case", list(BAD_INPUT))
def test_bad_input_is_a_clear_400_and_changes_nothing(api: Api, pf: Policyflow, case: str) -> None:
    body, rule, element, words = BAD_INPUT[case]
    deploy_multipart(api, LINEAR, FORMS)
    deploy_xml(api, LOOP)
    before = everything(pf)
    for res in (deploy_xml(api, body), deploy_multipart(api, body, FORMS)):
        error = error_of(res, 400, "bpmn_rejected")
        assert "chưa triển khai" in error["message"]
        assert error["field_errors"]["bpmn"]
        problems = res.json["problems"]
        errors = [p for p in problems if p["severity"] == "error"]
        assert errors, problems
        first = next(p for p in errors if p["rule"] == rule)
        assert first["element_id"] == element, first
        assert words in first["message"], first
    assert everything(pf) == before
    assert versions(api, "linear3").json["items"] == before["linear3"]


def test_a_body_over_the_limit_is_413(app: Flask, api: Api, pf: Policyflow) -> None:
    app.config["MAX_BPMN_BYTES"] = 1024 * 1024
    pf.deploy(LINEAR, FORMS)
    before = everything(pf)
    padding = "<!-- " + "x" * (1536 * 1024) + " -->\n"
    big = LINEAR.replace("<bpmn:definitions", padding + "<bpmn:definitions", 1)
    for res in (deploy_xml(api, big), deploy_multipart(api, big, FORMS)):
        error = error_of(res, 413, "too_large")
        assert "1 MB" in error["message"]
    assert everything(pf) == before
    # Under the limit the same route works (the limit is the deploy's, not a global one).
    assert deploy_xml(api, LINEAR.replace("Phê duyệt", "Duyệt")).status_code == 201


def test_the_limit_comes_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, pf: Policyflow
) -> None:
    monkeypatch.setenv("POLICYFLOW_MAX_BPMN_MB", "3")
    app = create_app({"DATABASE_URL": pf.url, "TESTING": True})
    assert app.config["MAX_BPMN_BYTES"] == 3 * 1024 * 1024
    monkeypatch.delenv("POLICYFLOW_MAX_BPMN_MB")
    app = create_app({"DATABASE_URL": pf.url, "TESTING": True})
    assert app.config["MAX_BPMN_BYTES"] == 10 * 1024 * 1024


def test_other_bad_requests(api: Api, pf: Policyflow) -> None:
    error_of(api.post(OWNER, "/processes", {"bpmn": LINEAR}), 415, "unsupported_media_type")
    res = api.client.post(
        PREFIX + "/processes",
        data={"comment": "không có tệp"},
        content_type="multipart/form-data",
        headers={"Authorization": f"Bearer {api.token(OWNER)}"},
    )
    api.conformance.check("POST", "/processes", res)
    assert "bpmn" in error_of(res, 400, "invalid")["field_errors"]
    bad_form = deploy_multipart(api, LINEAR, {FORM: b"{not json"})
    assert FORM in error_of(bad_form, 400, "invalid")["field_errors"]["forms"][0]
    missing_form = deploy_xml(api, LINEAR)  # a new process without its form
    error_of(missing_form, 400, "bpmn_rejected")
    assert [p["rule"] for p in missing_form.json["problems"]] == ["form"]
    assert pf.processes() == []
