"""Replaying an instance (issue 6) on the web: the page `/instances/<id>/replay` with its
verify button, and the API's `/instances/{id}/replay` and `/instances/{id}/verify`.

The instance looked at is a completed annual report (P3) in which Xuân Bắc reports first
(steps 2 and 3) with figures of its own, then the 25 other units, the consolidation, the
report's approval and its sending.
"""

import html
import json
import re
from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from engine.facade import Policyflow
from tests.api.test_api import PREFIX, Api, error_of, reset_demo_passwords
from tests.conftest import NOW
from tests.engine.test_audit_replay import edit, event
from tests.processes import (
    AR_START,
    DRAFT,
    UNIT_FIGURES,
    Case,
    act,
    approve_document,
    at,
    ensure_unit_officers,
    unit_report,
)
from tests.web.test_web_ui import csrf, login
from web import create_app

DOC_START = {"doc_type": "KH", "doc_title": "Kế hoạch truyền thông"}
BAC_FIGURES = {**UNIT_FIGURES, "trainees": 85, "budget_spent": 12_500_000,
               "difficulties": "Thiếu kinh phí"}  # fmt: skip
FIGURES = set(UNIT_FIGURES) - {"difficulties", "proposals"}
CONSOLIDATE = {
    "doc_title": "Báo cáo kết quả công tác truyền thông chính sách năm 2024",
    "results_summary": "20/20 đơn vị đã báo cáo",
    "assessment_summary": "Hoàn thành kế hoạch",
    "next_year_tasks": "Tiếp tục triển khai",
    "proposals_summary": "Hỗ trợ kinh phí cấp xã",
}
BAC_DRAFT, BAC_APPROVE = 2, 3  # the steps of Xuân Bắc's report and its head's approval


@dataclass
class Report:
    """A completed P3 instance: its id and its number of steps."""

    id: int
    steps: int


def completed_report(pf: Policyflow) -> Report:
    """Start, Xuân Bắc (drafts, approves), every other unit, consolidation, trình ký."""
    officers = ensure_unit_officers(pf)
    case = Case.start(pf, "annual_report", "cv_vhtt", AR_START)
    t = at("2024-11-01T02:00:00+00:00")
    case.act("xa_xuanbac", "Unit_draft", BAC_FIGURES, t)
    approval = {"unit_approve_decision": "approve", "unit_approved_by": "Đặng Văn Bắc"}
    case.act("xa_xuanbac", "Unit_approve", approval, t)
    for code in officers:
        if code != "xa-tra-lu":
            unit_report(case, code, officers, t)
    case.act("cv_vhtt", "Consolidate", CONSOLIDATE, t)
    approve_document(case, t, signer="pct_ubnd")
    assert case.status() == "completed"
    return Report(case.id, len(pf.history(case.id)))


@pytest.fixture
def app(deployed: Policyflow) -> Flask:
    reset_demo_passwords(deployed.url)
    return create_app({"DATABASE_URL": deployed.url, "TESTING": True, "SECRET_KEY": "test"})


@pytest.fixture
def engine(app: Flask) -> Policyflow:
    """The app's own engine object."""
    return app.extensions["policyflow"]


@pytest.fixture
def api(app: Flask) -> Api:
    client = app.test_client()
    return Api(client, client.get(f"{PREFIX}/openapi.json").json)


@pytest.fixture
def report(engine: Policyflow) -> Report:
    return completed_report(engine)


def signed_in(app: Flask, username: str) -> FlaskClient:
    client = app.test_client()
    login(client, username)
    return client


# -- the API ---------------------------------------------------------------------------


def test_the_auditor_replays_a_completed_report_step_by_step(api: Api, report: Report) -> None:
    whole = api.get("kiem_toan", f"/instances/{report.id}/replay")
    assert whole.status_code == 200
    body = whole.json
    assert body["step"] == report.steps and len(body["steps"]) == report.steps
    assert body["current"] == body["steps"][-1] and body["current"]["status"] == "completed"
    assert body["verdict"]["verified"] and body["verdict"]["reproduced"] == report.steps
    assert [s["seq"] for s in body["steps"]] == list(range(1, report.steps + 1))
    shown = api.get("kiem_toan", f"/instances/{report.id}").json
    assert body["current"]["data"] == shown["data"]  # the last step: the data as it is now
    assert body["current"]["data"]["totals"]["trainees"] == 30 * 19 + 85

    start = api.get("kiem_toan", f"/instances/{report.id}/replay", step=1).json
    assert start["step"] == 1 and len(start["steps"]) == 1
    first = start["current"]
    assert (first["command"], first["actor"], first["task"]) == ("start", "cv_vhtt", None)
    assert first["payload"]["data"] == AR_START
    assert first["data"]["outline_ref"] == AR_START["outline_ref"]
    assert not FIGURES & set(first["data"])  # no unit has reported yet
    assert first["element_states"]["Unit_draft"] == "active"


