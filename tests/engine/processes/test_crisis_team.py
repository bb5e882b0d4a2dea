"""P2, the crisis-communication team (crisis_team.bpmn) end to end: a routine case, the
full run (the initial information beside the team decision's urgent trình ký), the
leaders' 12 h and 20 h reminders. tests/engine/processes/test_crisis_fidelity.py holds
issue 14's items 4–6 in detail.

Each test plays the people of the district (tests/processes.py drives the instances):
it finds the task in the right person's inbox, submits form data that satisfies the
task's JSON Schema, moves the clock with `now=` and fires timers with
`fire_due_timers`. After a full run the audit chain must be intact and its actors must
be exactly the people who acted.
"""

from datetime import datetime, timedelta

import pytest

from engine.errors import NotFound
from engine.facade import Policyflow
from tests.conftest import NOW
from tests.processes import (
    ASSESS_CRISIS,
    ASSESS_ROUTINE,
    CRISIS_START,
    DISPATCH,
    DRAFT,
    FORMAT_OK,
    LEADERS,
    REVIEW_OK,
    SIGN_OK,
    Case,
    at,
    inbox,
    notifications,
    utc,
    waiting_timer_count,
)

# Each instance a test leaves must re-execute exactly from its audit log (issue 6).
pytestmark = pytest.mark.usefixtures("every_instance_replays")


INCIDENT_AT = at("2024-10-01T06:30:00+00:00")  # 13:30 local, 1 h 30 before NOW
DUE_24H = INCIDENT_AT + timedelta(hours=24)


def verify_all(case: Case, now: datetime = NOW) -> None:
    case.act("cong_an", "Verify_police", {"police_findings": "Đã xác minh nguồn tin"}, now)
    case.act("tu_phap", "Verify_department", {"department_findings": "Không có quyết định"}, now)
    case.act("xa_xuanbac", "Verify_commune", {"commune_findings": "Trường vẫn hoạt động"}, now)


def test_crisis_routine_hands_over_to_a_press_statement_case(deployed: Policyflow) -> None:
    case = Case.start(deployed, "crisis_team", "cv_vhtt", CRISIS_START)
    assess = case.task("tp_vhtt", "Assess")
    assert utc(assess["due_at"]) == DUE_24H
    done = case.act("tp_vhtt", "Assess", ASSESS_ROUTINE)
    # P2 ends at once; the gathered data lives on in a P1 case (issue 14 item 5).
    assert done["status"] == "completed" and done["open_tasks"] == []
    assert waiting_timer_count(deployed, case.id) == 0
    press = case.data()["press_case"]
    assert press["process_key"] == "press_statement"
    assert deployed.show(press["instance_id"])["status"] == "running"
    case.assert_audited()


