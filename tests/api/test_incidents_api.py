"""The incidents over the API: a model failing at start is a 422 naming its element; the
list and the retry for operators (403 for others); every answer checked against the
OpenAPI document."""

from datetime import timedelta

import pytest
from flask import Flask

from engine.facade import Policyflow
from tests.api.test_api import PREFIX, Api, error_of, reset_demo_passwords
from tests.conftest import NOW, deploy_test_model
from web import create_app

DUE = NOW + timedelta(hours=1, seconds=1)


@pytest.fixture
def app(pf: Policyflow) -> Flask:
    reset_demo_passwords(pf.url)
    return create_app({"DATABASE_URL": pf.url, "TESTING": True, "WTF_CSRF_ENABLED": True})


@pytest.fixture
def engine(app: Flask) -> Policyflow:
    return app.extensions["policyflow"]


@pytest.fixture
def api(app: Flask) -> Api:
    client = app.test_client()
    return Api(client, client.get(f"{PREFIX}/openapi.json").json)


def test_a_model_failing_at_start_is_422_with_its_element(api: Api, engine: Policyflow) -> None:
    deploy_test_model(engine, "incident_start.bpmn")
    res = api.post("cv_vhtt", "/processes/incident_start/instances", {"amount": "abc"})
    assert res.status_code == 422, res.get_data(as_text=True)
    error = res.json["error"]
    assert error["code"] == "process_error" and error["element_id"] == "Compute"
    assert "Tính phí" in error["message"] and "invalid literal" in error["message"]
    assert engine.instances("admin")["items"] == []  # nothing was written


def test_list_and_retry_an_incident(api: Api, engine: Policyflow) -> None:
    deploy_test_model(engine, "incident_timer.bpmn")
    instance = engine.start("incident_timer", "cv_vhtt", {"amount": "abc"}, now=NOW)["id"]
    engine.fire_due_timers(DUE)
    res = api.get("chu_quy_trinh", "/incidents")
    assert res.status_code == 200
    [incident] = res.json["items"]
    assert incident["instance_id"] == instance and incident["element_id"] == "Compute"
    assert incident["attempts"] == 1 and incident["state"] == "open"
    for user in ("cv_vhtt", "ct_ubnd"):
        error_of(api.get(user, "/incidents"), 403, "forbidden")
        error_of(api.post(user, f"/incidents/{incident['id']}/retry"), 403, "forbidden")
    error_of(api.get("admin", "/incidents", state="nope"), 400)
    error_of(api.post("admin", "/incidents/999999/retry"), 404, "not_found")

    res = api.post("admin", f"/incidents/{incident['id']}/retry")  # still bad data
    assert res.status_code == 422 and res.json["error"]["element_id"] == "Compute"
    assert api.get("admin", "/incidents").json["items"][0]["attempts"] == 2

    engine.incidents.update_data(instance, {"amount": "5"}, "admin")
    res = api.post("admin", f"/incidents/{incident['id']}/retry")
    assert res.status_code == 200 and res.json["state"] == "resolved"
    assert api.get("admin", "/incidents").json["items"] == []
    assert len(api.get("admin", "/incidents", state="all").json["items"]) == 1
    error_of(api.post("admin", f"/incidents/{incident['id']}/retry"), 409, "conflict")
    assert engine.audit.verify(instance)["verified"]
