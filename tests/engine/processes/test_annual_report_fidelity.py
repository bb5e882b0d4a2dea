"""P3 as the plan says (issue 14, items 7–10): one deadline derived from the year's rule,
consolidation that does not wait for ever, the reminder letter through trình ký, and the
units' figures pre-filled from the year's case records and checked for consistency."""

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from engine.errors import InvalidInput
from engine.facade import Policyflow
from engine.store.db import transaction
from engine.store.models import CaseRecord, Instance, OrgUnit
from tests.conftest import NOW
from tests.processes import (
    AR_START,
    UNIT_FIGURES,
    Case,
    approve_document,
    at,
    ensure_unit_officers,
    notifications,
    unit_report,
    utc,
    waiting_timer_count,
)

pytestmark = pytest.mark.usefixtures("every_instance_replays")

WORKFLOWS = Path(__file__).resolve().parents[3] / "workflows"
REPORT_DUE = at("2024-11-19T16:59:59+00:00")  # "trước ngày 20/11/2024": end of 19/11 local
CLOSE_AT = at("2024-11-24T16:59:59+00:00")  # + p3_grace_period (P5D)


# -- item 7: one deadline, derived from the year --------------------------------------


def test_the_deadline_is_the_years_rule_computed_once(deployed: Policyflow) -> None:
    ensure_unit_officers(deployed)
    start = deployed.processes("cv_vhtt")
    [p3] = [p for p in start if p["key"] == "annual_report"]
    form = p3["start_form"]
    assert "deadline" not in form["properties"]  # no typed date
    # The served form defaults to the current year (the suite's clock reads 2/6/2025).
    assert form["properties"]["year"]["default"] == 2025
    case = Case.start(deployed, "annual_report", "cv_vhtt", AR_START)
    data = case.data()
    assert data["report_due_at"] == "2024-11-19T23:59:59+07:00"
    assert data["deadline_text"] == "trước ngày 20/11/2024"
    for task in deployed.tasks("xa_xuanninh"):  # the task's due date is that same instant
        if task["instance_id"] == case.id:
            assert utc(task["due_at"]) == REPORT_DUE
    # A report one second before it is on time, the first second of 20/11 is late, and the
    # deadline timer (the reminder letter's branch) fires at that same instant.
    officers = ensure_unit_officers(deployed)
    unit_report(case, "xa-tra-lu", officers, REPORT_DUE - timedelta(seconds=1))
    deployed.fire_due_timers(REPORT_DUE - timedelta(seconds=1))
    assert "Draft" not in case.open()
    deployed.fire_due_timers(REPORT_DUE + timedelta(seconds=1))
    assert "Draft" in case.open()
    unit_report(case, "xa-xuan-ninh", officers, REPORT_DUE + timedelta(seconds=1))
    by_code = {r["code"]: r for r in case.data().get("unit_reports", [])}
    if by_code:  # the output collection grows as units finish
        assert by_code["xa-tra-lu"]["late"] is False
        assert by_code["xa-xuan-ninh"]["late"] is True


def test_a_missing_year_is_the_instances_year(deployed: Policyflow) -> None:
    ensure_unit_officers(deployed)
    case = Case.start(deployed, "annual_report", "cv_vhtt", {"outline_ref": "150/KH-UBND"})
    data = case.data()
    assert data["year"] == NOW.year and data["report_due_at"] == f"{NOW.year}-11-19T23:59:59+07:00"


def test_no_year_is_hard_coded_in_the_models_names_or_forms() -> None:
    bpmn = (WORKFLOWS / "annual_report.bpmn").read_text(encoding="utf-8")
    import re

    names = re.findall(r'name="([^"]*)"', bpmn)
    assert not [n for n in names if "2024" in n]
    for form in WORKFLOWS.glob("forms/ar_*.json"):
        schema = json.loads(form.read_text(encoding="utf-8"))
        titles = [schema.get("title", "")]
        for spec in schema.get("properties", {}).values():
            titles += [spec.get("title", ""), str(spec.get("default", ""))]
        assert not [t for t in titles if "2024" in t], form.name