def test_crisis_full_run(deployed: Policyflow) -> None:
    case = Case.start(deployed, "crisis_team", "cv_vhtt", CRISIS_START)
    t = NOW
    case.act("tp_vhtt", "Assess", ASSESS_CRISIS, t)
    # The facts are checked at once, beside the team decision (issue 14 item 4).
    assert case.open() == ["Draft_team", "Verify_commune", "Verify_department", "Verify_police"]
    case.act(
        "cv_vhtt",
        "Draft_team",
        {
            "proposal_summary": "Thành lập Tổ công tác",
            "team_leader": "Phó Chủ tịch UBND huyện",
            "team_members": "VH&TT, Công an, Tư pháp, UBND xã Xuân Bắc",
        },
        t,
    )
    case.act("vp_ubnd", "Vp_review", {"vp_comments": "Nhất trí"}, t)
    # The called document_approval: its tasks belong to this instance.
    assert case.open() == ["Draft", "Verify_commune", "Verify_department", "Verify_police"]
    draft = case.task("cv_vhtt", "Draft")
    assert draft["process_key"] == "crisis_team" and draft["form"] == "da_draft.json"
    case.act("cv_vhtt", "Draft", DRAFT, t)
    case.act("tp_vhtt", "Review", REVIEW_OK, t)
    case.act("vp_ubnd", "Format", FORMAT_OK, t)
    case.act("pct_ubnd", "Sign", {**SIGN_OK, "signer_position": "pho_chu_tich"}, t)
    case.act("van_thu", "Dispatch", DISPATCH, t)

    assert case.open() == ["Verify_commune", "Verify_department", "Verify_police"]
    signed = [e for e in deployed.history(case.id) if e["payload"].get("element_id") == "Sign"]
    [call] = signed[-1]["payload"]["service_calls"]  # the number, recorded for replay
    assert call["operation"] == "register_document"  # the register (issue 14 item 11)
    assert call["params"]["doc_type"] == "QĐ" and call["result"]["symbol"] == "01/QĐ-UBND"
    department = case.task("tu_phap", "Verify_department")
    commune = case.task("xa_xuanbac", "Verify_commune")
    assert (department["unit"], department["scope"]) == ("phong-tu-phap", "unit")
    assert (commune["unit"], commune["scope"]) == ("xa-tra-lu", "unit")
    for task in (department, commune, case.task("cong_an", "Verify_police")):
        assert utc(task["due_at"]) == DUE_24H
    # Only the concerned department's and the affected commune's officers see theirs.
    assert [x["element_id"] for x in inbox(deployed, "tu_phap", case.id)] == ["Verify_department"]
    assert [x["element_id"] for x in inbox(deployed, "xa_xuanbac", case.id)] == ["Verify_commune"]
    assert [x["element_id"] for x in inbox(deployed, "cong_an", case.id)] == ["Verify_police"]
    for outsider in ("xa_xuanninh", "cv_vhtt", "tp_vhtt"):
        assert inbox(deployed, outsider, case.id) == [], outsider
    with pytest.raises(NotFound):
        deployed.complete(commune["id"], "xa_xuanninh", {"commune_findings": "x"}, now=t)
    with pytest.raises(NotFound):  # another department's don_vi does not even see it
        deployed.complete(department["id"], "cv_vhtt", {"department_findings": "x"}, now=t)
    with pytest.raises(NotFound):  # nor does the department officer see the commune's
        deployed.complete(commune["id"], "tu_phap", {"commune_findings": "x"}, now=t)
    verify_all(case, t)

    assert case.open() == ["Draft_statement"]
    statement = {"initial_statement": "Thông tin ban đầu", "initial_channels": "Cổng TTĐT"}
    case.act("cv_vhtt", "Draft_statement", statement, t)
    assert utc(case.task("ct_ubnd", "Approve_statement")["due_at"]) == DUE_24H
    case.act(
        "ct_ubnd",
        "Approve_statement",
        {"initial_approve_decision": "return", "initial_approve_comments": "Nêu rõ nguồn"},
        t,
    )
    assert case.open() == ["Draft_statement"]
    case.act("cv_vhtt", "Draft_statement", statement, t)
    case.act("ct_ubnd", "Approve_statement", {"initial_approve_decision": "approve"}, t)
    publish = {"initial_published_at": "2024-10-01T18:00:00+07:00", "initial_publication_ref": "x"}
    case.act("tt_vhtttt", "Publish_statement", publish, t)
    assert waiting_timer_count(deployed, case.id) == 0  # reminders went with the sub-process
    assert notifications(deployed, case.id) == []  # published before any reminder was due

    monitor = {"situation_summary": "Dư luận còn quan tâm", "situation_trend": "ongoing"}
    case.act("tt_vhtttt", "Monitor", monitor, t)
    case.act("ct_ubnd", "Leader_decide", {"leader_decision": "update"}, t)
    case.act("cv_vhtt", "Draft_update", {"update_statement": "Cập nhật lần 1"}, t)
    case.act(
        "pct_ubnd",
        "Approve_update",
        {"update_approve_decision": "return", "update_approve_comments": "Thêm số liệu"},
        t,
    )
    assert case.open() == ["Draft_update"]
    case.act("cv_vhtt", "Draft_update", {"update_statement": "Cập nhật lần 1 (sửa)"}, t)
    case.act("pct_ubnd", "Approve_update", {"update_approve_decision": "approve"}, t)
    case.act(
        "tt_vhtttt",
        "Publish_update",
        {"update_published_at": "2024-10-02T09:00:00+07:00", "update_publication_ref": "y"},
        t,
    )
    assert case.open() == ["Monitor"]
    case.act("tt_vhtttt", "Monitor", {**monitor, "situation_trend": "escalating"}, t)
    case.act("ct_ubnd", "Leader_decide", {"leader_decision": "escalate"}, t)
    escalate = case.task("cv_vhtt", "Escalate")
    assert escalate["due_at"] is not None
    case.act(
        "cv_vhtt",
        "Escalate",
        {
            "escalated_to": ["ubnd_tinh", "so_tttt"],
            "escalation_ref": "140/BC-UBND",
            "escalation_content": "Báo cáo diễn biến",
        },
        t,
    )
    assert case.open() == ["Monitor"]
    case.act("tt_vhtttt", "Monitor", {**monitor, "situation_trend": "calming"}, t)
    case.act("ct_ubnd", "Leader_decide", {"leader_decision": "continue"}, t)
    assert case.open() == ["Monitor"]
    case.act("tt_vhtttt", "Monitor", {**monitor, "situation_trend": "calming"}, t)
    case.act("ct_ubnd", "Leader_decide", {"leader_decision": "close"}, t)
    assert case.open() == ["Closeout"]
    done = case.act(
        "cv_vhtt",
        "Closeout",
        {
            "closed_at": "2024-10-03T17:00:00+07:00",
            "statements_published": 2,
            "press_conferences": 0,
            "press_requests_answered": 1,
            "fake_news_detected": 1,
            "fake_news_handled": 1,
            "closeout_summary": "Đã xử lý xong",
        },
        t,
    )
    assert done["status"] == "completed"
    data = case.data()
    assert data["team_decision_number"] == "01/QĐ-UBND"
    assert data["doc_number"] == "01/QĐ-UBND" and data["revision_count"] == 0
    assert data["statements_published"] == 2
    assert data["statement_on_time"] is True  # published 18:00, 4 h 30 after the incident
    case.assert_audited()