def test_the_step_of_a_units_report_has_its_figures_and_the_data_as_it_stood(
    api: Api, report: Report
) -> None:
    body = api.get("kiem_toan", f"/instances/{report.id}/replay", step=BAC_DRAFT).json
    assert body["step"] == BAC_DRAFT and [s["seq"] for s in body["steps"]] == [1, BAC_DRAFT]
    draft = body["current"]
    assert (draft["command"], draft["actor"]) == ("complete", "xa_xuanbac")
    assert draft["task"] == {
        "element_id": "Unit_draft",
        "name": "Xây dựng báo cáo của đơn vị",
        "role": "don_vi",
        "unit": "xa-tra-lu",
        "unit_name": "Xã Trà Lũ",
    }
    assert draft["payload"]["data"] == BAC_FIGURES  # the form as submitted
    # The instance's data as it stood: the unit's figures are still its own (in its part
    # of the multi-instance sub-process), not the instance's.
    assert draft["data"]["year"] == 2024 and not FIGURES & set(draft["data"])
    assert draft["element_states"]["Unit_approve"] == "active"
    assert ["Unit_draft", "Unit_approve"] in draft["flows_taken"]

    approved = api.get("kiem_toan", f"/instances/{report.id}/replay", step=BAC_APPROVE).json
    data = approved["current"]["data"]
    assert approved["current"]["task"]["element_id"] == "Unit_approve"
    assert data["reporting_unit"]["code"] == "xa-tra-lu" and data["trainees"] == 85


@pytest.mark.parametrize("step", ["0", "-1", "abc", "2.5", "999"])
def test_a_step_out_of_range_is_400(api: Api, engine: Policyflow, step: str) -> None:
    instance_id = engine.start("document_approval", "cv_vhtt", DOC_START, now=NOW)["id"]
    res = api.get("kiem_toan", f"/instances/{instance_id}/replay?step={step}")
    error = error_of(res, 400, "invalid")
    assert set(error["field_errors"]) == {"step"}
    if step == "999":
        assert "1 bước" in error["message"]


def test_replay_and_verify_are_for_those_who_see_the_whole_instance(
    api: Api, engine: Policyflow
) -> None:
    doc = engine.start("document_approval", "cv_vhtt", DOC_START, now=NOW)["id"]
    p3 = engine.start("annual_report", "cv_vhtt", AR_START, now=NOW)["id"]
    for user in ("kiem_toan", "admin", "cv_vhtt", "tp_vhtt"):
        for instance_id in (doc, p3):
            assert api.get(user, f"/instances/{instance_id}/replay").status_code == 200
            assert api.post(user, f"/instances/{instance_id}/verify").status_code == 200
    # A commune sees its own part of the district-wide report, and not the district's
    # own document at all.
    assert api.get("xa_xuanbac", f"/instances/{p3}").status_code == 200
    error_of(api.get("xa_xuanbac", f"/instances/{p3}/replay"), 403, "forbidden")
    error_of(api.post("xa_xuanbac", f"/instances/{p3}/verify"), 403, "forbidden")
    error_of(api.get("xa_xuanbac", f"/instances/{doc}/replay"), 404, "not_found")
    error_of(api.post("xa_xuanbac", f"/instances/{doc}/verify"), 404, "not_found")
    error_of(api.get("kiem_toan", "/instances/999999/replay"), 404, "not_found")
    error_of(api.post("kiem_toan", "/instances/999999/verify"), 404, "not_found")
    error_of(api.get(None, f"/instances/{doc}/replay"), 401, "unauthorized")
    error_of(api.post(None, f"/instances/{doc}/verify"), 401, "unauthorized")


