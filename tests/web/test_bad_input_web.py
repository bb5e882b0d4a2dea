"""Hostile input on the pages is a 4xx page, never a 500 (issue 12, item 5): ids past
the database's 32 bits, NUL characters in the URL or a form, JSON nested too deep, huge
page numbers, LIKE wildcards in the inbox search. Each test failed before."""

from collections.abc import Iterator

import pytest
from flask import Flask

from engine.facade import Policyflow
from tests.conftest import WORKFLOWS
from tests.web_client import csrf, signed_in
from web import create_app

pytestmark = pytest.mark.usefixtures("every_instance_replays")
HUGE = "99999999999999999999"
P3_START = {"year": "2024", "outline_ref": "123/VHTT"}


@pytest.fixture
def app(deployed: Policyflow) -> Iterator[Flask]:
    yield create_app({"DATABASE_URL": deployed.url, "TESTING": True, "SECRET_KEY": "test"})


@pytest.mark.parametrize(
    "path",
    [
        f"/instances/{HUGE}",
        f"/instances/{HUGE}/history.json",
        f"/instances/{HUGE}/history/print",
        f"/instances/{HUGE}/diagram.xml",
        f"/instances/{HUGE}/replay",
        "/instances/2147483648",
    ],
)
def test_an_id_past_32_bits_is_404(app: Flask, path: str) -> None:
    client, _ = signed_in(app, "admin")
    assert client.get(path).status_code == 404


def test_the_largest_id_is_an_ordinary_404(app: Flask) -> None:
    client, _ = signed_in(app, "admin")
    assert client.get("/instances/2147483647").status_code == 404


@pytest.mark.parametrize("path", ["/tasks/%00", "/?q=%00", "/instances/?process=a%00"])
def test_a_nul_in_the_url_is_400(app: Flask, path: str) -> None:
    client, _ = signed_in(app, "cv_vhtt")
    res = client.get(path)
    assert res.status_code == 400 and "NUL" in res.text


def test_a_nul_in_a_login_form_is_400(app: Flask) -> None:
    client = app.test_client()
    token = csrf(client.get("/login").text)
    res = client.post("/login", data={"username": "ad\x00min", "password": "demo",
                                      "csrf_token": token})  # fmt: skip
    assert res.status_code == 400 and "NUL" in res.text


def test_a_nul_in_a_start_form_is_400_and_nothing_started(app: Flask, deployed: Policyflow) -> None:
    client, token = signed_in(app, "cv_vhtt")
    data = {**P3_START, "outline_ref": "a\x00b", "csrf_token": token}
    res = client.post("/processes/annual_report/start", data=data)
    assert res.status_code == 400 and "NUL" in res.text
    assert deployed.instances("cv_vhtt")["total"] == 0


def test_the_engine_refuses_a_nul_in_form_data(deployed: Policyflow) -> None:
    """Below the web layer too (the CLI, the engine's own callers): on both databases."""
    from engine.errors import InvalidInput

    data = {"year": 2024, "outline_ref": "a\x00b"}
    with pytest.raises(InvalidInput) as err:
        deployed.start("annual_report", "cv_vhtt", data)
    assert set(err.value.field_errors) == {"outline_ref"}
    assert deployed.instances("cv_vhtt")["total"] == 0


def test_modeler_json_nested_10000_deep_is_400(app: Flask) -> None:
    client, token = signed_in(app, "chu_quy_trinh")
    body = '{"xml": ' * 10_000 + '"x"' + "}" * 10_000
    res = client.post("/modeler/validate", data=body, content_type="application/json",
                      headers={"X-CSRFToken": token})  # fmt: skip
    assert res.status_code == 400
    press = (WORKFLOWS / "press_statement.bpmn").read_text(encoding="utf-8")
    ok = client.post("/modeler/validate", json={"xml": press}, headers={"X-CSRFToken": token})
    assert ok.status_code == 200


def test_a_huge_page_number_is_not_a_500(app: Flask) -> None:
    client, _ = signed_in(app, "cv_vhtt")
    assert client.get(f"/?page={HUGE}").status_code == 200


def test_like_wildcards_in_the_inbox_search_are_literal(app: Flask, deployed: Policyflow) -> None:
    deployed.start("annual_report", "cv_vhtt", {**P3_START, "year": 2024})
    client, _ = signed_in(app, "xa_xuanbac")
    [task] = deployed.tasks("xa_xuanbac")
    word = task["name"].split()[0]
    assert task["id"] in client.get(f"/?q={word}").text
    for wildcard in ("%25", "_", "%25%25"):
        assert task["id"] not in client.get(f"/?q={wildcard}").text, wildcard