def test_crisis_reminders_reach_the_leaders_at_12_and_20_hours(deployed: Policyflow) -> None:
    case = Case.start(deployed, "crisis_team", "cv_vhtt", CRISIS_START)
    case.act("tp_vhtt", "Assess", {**ASSESS_CRISIS, "team_exists": "yes"})
    assert case.open() == ["Verify_commune", "Verify_department", "Verify_police"]
    timers = sorted(utc(x) for x in deployed.show(case.id)["waiting_timers"])
    assert timers == [INCIDENT_AT + timedelta(hours=12), INCIDENT_AT + timedelta(hours=20)]

    assert deployed.fire_due_timers(INCIDENT_AT + timedelta(hours=12, seconds=-1)) == {}
    assert notifications(deployed, case.id) == []
    assert list(deployed.fire_due_timers(INCIDENT_AT + timedelta(hours=12, seconds=1))) == [case.id]
    first = notifications(deployed, case.id)
    assert sorted(u for u, _ in first) == sorted(LEADERS)
    assert all(CRISIS_START["incident_title"] in m for _, m in first)
    assert deployed.fire_due_timers(INCIDENT_AT + timedelta(hours=19)) == {}
    assert len(notifications(deployed, case.id)) == 2

    late = INCIDENT_AT + timedelta(hours=20, seconds=1)
    assert list(deployed.fire_due_timers(late)) == [case.id]
    assert sorted(u for u, _ in notifications(deployed, case.id)) == sorted(LEADERS * 2)
    assert waiting_timer_count(deployed, case.id) == 0

    verify_all(case, late)
    case.act(
        "cv_vhtt",
        "Draft_statement",
        {"initial_statement": "Thông tin ban đầu", "initial_channels": "Cổng TTĐT"},
        late,
    )
    case.act("ct_ubnd", "Approve_statement", {"initial_approve_decision": "approve"}, late)
    publish = {"initial_published_at": "2024-10-02T04:00:00+07:00", "initial_publication_ref": "z"}
    case.act("tt_vhtttt", "Publish_statement", publish, late)
    assert case.open() == ["Monitor"]
    assert "team_decision_number" not in case.data()  # a standing team: no new decision
    case.assert_audited()
