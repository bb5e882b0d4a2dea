"""Reminders are shown in the reader's language: a notice keeps its message's template
and parameters (it was stored as Vietnamese text, and stayed Vietnamese in English)."""

from collections.abc import Iterator
from datetime import timedelta

import pytest
from flask import Flask

from engine.facade import Policyflow
from tests.conftest import NOW
from tests.engine.test_background_engine import start_linear
from tests.web_client import signed_in
from web import create_app


@pytest.fixture
def app(pf: Policyflow) -> Iterator[Flask]:
    yield create_app({"DATABASE_URL": pf.url, "TESTING": True, "SECRET_KEY": "test"})


def test_an_overdue_notice_reads_in_english_and_in_vietnamese(app: Flask, pf: Policyflow) -> None:
    item = start_linear(pf)
    assert item.due_at is not None
    assert pf.jobs.send_reminders(item.due_at + timedelta(hours=1)) >= 1
    [notice] = pf.notices("cv_vhtt")
    assert notice["message"].startswith("QUÁ HẠN: việc «Soạn thảo» đã quá hạn")  # e-mails too
    client, token = signed_in(app, "cv_vhtt")
    assert "QUÁ HẠN: việc «Soạn thảo»" in client.get("/notifications").text
    client.post("/lang/en", data={"csrf_token": token})
    page = client.get("/notifications").text
    assert "OVERDUE: the task «Soạn thảo» was due" in page and "QUÁ HẠN" not in page
    assert item.due_at > NOW
