"""/api/v1/admin/ for org units, rules and the calendar (issue 19 items 3–6): the
administrator's changes, checked as the document says, audited; 403 for everyone else."""

import os
from datetime import date, timedelta

import pytest
from flask import Flask
from sqlalchemy import select

from engine.facade import Policyflow
from engine.store.models import AuditEvent
from tests.api.test_api import Api, error_of, reset_demo_passwords
from tests.api.test_api import api as api  # the fixture
from tests.reference_restore import restore_reference_data as restore_reference_data
from web import create_app

TODAY = date.fromisoformat(os.environ["POLICYFLOW_CLOCK_DATE"])  # the engine's today
LATER = (TODAY + timedelta(days=20)).isoformat()


@pytest.fixture
def app(deployed: Policyflow) -> Flask:
    reset_demo_passwords(deployed.url)
    return create_app({"DATABASE_URL": deployed.url, "TESTING": True})


def admin_commands(app: Flask) -> list[str]:
    """The administrative events, newest first."""
    pf: Policyflow = app.extensions["policyflow"]
    with pf.transaction() as s:
        query = select(AuditEvent.command).where(AuditEvent.instance_id.is_(None))
        return list(s.scalars(query.order_by(AuditEvent.seq.desc())))


WRITES = [
    (
        "POST",
        "/admin/org-units",
        {"code": "x", "name": "X", "kind": "commune", "valid_from": LATER},
    ),
    ("PATCH", "/admin/org-units/phong-vhtt", {"name": "X"}),
    ("POST", "/admin/org-units/phong-vhtt/end", {"last_day": LATER}),
    ("POST", "/admin/settings/p1_initial_info_due/values", {"value": "PT1H", "valid_from": LATER}),
    ("PUT", f"/admin/calendar/{TODAY.year}/days/{LATER}", {"kind": "holiday", "name": "X"}),
    ("POST", f"/admin/calendar/{TODAY.year}/confirm", {}),
]


@pytest.mark.parametrize("user", ["cv_vhtt", "xa_xuanbac", "kiem_toan", "chu_quy_trinh"])
def test_non_administrators_get_403_and_change_nothing(api: Api, app: Flask, user: str) -> None:
    for path in ("/admin/org-units", "/admin/settings", f"/admin/calendar/{TODAY.year}"):
        error_of(api.get(user, path), 403, "forbidden")
    for method, path, body in WRITES:
        error_of(api.call(user, method, path, body), 403, "forbidden")
        error_of(api.call(user, method, path, {"junk": 1}), 403, "forbidden")  # before the body
    assert not {"unit_add", "unit_rename", "unit_end", "setting_set"} & set(admin_commands(app))


def test_a_setting_from_a_date_and_a_bad_value_refused(api: Api, app: Flask) -> None:
    path = "/admin/settings/p1_initial_info_due/values"
    res = api.post("admin", path, {"value": "3 ngày", "valid_from": LATER, "reason": "thử"})
    error = error_of(res, 400, "invalid")
    assert "p1_initial_info_due" in error["message"] and list(error["field_errors"]) == ["value"]
    before = api.get("admin", "/admin/settings").json["items"]
    entry = next(s for s in before if s["key"] == "p1_initial_info_due")
    assert entry["in_force"] == "PT24H" and len(entry["history"]) == 1  # nothing stored
    res = api.post("admin", path, {"value": "PT48H", "valid_from": LATER, "reason": "Quy chế"})
    assert res.status_code == 201, res.json
    assert res.json["after"]["value"] == "PT48H" and res.json["reason"] == "Quy chế"
    error_of(api.post("admin", path, {"value": "PT12H", "valid_from": LATER}), 409, "conflict")
    unknown = {"value": "P1D", "valid_from": LATER}
    error_of(api.post("admin", "/admin/settings/no_such/values", unknown), 404)
    now = {s["key"]: s for s in api.get("admin", "/admin/settings").json["items"]}
    assert now["p1_initial_info_due"]["in_force"] == "PT24H"  # not yet in force
    later = api.get("admin", f"/admin/settings?at={LATER}").json["items"]
    assert next(s for s in later if s["key"] == "p1_initial_info_due")["in_force"] == "PT48H"
    assert admin_commands(app)[0] == "setting_set"


def test_units_and_calendar_through_the_api(api: Api, app: Flask) -> None:
    body = {"code": "xa-thu", "name": "Xã Thử", "kind": "commune",
            "parent": "huyen-xuan-truong", "valid_from": TODAY.isoformat()}  # fmt: skip
    assert api.post("admin", "/admin/org-units", body).status_code == 201
    error_of(api.post("admin", "/admin/org-units", body), 409, "conflict")
    error_of(api.post("admin", "/admin/org-units", {**body, "code": "Xa Thu"}), 400)
    res = api.call("admin", "PATCH", "/admin/org-units/xa-thu", {"name": "Xã Thử Nghiệm"})
    assert res.status_code == 200 and res.json["after"]["name"] == "Xã Thử Nghiệm"
    last = (TODAY + timedelta(days=5)).isoformat()
    end = {"last_day": last, "successor": "xa-xuan-bac", "reason": "Sáp nhập"}
    error_of(api.post("admin", "/admin/org-units/xa-thu/end", end), 400)  # Xuân Bắc is gone
    end["successor"] = "xa-xuan-chau"
    res = api.post("admin", "/admin/org-units/xa-thu/end", end)
    assert res.status_code == 200 and res.json["after"]["successor"] == "xa-xuan-chau"
    at = (TODAY + timedelta(days=6)).isoformat()
    codes = [u["code"] for u in api.get("admin", f"/admin/org-units?at={at}").json["units"]]
    assert "xa-thu" not in codes and "xa-xuan-chau" in codes
    year = TODAY.year
    state = api.get("admin", f"/admin/calendar/{year}").json
    assert state["state"] in ("confirmed", "provisional") and state["days"]
    monday = TODAY + timedelta(days=7 - TODAY.weekday())
    path = f"/admin/calendar/{year}/days/{monday.isoformat()}"
    dry = api.call("admin", "PUT", path, {"kind": "holiday", "name": "Nghỉ", "dry_run": True})
    assert dry.status_code == 200 and dry.json["applied"] is False
    assert monday.isoformat() not in {
        d["date"] for d in api.get("admin", f"/admin/calendar/{year}").json["days"]
    }
    error_of(api.call("admin", "PUT", path, {"kind": "workday"}), 409)  # a weekday works
    error_of(api.call("admin", "PUT", path, {"kind": "holiday"}), 400)  # a holiday has a name
    error_of(
        api.call("admin", "PUT", f"/admin/calendar/{year + 1}/days/{monday}", {"kind": "ordinary"}),
        404,
    )
    res = api.call("admin", "PUT", path, {"kind": "holiday", "name": "Nghỉ", "reason": "Thử"})
    assert res.status_code == 200 and res.json["applied"] is True
    days = {d["date"]: d for d in api.get("admin", f"/admin/calendar/{year}").json["days"]}
    assert days[monday.isoformat()] == {
        "date": monday.isoformat(),
        "kind": "holiday",
        "name": "Nghỉ",
    }
    error_of(api.get("admin", "/admin/calendar/0"), 404)
    assert api.get("admin", "/admin/calendar/2099").json["state"] == "missing"
    commands = admin_commands(app)
    assert commands[:4] == ["calendar_set", "unit_end", "unit_rename", "unit_add"]
    pf: Policyflow = app.extensions["policyflow"]
    assert pf.audit.verify_log()["intact"]
