"""The spokesperson register's pages (issue 16 item 4): the public page and JSON without a
login, on a past date; the Văn phòng's page records a designation that becomes public once
the publication job ran; others may not keep the register."""

from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select

from engine.facade import Policyflow
from engine.store.db import transaction
from engine.store.models import Job
from tasks import jobs
from tasks.senders import FolderMailer, FolderPublisher, Senders
from tests.web_client import signed_in
from web import create_app


@pytest.fixture
def app(pf: Policyflow) -> Flask:
    return create_app({"DATABASE_URL": pf.url, "TESTING": True, "SECRET_KEY": "test"})


def test_the_public_page_and_json_need_no_login_and_show_a_past_date(app: Flask) -> None:
    client = app.test_client()
    page = client.get("/nguoi-phat-ngon?ngay=15/10/2024")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Vũ Quang Hưng" in html and "UBND huyện Xuân Trường" in html
    assert "chưa xác minh" in html  # a demo person, marked
    data = client.get("/nguoi-phat-ngon.json?ngay=2025-07-02").json
    assert data["on"] == "2025-07-02"
    assert sorted(e["unit"] for e in data["entries"]) == [
        "nb-xa-xuan-giang",
        "nb-xa-xuan-hong",
        "nb-xa-xuan-hung",
        "nb-xa-xuan-truong",
    ]
    assert client.get("/nguoi-phat-ngon?ngay=31/02/2024").status_code == 400
    assert client.get("/nguoi-phat-ngon/quan-ly").status_code == 302  # to the login page


def test_the_van_phong_records_a_designation_published_by_its_job(
    app: Flask, pf: Policyflow, tmp_path: Path
) -> None:
    other, token = signed_in(app, "cv_vhtt")
    assert other.get("/nguoi-phat-ngon/quan-ly").status_code == 403
    assert other.post("/nguoi-phat-ngon/quan-ly", data={"csrf_token": token}).status_code == 403
    office, token = signed_in(app, "vp_ubnd")
    assert office.get("/nguoi-phat-ngon/quan-ly").status_code == 200
    form = {
        "csrf_token": token,
        "unit": "huyen-xuan-truong",
        "full_name": "Phạm Văn Đức",
        "position": "Phó Chủ tịch UBND huyện",
        "phone": "0228 3886 456",
        "email": "sai địa chỉ",
        "username": "pct_ubnd",
        "valid_from": "10/10/2024",
        "reason": "Chủ tịch đi công tác",
    }
    refused = office.post("/nguoi-phat-ngon/quan-ly", data=form)
    assert refused.status_code == 400 and 'class="field-error"' in refused.get_data(as_text=True)
    form["email"] = "pct_ubnd@xuantruong.namdinh.gov.vn"
    assert office.post("/nguoi-phat-ngon/quan-ly", data=form).status_code == 302
    managed = office.get("/nguoi-phat-ngon/quan-ly?ngay=15/10/2024").get_data(as_text=True)
    assert "Phạm Văn Đức" in managed and "chờ công bố" in managed
    public = app.test_client()
    assert "Phạm Văn Đức" not in public.get("/nguoi-phat-ngon?ngay=15/10/2024").get_data(
        as_text=True
    )

    job = _publication_job(pf)
    folder = tmp_path / "spool"
    out = Senders(mail=FolderMailer(folder / "mail"), publish=FolderPublisher(folder / "portal"))
    assert jobs.run(pf, job, out) == "published"
    now = public.get("/nguoi-phat-ngon?ngay=15/10/2024").get_data(as_text=True)
    assert "Phạm Văn Đức" in now and "pct_ubnd@xuantruong.namdinh.gov.vn" in now
    before = public.get("/nguoi-phat-ngon.json?ngay=2024-10-09").json["entries"]
    assert [e["full_name"] for e in before] == ["Vũ Quang Hưng"]


def _publication_job(pf: Policyflow) -> int:
    with transaction(pf.url) as s:
        return s.scalars(select(Job.id).where(Job.kind == "publish_spokespersons")).one()
