"""`/incidents`: administrators and process owners see incidents (with a count in the
navigation), fix the data, retry; a model failing at start is a clear 422 page."""

from collections.abc import Iterator
from datetime import timedelta

import pytest
from flask import Flask

from engine.facade import Policyflow
from tests.conftest import NOW, deploy_test_model
from tests.web_client import signed_in
from web import create_app

pytestmark = pytest.mark.usefixtures("every_instance_replays")


@pytest.fixture
def app(pf: Policyflow) -> Iterator[Flask]:
    yield create_app({"DATABASE_URL": pf.url, "TESTING": True, "SECRET_KEY": "test"})


def test_list_fix_and_retry_from_the_page(app: Flask, pf: Policyflow) -> None:
    deploy_test_model(pf, "incident_timer.bpmn")
    instance = pf.start("incident_timer", "cv_vhtt", {"amount": "abc"}, now=NOW)["id"]
    pf.fire_due_timers(NOW + timedelta(hours=2))
    [incident] = pf.incidents.list("admin")

    owner, token = signed_in(app, "chu_quy_trinh")
    page = owner.get("/incidents")
    assert page.status_code == 200
    assert "Compute" in page.text and "invalid literal" in page.text
    home = owner.get("/").text
    assert 'href="/incidents"' in home and '<span class="count">1</span>' in home

    officer, _ = signed_in(app, "cv_vhtt")
    assert officer.get("/incidents").status_code == 403
    assert 'href="/incidents"' not in officer.get("/").text

    bad = owner.post(
        f"/incidents/instances/{instance}/data", data={"changes": "{", "csrf_token": token}
    )
    assert bad.status_code == 302
    fixed = owner.post(
        f"/incidents/instances/{instance}/data",
        data={"changes": '{"amount": "4"}', "csrf_token": token},
    )
    assert fixed.status_code == 302
    retried = owner.post(f"/incidents/{incident['id']}/retry", data={"csrf_token": token})
    assert retried.status_code == 302
    assert pf.incidents.list("admin") == []
    assert pf.show(instance)["data"]["fee"] == 8
    assert "Không có sự cố nào" in owner.get("/incidents").text


def test_a_model_failing_at_start_is_a_clear_page(app: Flask, pf: Policyflow) -> None:
    deploy_test_model(pf, "incident_start.bpmn")
    officer, token = signed_in(app, "cv_vhtt")
    res = officer.post(
        "/processes/incident_start/start", data={"amount": "abc", "csrf_token": token}
    )
    assert res.status_code == 422, res.text[:300]
    assert "Quy trình gặp lỗi" in res.text and "Compute" in res.text
