"""The process modeler's pages and JSON endpoints (/modeler) through Flask's test client:
who may open them, validating an edited model, deploying it (or being refused), CSRF."""

from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient

from engine.facade import Policyflow
from tests.conftest import WORKFLOWS
from tests.web_client import signed_in
from web import create_app

PRESS = (WORKFLOWS / "press_statement.bpmn").read_text(encoding="utf-8")
BAD_ROLE = PRESS.replace(
    '<spiffworkflow:property name="role" value="truong_phong_vhtt"/>',
    '<spiffworkflow:property name="role" value="no_such_role"/>',
)
IN_LANE_TP = {"Lane_tp", "Review", "Gw_review"}
RENAMED = PRESS.replace('name="Thẩm định nội dung"', 'name="Thẩm định nội dung, hình thức"')


@pytest.fixture
def app(deployed: Policyflow) -> Iterator[Flask]:
    yield create_app({"DATABASE_URL": deployed.url, "TESTING": True, "SECRET_KEY": "test"})


def post_json(client: FlaskClient, url: str, body: dict, token: str | None) -> object:
    headers = {"X-CSRFToken": token} if token else {}
    return client.post(url, json=body, headers=headers)


@pytest.mark.parametrize("username", ["chu_quy_trinh", "admin"])
def test_process_owners_and_admins_open_the_modeler(app: Flask, username: str) -> None:
    client, _token = signed_in(app, username)
    listing = client.get("/modeler")
    assert listing.status_code == 200
    assert "/modeler/press_statement" in listing.text and "/modeler/new" in listing.text
    page = client.get("/modeler/press_statement")
    assert page.status_code == 200
    # bpmn-js with bpmn-js-properties-panel and our provider, bundled by `npm run build`
    assert "/modeler/bundle/modeler.js" in page.text and "/static/modeler.js" in page.text
    assert "/modeler/bundle/modeler.css" in page.text
    bundle = client.get("/modeler/bundle/modeler.js")
    assert bundle.status_code == 200 and b"PfModelerKit" in bundle.data
    assert client.get("/modeler/bundle/bpmnlint.js").status_code == 404  # only the two
    assert "/processes/press_statement/1/diagram.xml" in page.text
    assert client.get("/modeler/new").status_code == 200
    assert client.get("/modeler/no_such_process").status_code == 404
    roles = client.get("/modeler/roles.json").json
    owner = next(r for r in roles if r["key"] == "chu_quy_trinh")
    assert owner == {"key": "chu_quy_trinh", "name": "Người quản lý quy trình",
                     "name_en": "Process owner"}  # fmt: skip
    assert {"chuyen_vien_vhtt", "lanh_dao_ubnd", "don_vi"} <= {r["key"] for r in roles}
    called = client.get("/modeler/processes.json").json
    assert {
        "key": "document_approval",
        "name": "Trình ký văn bản (Nghị định 30/2020/NĐ-CP)",
    } in called
    assert [p["key"] for p in called] == sorted(p["key"] for p in called)
    assert all(set(p) == {"key", "name"} for p in called)
    assert "remind_open_tasks" in page.text  # the service operations, for the panel
    assert client.get("/vendor/bpmn-js/bpmn-modeler.production.min.js").status_code == 200


@pytest.mark.parametrize("username", ["cv_vhtt", "kiem_toan"])
def test_others_may_not_open_the_modeler(app: Flask, username: str) -> None:
    client, token = signed_in(app, username)
    urls = ("/modeler", "/modeler/new", "/modeler/press_statement", "/modeler/roles.json",
            "/modeler/processes.json")  # fmt: skip
    for url in urls:
        assert client.get(url).status_code == 403, url
    assert post_json(client, "/modeler/validate", {"xml": PRESS}, token).status_code == 403
    deploy = post_json(client, "/modeler/press_statement/deploy", {"xml": RENAMED}, token)
    assert deploy.status_code == 403
    assert "Thiết kế quy trình" not in client.get("/").text  # no link in the menu


def test_anonymous_visitors_are_sent_to_the_login(app: Flask) -> None:
    client = app.test_client()
    for url in ("/modeler", "/modeler/press_statement", "/modeler/roles.json"):
        res = client.get(url)
        assert res.status_code == 302 and "/login" in res.headers["Location"], url


