"""P3, the annual report of every unit (annual_report.bpmn) end to end: one task per
unit, T-7/T-3 reminders, the deadline, a late unit, consolidation and sending.

The deadline is the year's rule (settings p3_deadline_day "11-20", p3_deadline_inclusive
"no": "trước ngày 20/11" = by the end of 19/11, local), computed once at the start:
task due dates, "late" and the reminder letter's timer are the same instant.

Each test plays the people of the district (tests/processes.py drives the instances):
it finds the task in the right person's inbox, submits form data that satisfies the
task's JSON Schema, moves the clock with `now=` and fires timers with
`fire_due_timers`. After a full run the audit chain must be intact and its actors must
be exactly the people who acted.
"""

from datetime import timedelta

import pytest

from engine.errors import NotFound, PermissionDenied
from engine.facade import Policyflow
from tests.conftest import NOW
from tests.processes import (
    AR_START,
    UNIT_FIGURES,
    Case,
    approve_document,
    at,
    ensure_unit_officers,
    inbox,
    notifications,
    unit_report,
    utc,
    waiting_timer_count,
)

# Each instance a test leaves must re-execute exactly from its audit log (issue 6).
pytestmark = pytest.mark.usefixtures("every_instance_replays")


REPORT_DUE = at("2024-11-19T16:59:59+00:00")  # "trước ngày 20/11": the end of 19/11 local
DEADLINE_AT = REPORT_DUE  # one instant: due dates, late, the reminder letter
T7_AT = at("2024-11-12T01:00:00+00:00")  # 08:00 local, 7 days before the last day (19/11)
T3_AT = at("2024-11-16T01:00:00+00:00")  # 08:00 local, 3 days before


def test_annual_report_gives_each_unit_its_own_task(deployed: Policyflow) -> None:
    officers = ensure_unit_officers(deployed)
    assert len(officers) == 20  # 6 departments and the 14 communes of 1/9/2024
    case = Case.start(deployed, "annual_report", "cv_vhtt", AR_START)
    assert case.open() == ["Unit_draft"] * 20
    units = []
    for code, (drafter, _) in officers.items():
        [task] = [t for t in inbox(deployed, drafter, case.id) if t["unit"] == code]
        assert (task["element_id"], task["scope"]) == ("Unit_draft", "unit")
        assert utc(task["due_at"]) == REPORT_DUE
        units.append(task["unit"])
    assert sorted(units) == sorted(officers)
    [bac] = inbox(deployed, "xa_xuanbac", case.id)
    assert bac["unit"] == "xa-tra-lu"
    [ninh] = inbox(deployed, "xa_xuanninh", case.id)
    assert ninh["unit"] == "xa-xuan-ninh"
    assert not any(t["unit"] == "xa-tra-lu" for t in deployed.tasks("xa_xuanninh"))
    with pytest.raises(NotFound):
        deployed.complete(bac["id"], "xa_xuanninh", UNIT_FIGURES, now=NOW)
    assert inbox(deployed, "pct_ubnd", case.id) == []
    assert inbox(deployed, "van_thu", case.id) == []
    [vhtt] = inbox(deployed, "cv_vhtt", case.id)
    assert vhtt["unit"] == "phong-vhtt"
    with pytest.raises(PermissionDenied):  # the department's head does not draft
        deployed.complete(vhtt["id"], "tp_vhtt", UNIT_FIGURES, now=NOW)


