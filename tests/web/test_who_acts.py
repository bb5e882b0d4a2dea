"""Who acts next (issue 18 item 8): the instance and task pages name the people who can act
on each open task, and who claimed it — not only the role."""

from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient

from engine.facade import Policyflow
from tests.processes import start_document
from tests.web.test_web_ui import login
from web import create_app


@pytest.fixture
def app(deployed: Policyflow) -> Iterator[Flask]:
    yield create_app({"DATABASE_URL": deployed.url, "TESTING": True, "SECRET_KEY": "test"})


def test_the_engine_names_the_holders_and_the_claimer(deployed: Policyflow) -> None:
    case = start_document(deployed, "QĐ")
    shown = deployed.show(case.id, "cv_vhtt")
    [task] = shown["open_tasks"]
    [actors] = shown["who_acts"]
    assert actors["task_id"] == task["id"]
    people = {p["username"] for p in actors["people"]}
    assert "cv_vhtt" in people and actors["claimed_by"] is None
    # everyone named may see the task in their inbox
    for username in people:
        assert task["id"] in {t["id"] for t in deployed.tasks(username)}
    deployed.claim(task["id"], "cv_vhtt")
    [actors] = deployed.show(case.id, "cv_vhtt")["who_acts"]
    assert actors["claimed_by"] is not None and actors["claimed_by"]["username"] == "cv_vhtt"


def test_instance_and_task_pages_name_the_people(deployed: Policyflow, app: Flask) -> None:
    case = start_document(deployed, "QĐ")
    [actors] = deployed.show(case.id, "cv_vhtt")["who_acts"]
    full_names = [p["full_name"] for p in actors["people"]]
    assert full_names
    client: FlaskClient = app.test_client()
    login(client, "cv_vhtt")
    page = client.get(f"/instances/{case.id}").text
    assert "Người có thể xử lý:" in page
    for name in full_names[:6]:
        assert name in page
    task_page = client.get(f"/tasks/{actors['task_id']}").text
    assert "Ai có thể xử lý" in task_page and full_names[0] in task_page
    deployed.claim(actors["task_id"], "cv_vhtt")
    claimer = deployed.show(case.id, "cv_vhtt")["who_acts"][0]["claimed_by"]
    assert claimer is not None
    page = client.get(f"/instances/{case.id}").text
    assert f"Đã nhận: {claimer['full_name']}" in page
