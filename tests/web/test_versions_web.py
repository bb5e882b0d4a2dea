"""A process's versions (/processes/<key>/versions) through Flask's test client: the list,
the server-side diff (JSON and page), roll back, who may see them, CSRF (issue 5)."""

import re
from collections.abc import Iterator

import pytest
from flask import Flask

from engine.facade import Policyflow, read_forms
from tests.conftest import DATA, NOW
from tests.web_client import signed_in
from web import create_app

LINEAR = (DATA / "linear3.bpmn").read_text(encoding="utf-8")
CHANGED = (
    LINEAR.replace('name="Thẩm định"', 'name="Thẩm định nội dung"')
    .replace(
        '<bpmn:sequenceFlow id="F4" sourceRef="Approve" targetRef="EndEvent"/>',
        '<bpmn:sequenceFlow id="F4" sourceRef="Approve" targetRef="Publish"/>'
        '<bpmn:userTask id="Publish" name="Đăng tin"/>'
        '<bpmn:sequenceFlow id="F5" sourceRef="Publish" targetRef="EndEvent"/>',
    )
    .replace(
        "<bpmn:flowNodeRef>Approve</bpmn:flowNodeRef>",
        "<bpmn:flowNodeRef>Approve</bpmn:flowNodeRef><bpmn:flowNodeRef>Publish</bpmn:flowNodeRef>",
    )
)
BASE = "/processes/linear3/versions"


@pytest.fixture
def two_versions(pf: Policyflow) -> Policyflow:
    forms = read_forms(DATA / "forms")
    pf.deploy(LINEAR, forms, "chu_quy_trinh", comment="Bản đầu", now=NOW)
    pf.deploy(CHANGED, forms, "chu_quy_trinh", comment="Thêm bước đăng tin", now=NOW)
    return pf


@pytest.fixture
def app(two_versions: Policyflow) -> Iterator[Flask]:
    yield create_app({"DATABASE_URL": two_versions.url, "TESTING": True, "SECRET_KEY": "test"})


def test_the_list_shows_each_version(app: Flask) -> None:
    client, _token = signed_in(app, "chu_quy_trinh")
    page = client.get(BASE)
    assert page.status_code == 200
    assert "Thêm bước đăng tin" in page.text and "Bản đầu" in page.text
    assert "mới nhất" in page.text and page.text.count("Khôi phục phiên bản này") == 1
    assert f"{BASE}/1/rollback" in page.text and f"{BASE}/2/rollback" not in page.text
    assert f"{BASE}/diff?a=1" in page.text
    assert re.search(r"\d\d/\d\d/\d{4} \d\d:\d\d", page.text)
    assert BASE in client.get("/modeler").text


def test_the_diff_lists_the_added_and_changed_elements(app: Flask) -> None:
    client, _token = signed_in(app, "chu_quy_trinh")
    found = client.get(f"{BASE}/diff.json?a=1&b=2").json
    assert found["a"] == 1 and found["b"] == 2
    assert found["added"] == ["F5", "Publish"]
    assert found["removed"] == []
    assert set(found["changed"]) == {"F4", "Lane_ld", "Review"}
    review = next(d for d in found["details"] if d["id"] == "Review")
    assert review["changes"] == [{"field": "name", "old": "Thẩm định", "new": "Thẩm định nội dung"}]
    f4 = next(d for d in found["details"] if d["id"] == "F4")
    assert f4["changes"] == [{"field": "targetRef", "old": "EndEvent", "new": "Publish"}]
    # Without a: the version before b.
    assert client.get(f"{BASE}/diff.json").json["a"] == 1
    page = client.get(f"{BASE}/diff?a=1&b=2")
    assert page.status_code == 200
    assert "Đăng tin" in page.text and 'data-element="Publish"' in page.text
    assert f"{BASE}/1.xml" in page.text and f"{BASE}/2.xml" in page.text
    assert (
        "&#34;Publish&#34;: &#34;added&#34;" in page.text or "Publish&#34;: &#34;added" in page.text
    )
    assert client.get(f"{BASE}/2.xml").text == CHANGED
    assert client.get(f"{BASE}/diff?a=1&b=9").status_code == 404
    assert client.get(f"{BASE}/diff?a=x").status_code == 400


def test_roll_back_deploys_the_old_content_as_a_new_version(
    app: Flask, two_versions: Policyflow
) -> None:
    client, token = signed_in(app, "chu_quy_trinh")
    first = two_versions.versions.list("linear3")[-1]
    # A comment is required.
    res = client.post(f"{BASE}/1/rollback", data={"csrf_token": token, "comment": " "})
    assert res.status_code == 302 and len(two_versions.versions.list("linear3")) == 2
    res = client.post(
        f"{BASE}/1/rollback", data={"csrf_token": token, "comment": "Bỏ bước đăng tin"}
    )
    assert res.status_code == 302
    assert "phiên bản mới 3" in client.get(res.headers["Location"]).text
    newest = two_versions.versions.list("linear3")[0]
    assert newest["version"] == 3 and newest["content_hash"] == first["content_hash"]
    assert newest["comment"] == "Bỏ bước đăng tin"
    assert newest["deployed_by"]["username"] == "chu_quy_trinh"


def test_roll_back_needs_the_csrf_token(app: Flask, two_versions: Policyflow) -> None:
    client, _token = signed_in(app, "admin")
    res = client.post(f"{BASE}/1/rollback", data={"comment": "Không có mã"})
    assert res.status_code == 400
    assert len(two_versions.versions.list("linear3")) == 2


@pytest.mark.parametrize(
    ("username", "status"),
    [("chu_quy_trinh", 200), ("admin", 200), ("cv_vhtt", 403), ("kiem_toan", 403)],
)
def test_who_may_see_the_versions(app: Flask, username: str, status: int) -> None:
    client, token = signed_in(app, username)
    for url in (BASE, f"{BASE}/diff?a=1&b=2", f"{BASE}/diff.json", f"{BASE}/1.xml"):
        assert client.get(url).status_code == status, url
    res = client.post(f"{BASE}/1/rollback", data={"csrf_token": token, "comment": "x"})
    assert res.status_code == (302 if status == 200 else 403)


def test_anonymous_visitors_are_sent_to_login(app: Flask) -> None:
    client = app.test_client()
    for url in (BASE, f"{BASE}/diff", f"{BASE}/diff.json", f"{BASE}/1.xml"):
        res = client.get(url)
        assert res.status_code == 302 and "/login" in res.headers["Location"]
