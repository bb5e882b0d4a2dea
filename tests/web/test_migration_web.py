"""Moving instances to a newer version from the page (/processes/<key>/migrate) and the
API (POST /api/v1/processes/{key}/migrations): the dry run shown, suspend, move, refusals
(issue 5). The engine's rules are tested in test_migration.py."""

import pytest
from flask import Flask

from engine.facade import Policyflow
from tests.api.test_api import Api, error_of
from tests.engine.test_migration import OWNER, at_draft, deploy, with_legal_check, without_draft
from tests.web_client import signed_in
from web import create_app

PAGE = "/processes/press_statement/migrate"
API = "/processes/press_statement/migrations"


@pytest.fixture
def app(deployed: Policyflow) -> Flask:
    return create_app({"DATABASE_URL": deployed.url, "TESTING": True, "SECRET_KEY": "test"})


def test_the_owner_previews_suspends_and_moves_from_the_page(
    app: Flask, deployed: Policyflow
) -> None:
    drafting = at_draft(deployed)
    deploy(deployed, with_legal_check())
    client, token = signed_in(app, OWNER)
    page = client.get(PAGE)
    assert page.status_code == 200
    assert f'name="instance" value="{drafting.id}"' in page.text
    assert "Cần tạm dừng trước" in page.text
    assert PAGE in client.get("/processes/press_statement/versions").text

    # Moving a running instance is refused, with the reason; nothing changes.
    form = {"csrf_token": token, "instance": str(drafting.id), "action": "migrate", "resume": "1"}
    res = client.post(PAGE, data=form, follow_redirects=True)
    assert f"Hãy tạm dừng hồ sơ {drafting.id} trước khi chuyển phiên bản." in res.text
    assert deployed.show(drafting.id)["version"] == 1

    res = client.post(PAGE, data={**form, "action": "suspend"}, follow_redirects=True)
    assert f"Đã tạm dừng hồ sơ {drafting.id}." in res.text
    assert deployed.show(drafting.id)["status"] == "suspended"
    res = client.post(PAGE, data={**form, "comment": "Quy định mới"}, follow_redirects=True)
    assert f"Đã chuyển hồ sơ {drafting.id} sang phiên bản mới." in res.text
    shown = deployed.show(drafting.id)
    assert (shown["version"], shown["status"]) == (2, "running")
    timeline = client.get(f"/instances/{drafting.id}").text
    assert "chuyển sang phiên bản mới" in timeline

    # Nothing chosen: said so. Without the CSRF token: refused.
    res = client.post(PAGE, data={"csrf_token": token, "action": "suspend"}, follow_redirects=True)
    assert "Chưa chọn hồ sơ nào." in res.text
    assert client.post(PAGE, data={"instance": str(drafting.id)}).status_code == 400


def test_the_page_says_why_an_instance_cannot_move(app: Flask, deployed: Policyflow) -> None:
    drafting = at_draft(deployed)
    deploy(deployed, without_draft())
    client, _token = signed_in(app, OWNER)
    page = client.get(PAGE)
    assert f'name="instance" value="{drafting.id}"' not in page.text
    assert "(Draft, đang chờ xử lý) không còn trong phiên bản 2." in page.text
    assert client.get(f"{PAGE}?to=x").status_code == 400
    assert client.get(f"{PAGE}?to=9").status_code == 404
    other, _ = signed_in(app, "cv_vhtt")
    assert other.get(PAGE).status_code == 403


@pytest.fixture
def api(app: Flask) -> Api:
    client = app.test_client()
    return Api(client, client.get("/api/v1/openapi.json").json)


def test_the_api_runs_a_dry_run_then_suspends_and_moves(api: Api, deployed: Policyflow) -> None:
    drafting = at_draft(deployed)
    deploy(deployed, with_legal_check())
    plan = api.post(OWNER, API, {}).json
    assert plan["to_version"] == 2
    assert [(r["instance_id"], r["movable"], r["needs_suspend"]) for r in plan["instances"]] == [
        (drafting.id, True, True)
    ]
    ids = [drafting.id]
    refused = api.post(OWNER, API, {"action": "migrate", "instance_ids": ids}).json["results"]
    assert refused[0]["ok"] is False and "tạm dừng" in refused[0]["error"]
    suspended = api.post(OWNER, API, {"action": "suspend", "instance_ids": ids}).json
    assert suspended == {
        "results": [{"instance_id": drafting.id, "ok": True, "status": "suspended"}]
    }
    body = {"action": "migrate", "instance_ids": ids, "to_version": 2, "resume": True}
    moved = api.post(OWNER, API, body).json["results"]
    assert moved == [{"instance_id": drafting.id, "ok": True, "status": "running"}]
    assert deployed.show(drafting.id)["version"] == 2


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"action": "explode"}, "action"),
        ({"action": "migrate"}, "instance_ids"),
        ({"instance_ids": ["1"]}, "instance_ids"),
        ({"instance_ids": [True]}, "instance_ids"),
        ({"to_version": 0}, "to_version"),
        ({"comment": 5}, "comment"),
    ],
)
def test_the_api_refuses_a_malformed_request(api: Api, body: dict, field: str) -> None:
    error = error_of(api.post(OWNER, API, body), 400)
    assert field in error["field_errors"]


def test_the_api_is_for_process_owners(api: Api, deployed: Policyflow) -> None:
    drafting = at_draft(deployed)
    res = api.post("cv_vhtt", API, {"action": "suspend", "instance_ids": [drafting.id]})
    error_of(res, 403)
    assert deployed.show(drafting.id)["status"] == "running"
    error_of(api.post(OWNER, "/processes/no_such/migrations", {}), 404)


def test_the_replay_steps_across_the_move_with_each_versions_diagram(
    app: Flask, deployed: Policyflow
) -> None:
    case = at_draft(deployed)
    deploy(deployed, with_legal_check())
    deployed.moves.suspend([case.id], OWNER)
    deployed.moves.migrate("press_statement", [case.id], OWNER, comment="Quy định mới", resume=True)
    steps = deployed.audit.replay(case.id, username="admin")["steps"]
    assert [(s["command"], s["version"]) for s in steps][-3:] == [
        ("suspend", 1),
        ("migrate", 2),
        ("resume", 2),
    ]
    client, _token = signed_in(app, "admin")
    base = f"/instances/{case.id}/diagram.xml"
    assert "Check_legal" not in client.get(f"{base}?version=1").text
    assert (
        "Check_legal" in client.get(base).text
        and "Check_legal" in client.get(f"{base}?version=2").text
    )
    assert client.get(f"{base}?version=3").status_code == 404
    first = client.get(f"/instances/{case.id}/replay?step=1").text
    assert f'data-xml-url="{base}?version=1"' in first
    moved = client.get(f"/instances/{case.id}/replay?step={len(steps) - 1}").text
    assert "1 → 2" in moved and "Quy định mới" in moved
    assert deployed.audit.verify(case.id)["verified"]