def test_annual_report_full_run_with_a_late_unit(deployed: Policyflow) -> None:
    officers = ensure_unit_officers(deployed)
    case = Case.start(deployed, "annual_report", "cv_vhtt", AR_START)
    t = at("2024-11-01T02:00:00+00:00")

    # Xuân Bắc's head returns the first draft, then approves the second.
    case.act("xa_xuanbac", "Unit_draft", {**UNIT_FIGURES, "difficulties": "Thiếu kinh phí"}, t)
    approve = case.task("xa_xuanbac", "Unit_approve")
    assert approve["unit"] == "xa-tra-lu" and utc(approve["due_at"]) == REPORT_DUE
    case.act(
        "xa_xuanbac",
        "Unit_approve",
        {
            "unit_approve_decision": "return",
            "unit_approve_comments": "Bổ sung số liệu",
            "unit_approved_by": "Đặng Văn Bắc",
        },
        t,
    )
    assert [x["element_id"] for x in inbox(deployed, "xa_xuanbac", case.id)] == ["Unit_draft"]
    case.act(
        "xa_xuanbac",
        "Unit_draft",
        {**UNIT_FIGURES, "trainees": 31, "difficulties": "Thiếu kinh phí", "proposals": "Hỗ trợ"},
        t,
    )
    case.act(
        "xa_xuanbac",
        "Unit_approve",
        {"unit_approve_decision": "approve", "unit_approved_by": "Đặng Văn Bắc"},
        t,
    )
    assert inbox(deployed, "xa_xuanbac", case.id) == []

    # Everyone else but Xuân Ninh reports in time.
    for code in officers:
        if code not in ("xa-tra-lu", "xa-xuan-ninh"):
            unit_report(case, code, officers, t)
    assert case.open() == ["Unit_draft"]

    # T-7 and T-3 (08:00 local on 12 and 16 Nov) remind only the unit still due to report.
    t7 = T7_AT
    assert deployed.fire_due_timers(t7 - timedelta(seconds=1)) == {}
    assert notifications(deployed, case.id) == []
    assert list(deployed.fire_due_timers(t7 + timedelta(seconds=1))) == [case.id]
    first = notifications(deployed, case.id)
    assert first and all("năm 2024" in m and "trước ngày 20/11/2024" in m for _, m in first)
    assert {u for u, _ in first} == {"xa_xuanninh"}
    t3 = T3_AT
    assert deployed.fire_due_timers(t3 - timedelta(seconds=1)) == {}
    assert len(notifications(deployed, case.id)) == len(first)
    assert list(deployed.fire_due_timers(t3 + timedelta(seconds=1))) == [case.id]
    assert len(notifications(deployed, case.id)) == 2 * len(first)

    # The deadline (the end of 19/11 local) passes with Xuân Ninh missing: the units not
    # yet reported are listed by the engine and the công văn đôn đốc goes through trình ký.
    assert deployed.fire_due_timers(DEADLINE_AT - timedelta(minutes=1)) == {}
    late_check = at("2024-11-20T01:05:00+00:00")  # 08:05 local on 20 Nov
    assert list(deployed.fire_due_timers(late_check)) == [case.id]
    [call] = deployed.history(case.id)[-1]["payload"]["service_calls"]
    assert call["result"] == [{"code": "xa-xuan-ninh", "name": "Xã Xuân Ninh"}]
    assert case.open() == ["Draft", "Unit_draft"]
    approve_document(case, late_check, signer="pct_ubnd")
    numbered = [c for e in deployed.history(case.id) for c in e["payload"].get("service_calls", [])]
    assert numbered[-1]["params"]["doc_type"] == "CV"
    assert case.open() == ["Unit_draft"]
    assert case.status() == "running"

    # Xuân Ninh reports the next morning: accepted, marked late.
    next_day = at("2024-11-21T02:00:00+00:00")  # 09:00 local on 21 Nov
    unit_report(case, "xa-xuan-ninh", officers, next_day, proposals="Gia hạn")
    assert case.open() == ["Consolidate"]
    data = case.data()
    assert data["late_units"] == ["Xã Xuân Ninh"] and data["missing_units"] == []
    assert len(data["unit_reports"]) == 20
    by_code = {r["code"]: r for r in data["unit_reports"]}
    assert by_code["xa-xuan-ninh"]["late"] is True and by_code["xa-tra-lu"]["late"] is False
    assert by_code["xa-xuan-ninh"]["status"] == "late"
    assert by_code["xa-tra-lu"]["approved_by"] == "Đặng Văn Bắc"
    assert data["totals"]["trainees"] == 30 * 20 + 1
    assert data["totals"]["training_courses"] == 20
    assert data["totals"]["budget_spent"] == 5_000_000 * 20
    assert data["unit_difficulties"] == [{"unit": "Xã Trà Lũ", "text": "Thiếu kinh phí"}]
    assert {p["unit"] for p in data["unit_proposals"]} == {"Xã Trà Lũ", "Xã Xuân Ninh"}

    # Consolidation, the report through document_approval, then sending.
    t = next_day + timedelta(hours=2)
    case.act(
        "cv_vhtt",
        "Consolidate",
        {
            "doc_title": "Báo cáo kết quả công tác truyền thông chính sách năm 2024",
            "results_summary": "20/20 đơn vị đã báo cáo",
            "assessment_summary": "Hoàn thành kế hoạch",
            "next_year_tasks": "Tiếp tục triển khai",
            "proposals_summary": "Hỗ trợ kinh phí cấp xã",
        },
        t,
    )
    assert case.open() == ["Draft"]
    approve_document(case, t, signer="pct_ubnd")  # its văn thư step dispatches it, once
    assert case.status() == "completed"
    data = case.data()
    assert data["doc_number"].startswith("02/BC-")
    assert data["late_units"] == ["Xã Xuân Ninh"]
    assert waiting_timer_count(deployed, case.id) == 0
    case.assert_audited()


def test_annual_report_on_time_cancels_the_deadline_timers(deployed: Policyflow) -> None:
    officers = ensure_unit_officers(deployed)
    case = Case.start(deployed, "annual_report", "cv_vhtt", AR_START)
    # T-7, T-3, the deadline; one closing timer per unit (the grace period's end)
    assert waiting_timer_count(deployed, case.id) == 3 + 20
    t = at("2024-11-05T02:00:00+00:00")
    for code in officers:
        unit_report(case, code, officers, t)
    assert case.open() == ["Consolidate"]
    assert waiting_timer_count(deployed, case.id) == 0
    assert deployed.fire_due_timers(DEADLINE_AT + timedelta(days=1)) == {}
    assert notifications(deployed, case.id) == []
    data = case.data()
    assert data["late_units"] == [] and data["unit_difficulties"] == []
    case.assert_audited()


def test_annual_report_reminders_reach_the_communes_that_must_report(
    deployed: Policyflow,
) -> None:
    ensure_unit_officers(deployed)
    case = Case.start(deployed, "annual_report", "cv_vhtt", AR_START)
    deployed.fire_due_timers(T7_AT + timedelta(seconds=1))
    recipients = {u for u, _ in notifications(deployed, case.id)}
    assert "cv_vhtt" in recipients  # a department is reminded
    assert "xa_xuanninh" in recipients  # a commune that has not reported is not


def test_annual_report_a_report_sent_after_the_deadline_is_late(deployed: Policyflow) -> None:
    officers = ensure_unit_officers(deployed)
    case = Case.start(deployed, "annual_report", "cv_vhtt", AR_START)
    t = at("2024-11-05T02:00:00+00:00")
    for code in officers:
        if code != "xa-xuan-ninh":
            unit_report(case, code, officers, t)
    early_next_day = at("2024-11-19T17:30:00+00:00")  # 00:30 local on 20 Nov
    # ("trước ngày 20/11": the first minutes of 20/11 are already late)
    deployed.fire_due_timers(early_next_day)
    unit_report(case, "xa-xuan-ninh", officers, early_next_day)
    assert case.data()["late_units"] == ["Xã Xuân Ninh"]
