"""`/audit/admin` and GET /api/v1/audit/admin-events: the administrative changes for
administrators and auditors, with who, what and the hash; others get 403."""

from collections.abc import Iterator

import pytest
from flask import Flask

from engine.access.org_import import import_org
from engine.facade import Policyflow
from tests.conftest import NOW
from tests.web_client import signed_in
from web import create_app

PERSON = {"username": "cb_moi", "full_name": "Cán bộ Mới Nhập", "holdings": []}


@pytest.fixture
def app(pf: Policyflow) -> Iterator[Flask]:
    yield create_app({"DATABASE_URL": pf.url, "TESTING": True, "SECRET_KEY": "test"})


def test_the_auditor_reads_the_admin_changes(app: Flask, pf: Policyflow) -> None:
    with pf.transaction() as s:
        import_org(s, {"units": [], "people": [PERSON]}, "admin", NOW, "x")
    auditor, _ = signed_in(app, "kiem_toan")
    page = auditor.get("/audit/admin")
    assert page.status_code == 200
    assert "Nhập dữ liệu tổ chức" in page.text or "nhập dữ liệu tổ chức" in page.text
    assert "Quản trị hệ thống" in page.text  # who, by name
    assert "+ user cb_moi (Cán bộ Mới Nhập)" in page.text  # what, readable (not \\u escapes)
    assert 'href="/audit/admin"' in auditor.get("/audit").text
    officer, _ = signed_in(app, "cv_vhtt")
    assert officer.get("/audit/admin").status_code == 403