def test_verify_gives_the_verdict_and_changes_nothing(api: Api, report: Report) -> None:
    before = api.get("kiem_toan", f"/instances/{report.id}/history").json["items"]
    res = api.post("kiem_toan", f"/instances/{report.id}/verify")
    assert res.status_code == 200
    assert res.json == {
        "instance_id": report.id,
        "verified": True,
        "steps": report.steps,
        "reproduced": report.steps,
        "diverged_at": None,
        "how": None,
        "verdict": f"verified: {report.steps} steps reproduce",
        "chain": [],
    }
    assert api.get("kiem_toan", f"/instances/{report.id}/history").json["items"] == before


# -- the page --------------------------------------------------------------------------


def section(page: str, element_id: str) -> str:
    """The server-rendered section with this id (its HTML)."""
    found = re.search(rf'<section[^>]*id="{element_id}".*?</section>', page, re.S)
    assert found, element_id
    return found.group(0)


def value(part: str, key: str, where: str) -> str | None:
    """The text of data entry `key` in the part of a step's details (`step-form`: what
    was submitted, `step-data`: the data as it stood)."""
    chunks = part.split('<div class="step-part ')[1:]
    [block] = [chunk for chunk in chunks if chunk.startswith(where + '"')]
    found = re.search(rf'<dd data-key="{key}">([^<]*)</dd>', block)
    return html.unescape(found.group(1)) if found else None


def embedded(page: str) -> list[dict[str, Any]]:
    found = re.search(r'<script type="application/json" id="replay-data">(.*?)</script>', page)
    assert found
    return json.loads(found.group(1))


def test_the_page_shows_the_chosen_step(app: Flask, report: Report) -> None:
    auditor = signed_in(app, "kiem_toan")
    page = auditor.get(f"/instances/{report.id}/replay?step={BAC_DRAFT}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    details = section(text, "replay-details")
    assert "Xã Trà Lũ" in details and "(xa_xuanbac)" in details
    assert "Xây dựng báo cáo của đơn vị" in details and "Cơ quan, đơn vị" in details
    assert "01/11/2024 09:00" in details  # 02:00 UTC, in Việt Nam time
    assert value(details, "budget_spent", "step-form") == "12.500.000"
    assert value(details, "trainees", "step-form") == "85"
    assert value(details, "trainees", "step-data") is None
    assert value(details, "outline_ref", "step-data") == AR_START["outline_ref"]
    assert re.search(rf'name="step" value="{BAC_DRAFT}"', text)  # what verify keeps
    assert re.search(rf'data-step="{BAC_DRAFT}" aria-current="step"', text)
    assert re.search(rf'id="replay-step"[^>]*value="{BAC_DRAFT}"', text)
    steps = embedded(text)
    assert [s["seq"] for s in steps] == list(range(1, report.steps + 1))
    assert steps[0]["states"]["Unit_draft"] == "active" and "Unit_approve" not in steps[0]["states"]
    assert steps[1]["states"]["Unit_approve"] == "active" and steps[1]["element_id"] == "Unit_draft"
    assert steps[1]["url"] == f"/instances/{report.id}/replay?step={BAC_DRAFT}"
    assert text.count('<template class="replay-step"') == report.steps

    first = section(auditor.get(f"/instances/{report.id}/replay?step=1").text, "replay-details")
    assert "khởi tạo hồ sơ" in first and value(first, "budget_spent", "step-form") is None
    assert value(first, "outline_ref", "step-form") == AR_START["outline_ref"]
    last = auditor.get(f"/instances/{report.id}/replay").text  # the last step by default
    assert re.search(rf'data-step="{report.steps}" aria-current="step"', last)
    assert "Vào sổ, phát hành" in section(last, "replay-details")  # trình ký dispatches it


def test_the_page_refuses_a_step_it_does_not_have(app: Flask, engine: Policyflow) -> None:
    instance_id = engine.start("document_approval", "cv_vhtt", DOC_START, now=NOW)["id"]
    auditor = signed_in(app, "kiem_toan")
    for step in ("0", "2", "x"):
        res = auditor.get(f"/instances/{instance_id}/replay?step={step}")
        assert res.status_code == 400 and "hồ sơ có 1 bước" in res.text, step


def test_the_verify_button_shows_the_verdict_and_keeps_the_step(app: Flask, report: Report) -> None:
    auditor = signed_in(app, "kiem_toan")
    url = f"/instances/{report.id}/replay?step={BAC_DRAFT}"
    token = csrf(auditor.get(url).text)
    res = auditor.post(
        f"/instances/{report.id}/verify", data={"csrf_token": token, "step": str(BAC_DRAFT)}
    )
    assert res.status_code == 200
    assert f"Đã kiểm chứng: {report.steps} bước tái hiện đúng." in res.text
    assert re.search(rf'data-step="{BAC_DRAFT}" aria-current="step"', res.text)
    refused = auditor.post(f"/instances/{report.id}/verify", data={"step": "1"})
    assert refused.status_code == 400  # no CSRF token


def test_only_those_who_see_everything_get_the_page_and_the_link(
    app: Flask, engine: Policyflow
) -> None:
    doc = engine.start("document_approval", "cv_vhtt", DOC_START, now=NOW)["id"]
    p3 = engine.start("annual_report", "cv_vhtt", AR_START, now=NOW)["id"]
    link = f'href="/instances/{p3}/replay"'
    auditor = signed_in(app, "kiem_toan")
    assert link in auditor.get(f"/instances/{p3}").text
    assert auditor.get(f"/instances/{p3}/replay").status_code == 200
    commune = signed_in(app, "xa_xuanbac")
    shown = commune.get(f"/instances/{p3}")
    assert shown.status_code == 200 and link not in shown.text
    refused = commune.get(f"/instances/{p3}/replay")
    assert refused.status_code == 403 and "toàn bộ hồ sơ" in refused.text
    token = csrf(commune.get("/").text)
    assert commune.post(f"/instances/{p3}/verify", data={"csrf_token": token}).status_code == 403
    assert commune.get(f"/instances/{doc}/replay").status_code == 404
    anonymous = app.test_client().get(f"/instances/{p3}/replay")
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]