def test_a_reminder_whose_time_has_passed_at_the_start_is_skipped(deployed: Policyflow) -> None:
    ensure_unit_officers(deployed)
    started = at("2024-11-14T02:00:00+00:00")  # after T-7 (12/11), before T-3 (16/11)
    case = Case.start(deployed, "annual_report", "cv_vhtt", AR_START, started)
    calls = [c for e in deployed.history(case.id) for c in e["payload"].get("service_calls", [])]
    assert not [c for c in calls if c["operation"] == "remind_open_tasks"]  # not sent to nobody
    assert notifications(deployed, case.id) == []
    deployed.fire_due_timers(at("2024-11-16T01:00:01+00:00"))  # T-3 still reminds
    assert notifications(deployed, case.id)


# -- items 8 and 9: consolidation does not wait for ever; the letter through trình ký ---


def test_after_the_grace_period_the_office_consolidates_without_the_silent_units(
    deployed: Policyflow,
) -> None:
    officers = ensure_unit_officers(deployed)
    case = Case.start(deployed, "annual_report", "cv_vhtt", AR_START)
    t = at("2024-11-05T02:00:00+00:00")
    for code in officers:
        if code not in ("xa-xuan-ninh", "xa-xuan-hong"):
            unit_report(case, code, officers, t)
    after_deadline = REPORT_DUE + timedelta(hours=9)
    deployed.fire_due_timers(after_deadline)
    # The reminder letter is a document_approval: head review, Văn phòng, signing, văn thư.
    assert sorted(case.open()) == ["Draft", "Unit_draft", "Unit_draft"]
    approve_document(case, after_deadline, signer="pct_ubnd")
    numbered = [c for e in deployed.history(case.id) for c in e["payload"].get("service_calls", [])]
    registered = [c for c in numbered if c["operation"] == "register_document"]
    assert [c["params"]["doc_type"] for c in registered] == ["CV"]  # rendered: issue 15
    # Xuân Hồng's drafter has filled the form; its head never approves. Nobody at Xuân Ninh.
    case.act(officers["xa-xuan-hong"][0], "Unit_draft", UNIT_FIGURES, after_deadline)
    assert deployed.fire_due_timers(CLOSE_AT - timedelta(seconds=1)) == {}
    assert sorted(case.open()) == ["Unit_approve", "Unit_draft"]
    closed = CLOSE_AT + timedelta(seconds=1)
    assert list(deployed.fire_due_timers(closed)) == [case.id]
    # Their tasks are closed (audited) and the office consolidates with the 18 reports.
    event = deployed.history(case.id)[-1]
    assert event["command"] == "timer"
    assert "Consolidate" in case.open() and "Unit_draft" not in case.open()
    data = case.data()
    assert sorted(data["missing_units"]) == ["Xã Xuân Hồng", "Xã Xuân Ninh"]
    by_code = {r["code"]: r for r in data["unit_reports"]}
    assert by_code["xa-xuan-ninh"]["status"] == "not_reported"
    assert data["totals"]["training_courses"] == 18
    # A late report is still taken, as an addendum after consolidation.
    assert sorted(case.open()) == ["Addendum", "Addendum", "Consolidate"]
    consolidate = {
        "doc_title": "Báo cáo kết quả công tác truyền thông chính sách năm 2024",
        "results_summary": "18/20 đơn vị đã báo cáo; Xuân Hồng, Xuân Ninh không báo cáo",
        "assessment_summary": "Cơ bản hoàn thành",
        "next_year_tasks": "Tiếp tục",
        "proposals_summary": "Không",
    }
    case.act("cv_vhtt", "Consolidate", consolidate, closed)
    approve_document(case, closed, signer="pct_ubnd")
    assert sorted(case.open()) == ["Addendum", "Addendum"]  # the report went out once
    case.act("xa_xuanninh", "Addendum", UNIT_FIGURES, closed + timedelta(days=1))
    assert case.open() == ["Addendum"]
    # The addendum window closes (p3_addendum_period): the case ends.
    deployed.fire_due_timers(CLOSE_AT + timedelta(days=31))
    assert case.status() == "completed"
    assert waiting_timer_count(deployed, case.id) == 0
    dispatches = [
        e for e in deployed.history(case.id) if e["payload"].get("element_id") == "Dispatch"
    ]
    assert len(dispatches) == 2  # the letter and the report, each once
    case.assert_audited()