def test_validate_names_the_elements_with_problems(app: Flask) -> None:
    client, token = signed_in(app, "chu_quy_trinh")
    good = post_json(client, "/modeler/validate", {"xml": PRESS}, token)
    assert good.status_code == 200 and good.json["executable"] is True
    assert good.json["errors"] == []
    bad = post_json(client, "/modeler/validate", {"xml": BAD_ROLE}, token)
    assert bad.status_code == 200 and bad.json["executable"] is False
    assert {p["element_id"] for p in bad.json["errors"]} & IN_LANE_TP  # the lane or its task
    assert all({"message", "severity", "rule", "line"} <= p.keys() for p in bad.json["errors"])
    assert post_json(client, "/modeler/validate", {}, token).status_code == 400


def test_deploy_creates_a_version_and_refuses_a_bad_one(app: Flask, deployed: Policyflow) -> None:
    client, token = signed_in(app, "chu_quy_trinh")
    refused = post_json(client, "/modeler/press_statement/deploy", {"xml": BAD_ROLE}, token)
    assert refused.status_code == 400
    assert {p["element_id"] for p in refused.json["errors"]} & IN_LANE_TP
    assert [v["version"] for v in deployed.versions.list("press_statement")] == [1]

    body = {"xml": RENAMED, "comment": "Đổi tên bước thẩm định"}
    done = post_json(client, "/modeler/press_statement/deploy", body, token)
    assert done.status_code == 200, done.text
    assert done.json["key"] == "press_statement" and done.json["version"] == 2
    assert done.json["created"] is True
    newest = deployed.versions.list("press_statement")[0]
    assert newest["version"] == 2 and newest.get("comment", body["comment"]) == body["comment"]
    assert "Thẩm định nội dung, hình thức" in deployed.versions.bpmn("press_statement")
    # The forms of version 1 went along (the modeler sends none).
    assert next(p for p in deployed.processes() if p["key"] == "press_statement")["start_form"]
    assert "/processes/press_statement/2/diagram.xml" in client.get("/modeler/press_statement").text


def test_the_json_endpoints_need_the_csrf_token(app: Flask, deployed: Policyflow) -> None:
    client, _token = signed_in(app, "chu_quy_trinh")
    assert post_json(client, "/modeler/validate", {"xml": PRESS}, None).status_code == 400
    res = post_json(client, "/modeler/press_statement/deploy", {"xml": RENAMED}, None)
    assert res.status_code == 400
    assert [v["version"] for v in deployed.versions.list("press_statement")] == [1]


def test_the_modeler_keeps_the_process_id_it_edits(app: Flask, deployed: Policyflow) -> None:
    client, token = signed_in(app, "chu_quy_trinh")
    other_key = RENAMED.replace('id="press_statement"', 'id="press_statement_2"')
    refused = post_json(client, "/modeler/press_statement/deploy", {"xml": other_key}, token)
    assert refused.status_code == 400
    assert "không phải 'press_statement' đang sửa" in refused.json["error"]
    taken = post_json(client, "/modeler/new/deploy", {"xml": RENAMED}, token)
    assert taken.status_code == 400
    assert "Đã có quy trình mã 'press_statement'" in taken.json["error"]
    assert [v["version"] for v in deployed.versions.list("press_statement")] == [1]
    assert "press_statement_2" not in [p["key"] for p in deployed.processes()]


# -- forms: the panel shows the newest version's, and sends those it edited --------------

LEGAL_BASIS = {"type": "string", "title": "Căn cứ pháp lý"}


def with_legal_basis(schema: dict) -> dict:
    return {**schema, "properties": {**schema["properties"], "legal_basis": LEGAL_BASIS}}


def test_the_forms_of_the_newest_version_for_process_owners(
    app: Flask, deployed: Policyflow
) -> None:
    client, _token = signed_in(app, "chu_quy_trinh")
    res = client.get("/modeler/press_statement/forms.json")
    assert res.status_code == 200
    assert res.json == deployed.versions.forms("press_statement")
    assert {"ps_start.json", "ps_draft.json"} <= res.json.keys()
    assert res.json["ps_draft.json"]["properties"]["statement_text"]["type"] == "string"
    assert client.get("/modeler/new/forms.json").json == {}
    assert client.get("/modeler/no_such_process/forms.json").status_code == 404
    others, _token = signed_in(app, "cv_vhtt")
    assert others.get("/modeler/press_statement/forms.json").status_code == 403


