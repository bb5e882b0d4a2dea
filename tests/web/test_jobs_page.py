"""`/jobs`: administrators see background work by state and the jobs to look at."""

from collections.abc import Iterator

import pytest
from flask import Flask

from engine.background import outbox
from engine.facade import Policyflow
from tests.conftest import NOW
from tests.web_client import signed_in
from web import create_app


@pytest.fixture
def app(pf: Policyflow) -> Iterator[Flask]:
    yield create_app({"DATABASE_URL": pf.url, "TESTING": True, "SECRET_KEY": "test"})


def test_an_administrator_sees_a_failed_job_and_others_may_not(app: Flask, pf: Policyflow) -> None:
    with pf.transaction() as s:
        job = outbox.enqueue(s, "send_email", NOW, NOW, None, {"notification_id": 1})
        s.flush()
        job_id = job.id
    pf.jobs.finish(job_id, "SMTP 550: hộp thư không tồn tại", now=NOW)
    admin, _ = signed_in(app, "admin")
    page = admin.get("/jobs")
    assert page.status_code == 200
    assert "Công việc nền" in page.text and "SMTP 550: hộp thư không tồn tại" in page.text
    assert 'href="/jobs"' in admin.get("/").text  # in the administrator's navigation
    officer, _ = signed_in(app, "cv_vhtt")
    assert officer.get("/jobs").status_code == 403
    assert 'href="/jobs"' not in officer.get("/").text
