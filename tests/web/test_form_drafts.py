"""Form drafts (issue 18 item 9): "Lưu nháp" keeps what was typed for this person and task
without submitting — nothing in the audit log or the instance —, the task page shows it
again, "Bỏ bản nháp" removes it, completing the task removes it; another person neither
sees it nor may write one for a task they cannot do."""

import re
from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient

from engine.errors import NotFound
from engine.facade import Policyflow
from tests.processes import DRAFT, start_document
from tests.web.test_web_ui import csrf, login
from web import create_app


@pytest.fixture
def app(deployed: Policyflow) -> Iterator[Flask]:
    yield create_app({"DATABASE_URL": deployed.url, "TESTING": True, "SECRET_KEY": "test"})


def test_a_draft_is_kept_per_person_and_task_and_not_audited(deployed: Policyflow) -> None:
    case = start_document(deployed, "QĐ")
    [task] = deployed.show(case.id, "cv_vhtt")["open_tasks"]
    events = len(deployed.history(case.id))
    data_before = deployed.show(case.id)["data"]
    saved = deployed.drafts.save(task["id"], "cv_vhtt", {"draft_summary": ["Nửa chừng"]})
    assert saved["fields"] == {"draft_summary": ["Nửa chừng"]}
    got = deployed.drafts.get(task["id"], "cv_vhtt")
    assert got is not None and got["fields"] == {"draft_summary": ["Nửa chừng"]}
    deployed.drafts.save(task["id"], "cv_vhtt", {"draft_summary": ["Lần hai"]})
    got = deployed.drafts.get(task["id"], "cv_vhtt")
    assert got is not None and got["fields"]["draft_summary"] == ["Lần hai"]
    assert len(deployed.history(case.id)) == events  # no audit event
    assert deployed.show(case.id)["data"] == data_before  # no case data
    with pytest.raises(NotFound):  # not theirs to do
        deployed.drafts.save(task["id"], "xa_xuanbac", {"draft_summary": ["x"]})
    deployed.complete(task["id"], "cv_vhtt", DRAFT)
    assert deployed.drafts.get(task["id"], "cv_vhtt") is None


def test_save_restore_and_discard_on_the_task_page(deployed: Policyflow, app: Flask) -> None:
    case = start_document(deployed, "QĐ")
    [task] = deployed.show(case.id, "cv_vhtt")["open_tasks"]
    client: FlaskClient = app.test_client()
    login(client, "cv_vhtt")
    page = client.get(f"/tasks/{task['id']}").text
    assert "Lưu nháp" in page and f'formaction="/tasks/{task["id"]}/draft"' in page
    response = client.post(
        f"/tasks/{task['id']}/draft",
        data={"csrf_token": csrf(page), "draft_summary": "Tóm tắt đang viết",
              "draft_explanation": ""},
    )  # fmt: skip
    assert response.status_code == 302
    page = client.get(f"/tasks/{task['id']}").text
    assert "Đã lưu nháp lúc" in page and "Đang hiển thị bản nháp" in page
    assert re.search(r'name="draft_summary"[^>]*>Tóm tắt đang viết<', page)  # a textarea
    assert deployed.show(case.id)["open_tasks"][0]["id"] == task["id"]  # not submitted
    client.post(f"/tasks/{task['id']}/draft/discard", data={"csrf_token": csrf(page)})
    page = client.get(f"/tasks/{task['id']}").text
    assert "Đang hiển thị bản nháp" not in page and "Tóm tắt đang viết" not in page