def test_the_model_dispatches_the_report_once() -> None:
    bpmn = (WORKFLOWS / "annual_report.bpmn").read_text(encoding="utf-8")
    assert 'id="Send"' not in bpmn and 'id="Sign_reminder"' not in bpmn
    assert bpmn.count('calledElement="document_approval"') == 2  # the letter, the report


# -- item 10: figures pre-filled from the case records, checked -------------------------


def _record(pf: Policyflow, instance_id: int, unit: str, year: int, figures: dict) -> None:
    with transaction(pf.url) as s:
        unit_id = s.query(OrgUnit.id).filter(OrgUnit.code == unit).scalar()
        s.add(
            CaseRecord(
                instance_id=instance_id,
                process_key="press_statement",
                kind="press_request",
                unit_id=unit_id,
                year=year,
                figures=figures,
                recorded_at=datetime(2024, 10, 1, tzinfo=UTC),
            )
        )


def test_unit_figures_are_prefilled_from_case_records_and_checked(deployed: Policyflow) -> None:
    officers = ensure_unit_officers(deployed)
    holder = Case.start(deployed, "annual_report", "cv_vhtt", AR_START)  # any instance id
    with transaction(deployed.url) as s:
        assert s.get(Instance, holder.id) is not None
    received = {"press_requests_received": 1, "press_requests_answered": 1}
    _record(deployed, holder.id, "xa-xuan-ninh", 2024, received)
    _record(deployed, holder.id, "xa-xuan-ninh", 2024, {**received, "unexpected_events": 1})
    _record(deployed, holder.id, "xa-xuan-ninh", 2023, {"press_requests_received": 9})
    case = Case.start(deployed, "annual_report", "cv_vhtt", AR_START)
    task = case.task("xa_xuanninh", "Unit_draft")
    props = deployed.task(task["id"], "xa_xuanninh")["form_schema"]["properties"]
    assert props["press_requests_received"]["default"] == 2  # this year's two cases
    assert props["unexpected_events"]["default"] == 1
    drafter = officers["xa-xuan-ninh"][0]
    prefilled = {
        **UNIT_FIGURES,
        "press_requests_received": 2,
        "press_requests_answered": 2,
        "unexpected_events": 1,
        "unexpected_events_on_time": 1,
    }
    # Inconsistent: more answered than received — refused, naming the field.
    with pytest.raises(InvalidInput) as refused:
        case.act(drafter, "Unit_draft", {**prefilled, "press_requests_answered": 3}, NOW)
    assert "press_requests_answered" in refused.value.field_errors
    # Different from the records without a reason — refused; with one — taken.
    changed = {**prefilled, "press_requests_received": 4, "press_requests_answered": 3}
    with pytest.raises(InvalidInput) as refused:
        case.act(drafter, "Unit_draft", changed, NOW)
    assert "figures_correction_reason" in refused.value.field_errors
    reason = "Hai yêu cầu nhận qua điện thoại, chưa vào hệ thống"
    case.act(drafter, "Unit_draft", {**changed, "figures_correction_reason": reason}, NOW)
    head = officers["xa-xuan-ninh"][1]
    case.act(head, "Unit_approve", {"unit_approve_decision": "approve"}, NOW)
    # A unit with no case records has nothing pre-filled and no reason to give.
    for code in officers:
        if code != "xa-xuan-ninh":
            unit_report(case, code, officers, NOW)
    reports = {r["code"]: r for r in case.data()["unit_reports"]}
    assert reports["xa-xuan-ninh"]["correction_reason"] == reason
    assert reports["xa-xuan-ninh"]["case_figures"]["press_requests_received"] == 2
    assert reports["xa-tra-lu"]["case_figures"] == {}