def test_the_page_in_english(app: Flask, engine: Policyflow) -> None:
    instance_id = engine.start("document_approval", "cv_vhtt", DOC_START, now=NOW)["id"]
    auditor = signed_in(app, "kiem_toan")
    auditor.post("/lang/en", data={"csrf_token": csrf(auditor.get("/").text)})
    page = auditor.get(f"/instances/{instance_id}/replay").text
    assert "Replay step by step" in page and "started the case" in page
    assert "Xem lại từng bước" not in page


# -- a log edited after the fact -------------------------------------------------------


def tampered(pf: Policyflow) -> int:
    """A document whose draft (step 2) was edited in the database after it was recorded."""
    instance_id = pf.start("document_approval", "cv_vhtt", DOC_START, now=NOW)["id"]
    act(pf, instance_id, "cv_vhtt", "Draft", DRAFT, NOW)
    original = event(pf, instance_id, 2).payload
    edit(pf, instance_id, 2, payload={**original, "data": {**DRAFT, "draft_summary": "Khác"}})
    return instance_id


def test_an_edited_log_is_named_by_the_api(api: Api, engine: Policyflow) -> None:
    instance_id = tampered(engine)
    verdict = api.post("kiem_toan", f"/instances/{instance_id}/verify").json
    assert (verdict["verified"], verdict["diverged_at"], verdict["reproduced"]) == (False, 2, 1)
    assert [b["seq"] for b in verdict["chain"]] == [2]
    replayed = api.get("kiem_toan", f"/instances/{instance_id}/replay").json
    assert [s["seq"] for s in replayed["steps"]] == [1]  # as far as it reproduces
    assert replayed["verdict"]["diverged_at"] == 2 and replayed["current"] is None
    at_step = api.get("kiem_toan", f"/instances/{instance_id}/replay", step=2).json
    assert at_step["step"] == 2 and at_step["current"] is None


def test_an_edited_log_is_named_on_the_page(app: Flask, engine: Policyflow) -> None:
    instance_id = tampered(engine)
    auditor = signed_in(app, "kiem_toan")
    page = auditor.get(f"/instances/{instance_id}/replay")
    assert page.status_code == 200
    assert "Chỉ xem lại được 1 bước đầu: bước 2 không tái hiện được." in page.text
    token = csrf(page.text)
    verdict = auditor.post(f"/instances/{instance_id}/verify", data={"csrf_token": token}).text
    assert "Không tái hiện được: lệch từ bước 2 (đúng 1/2 bước)." in verdict
    assert "Chuỗi nhật ký bị phá vỡ:" in verdict and "Đã kiểm chứng" not in verdict
    assert re.search(r'<ul class="chain-breaks">\s*<li>Bước 2: ', verdict)
