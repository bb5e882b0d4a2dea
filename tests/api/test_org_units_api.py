"""Units for API clients and pickers (issue 13 item 7): `GET /api/v1/org-units` on a date
and of a kind; org-unit form fields declare their kinds, the served schemas carry the
units in force as `oneOf`; a unit that ended or of another kind is refused."""

import os
from datetime import date

import pytest
from flask import Flask

from engine.facade import Policyflow
from tests.api.test_api import Api, error_of, reset_demo_passwords
from tests.api.test_api import api as api  # the fixture
from tests.processes import CRISIS_START
from web import create_app

CLOCK_DATE = os.environ["POLICYFLOW_CLOCK_DATE"]  # the engine's today in the tests


@pytest.fixture
def app(deployed: Policyflow) -> Flask:
    reset_demo_passwords(deployed.url)
    return create_app({"DATABASE_URL": deployed.url, "TESTING": True, "WTF_CSRF_ENABLED": True})


def communes(api: Api, at: str | None) -> list[dict]:
    query = {"kind": "commune", **({"at": at} if at else {})}
    res = api.get("xa_xuanbac", "/org-units", **query)
    assert res.status_code == 200, res.json
    assert res.json["kind"] == "commune" and all(u["kind"] == "commune" for u in res.json["items"])
    return res.json["items"]


@pytest.mark.parametrize(
    ("at", "count"), [("2024-08-15", 20), ("2024-10-15", 14), ("2025-10-15", 4)]
)
def test_communes_in_force_on_a_date(api: Api, at: str, count: int) -> None:
    found = communes(api, at)
    assert len(found) == count
    assert all(
        u["valid_from"] <= at and (u["valid_to"] is None or at <= u["valid_to"]) for u in found
    )


def test_units_carry_their_dates_and_successor(api: Api) -> None:
    before = {u["code"]: u for u in communes(api, "2024-08-15")}
    bac = before["xa-xuan-bac"]
    assert bac["valid_to"] == "2024-08-31" and bac["parent"]
    after = {u["code"]: u for u in communes(api, "2024-10-15")}
    assert bac["successor"] in after and after[bac["successor"]]["name"] == "Xã Trà Lũ"
    assert "xa-xuan-bac" not in after
    # no date: today by the engine's clock (POLICYFLOW_CLOCK_DATE in the tests)
    res = api.get("xa_xuanbac", "/org-units")
    assert res.json["at"] == CLOCK_DATE and len(res.json["items"]) > len(after)
    kinds = {u["kind"] for u in res.json["items"]}
    assert kinds == {"province", "district", "department", "commune"}


@pytest.mark.parametrize("query", ["at=2024-13-01", "at=15/10/2024", "kind=village"])
def test_a_bad_date_or_kind_is_400(api: Api, query: str) -> None:
    error = error_of(api.get("xa_xuanbac", f"/org-units?{query}"), 400)
    assert "không hợp lệ" in error["message"]


def test_org_units_need_a_token(api: Api) -> None:
    error_of(api.get(None, "/org-units"), 401)


def test_the_served_start_form_lists_the_units_in_force(api: Api) -> None:
    [crisis] = [p for p in api.get("cv_vhtt", "/processes").json["items"]
                if p["key"] == "crisis_team"]  # fmt: skip
    fields = crisis["start_form"]["properties"]
    assert fields["affected_commune"]["x-unit-kinds"] == ["commune"]
    in_force = {u["code"]: u["name"] for u in communes(api, CLOCK_DATE)}
    served = {o["const"]: o["title"] for o in fields["affected_commune"]["oneOf"]}
    assert served == in_force and len(served) == 14
    departments = api.get("cv_vhtt", "/org-units", kind="department").json["items"]
    served = {o["const"] for o in fields["concerned_department"]["oneOf"]}
    assert served == {u["code"] for u in departments} and served


def test_an_ended_unit_is_refused_naming_its_successor(api: Api) -> None:
    data = {**CRISIS_START, "affected_commune": "xa-xuan-bac"}
    error = error_of(api.post("cv_vhtt", "/processes/crisis_team/instances", data), 400)
    [problem] = error["field_errors"]["affected_commune"]
    shown = date.fromisoformat(CLOCK_DATE).strftime("%d/%m/%Y")
    assert "Xã Xuân Bắc" in problem and f"không còn hiệu lực ngày {shown}" in problem
    assert "đơn vị kế thừa: Xã Trà Lũ" in problem


def test_a_unit_of_another_kind_is_refused(api: Api) -> None:
    data = {**CRISIS_START, "concerned_department": "xa-tra-lu"}
    error = error_of(api.post("cv_vhtt", "/processes/crisis_team/instances", data), 400)
    [problem] = error["field_errors"]["concerned_department"]
    assert "không thuộc loại đơn vị trường này nhận (department)" in problem
    started = api.post("cv_vhtt", "/processes/crisis_team/instances", CRISIS_START)
    assert started.status_code == 201, started.json
