"""The administrator's pages for units, rules and the calendar (issue 19): shown to
administrators only, a bad value shown next to its field and not stored, a calendar edit
previewed before it is saved."""

import os
from datetime import date, timedelta

import pytest
from flask import Flask

from engine.facade import Policyflow
from tests.reference_restore import restore_reference_data as restore_reference_data
from tests.web_client import signed_in
from web import create_app

TODAY = date.fromisoformat(os.environ["POLICYFLOW_CLOCK_DATE"])
LATER = (TODAY + timedelta(days=20)).isoformat()


@pytest.fixture
def app(pf: Policyflow) -> Flask:
    return create_app({"DATABASE_URL": pf.url, "TESTING": True, "SECRET_KEY": "test"})


def test_only_administrators_see_the_pages(app: Flask) -> None:
    admin, _ = signed_in(app, "admin")
    other, token = signed_in(app, "cv_vhtt")
    for url in ("/admin/units", "/admin/settings", "/admin/calendar/2024"):
        page = admin.get(url)
        assert page.status_code == 200, url
        assert other.get(url).status_code == 403, url
    assert "Lịch làm việc" in admin.get("/").get_data(as_text=True)  # the navigation link
    form = {"csrf_token": token, "value": "PT1H", "valid_from": LATER}
    assert other.post("/admin/settings/p1_initial_info_due", data=form).status_code == 403


def test_a_bad_setting_is_shown_next_to_its_field(app: Flask, pf: Policyflow) -> None:
    admin, token = signed_in(app, "admin")
    form = {"csrf_token": token, "value": "3 ngày", "valid_from": LATER, "reason": "thử"}
    res = admin.post("/admin/settings/p1_initial_info_due", data=form)
    html = res.get_data(as_text=True)
    assert res.status_code == 400 and 'class="field-error"' in html and "3 ngày" in html
    history = {s["key"]: s["history"] for s in pf.rules.settings("admin")["items"]}
    assert len(history["p1_initial_info_due"]) == 1
    form["value"] = "PT48H"
    assert admin.post("/admin/settings/p1_initial_info_due", data=form).status_code == 302
    assert "PT48H" in admin.get("/admin/settings").get_data(as_text=True)


def test_a_calendar_edit_is_previewed_then_saved(app: Flask, pf: Policyflow) -> None:
    admin, token = signed_in(app, "admin")
    form = {"csrf_token": token, "date": "2024-10-02", "kind": "holiday", "name": "Nghỉ thử"}
    preview = admin.post("/admin/calendar/2024/day", data={**form, "action": "preview"})
    assert preview.status_code == 200 and "Lưu thay đổi" in preview.get_data(as_text=True)
    assert "2024-10-02" not in {d["date"] for d in pf.rules.calendar("admin", 2024)["days"]}
    saved = admin.post("/admin/calendar/2024/day", data={**form, "action": "save"})
    assert saved.status_code == 302
    assert "2024-10-02" in {d["date"] for d in pf.rules.calendar("admin", 2024)["days"]}
    page = admin.get("/admin/calendar/2024").get_data(as_text=True)
    assert 'class="cal-day holiday" title="Nghỉ thử"' in page


def test_units_are_added_and_ended_from_the_page(app: Flask, pf: Policyflow) -> None:
    admin, token = signed_in(app, "admin")
    add = {"csrf_token": token, "code": "phong-thu", "name": "Phòng Thử", "kind": "department",
           "parent": "huyen-xuan-truong", "valid_from": "2024-10-01"}  # fmt: skip
    assert admin.post("/admin/units", data=add).status_code == 302
    end = {"csrf_token": token, "last_day": "2024-12-31", "successor": "phong-vhtt"}
    assert admin.post("/admin/units/phong-thu/end", data=end).status_code == 302
    assert "Phòng Thử" in admin.get("/admin/units?at=2024-12-01").get_data(as_text=True)
    assert "Phòng Thử" not in admin.get("/admin/units?at=2025-01-02").get_data(as_text=True)