def test_deploy_stores_an_edited_form_and_keeps_the_others(
    app: Flask, deployed: Policyflow
) -> None:
    client, token = signed_in(app, "chu_quy_trinh")
    before = deployed.versions.forms("press_statement")
    edited = with_legal_basis(before["ps_draft.json"])
    only_edited = {"xml": PRESS, "forms": {"ps_draft.json": edited}}
    checked = post_json(client, "/modeler/validate", only_edited, token)
    assert checked.status_code == 200 and checked.json["executable"] is True
    body = {
        "xml": PRESS,
        "comment": "Thêm căn cứ pháp lý",
        "forms": {"ps_draft.json": edited, "not_used.json": {"type": "object"}},
    }
    done = post_json(client, "/modeler/press_statement/deploy", body, token)
    assert done.status_code == 200, done.text
    assert (done.json["version"], done.json["created"]) == (2, True)
    after = deployed.versions.forms("press_statement")
    assert after["ps_draft.json"] == edited
    assert after["ps_draft.json"]["properties"]["legal_basis"] == LEGAL_BASIS
    assert {n: f for n, f in after.items() if n != "ps_draft.json"} == {
        n: f for n, f in before.items() if n != "ps_draft.json"
    }  # the others unchanged, and a form the BPMN does not name is not stored
    assert deployed.versions.forms("press_statement", 1) == before
    assert client.get("/modeler/press_statement/forms.json").json == after


def test_an_invalid_edited_form_is_refused_by_the_engine_rule(
    app: Flask, deployed: Policyflow
) -> None:
    client, token = signed_in(app, "chu_quy_trinh")
    forms = {"ps_draft.json": {"type": "objekt"}}
    checked = post_json(client, "/modeler/validate", {"xml": PRESS, "forms": forms}, token)
    assert checked.status_code == 200 and checked.json["executable"] is False
    assert [(p["element_id"], p["rule"]) for p in checked.json["errors"]] == [("Draft", "form")]
    body = {"xml": RENAMED, "forms": forms}
    refused = post_json(client, "/modeler/press_statement/deploy", body, token)
    assert refused.status_code == 400
    assert [(p["element_id"], p["rule"]) for p in refused.json["errors"]] == [("Draft", "form")]
    assert "ps_draft.json" in refused.json["errors"][0]["message"]
    assert [v["version"] for v in deployed.versions.list("press_statement")] == [1]


@pytest.mark.parametrize(
    "forms",
    [["ps_draft.json"], "ps_draft.json", {"ps_draft.json": "{}"}, {"ps_draft.json": [1]}],
    ids=["list", "string", "schema-as-text", "schema-as-list"],
)
def test_forms_must_be_an_object_of_objects(
    app: Flask, deployed: Policyflow, forms: object
) -> None:
    client, token = signed_in(app, "chu_quy_trinh")
    for url in ("/modeler/validate", "/modeler/press_statement/deploy"):
        res = post_json(client, url, {"xml": RENAMED, "forms": forms}, token)
        assert res.status_code == 400, url
        assert "'forms'" in res.json["error"]
    assert [v["version"] for v in deployed.versions.list("press_statement")] == [1]


def test_a_new_process_has_only_the_forms_it_was_sent(app: Flask, deployed: Policyflow) -> None:
    client, token = signed_in(app, "chu_quy_trinh")
    copy = PRESS.replace('id="press_statement"', 'id="press_statement_copy"')
    forms = deployed.versions.forms("press_statement")
    some = {"ps_draft.json": forms["ps_draft.json"]}
    refused = post_json(client, "/modeler/new/deploy", {"xml": copy, "forms": some}, token)
    assert refused.status_code == 400
    missing = {p["element_id"] for p in refused.json["errors"] if p["rule"] == "form"}
    assert "Draft" not in missing and len(missing) == len(forms) - 1
    done = post_json(client, "/modeler/new/deploy", {"xml": copy, "forms": forms}, token)
    assert done.status_code == 200, done.text
    assert deployed.versions.forms("press_statement_copy") == forms
