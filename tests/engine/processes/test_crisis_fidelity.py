"""P2 as the plan and the law say (issue 14, items 4–6).

4. The 24-hour initial information comes first: the facts are checked, the statement
   drafted, approved and published while the team decision is still in trình ký; that
   decision goes through document_approval marked hỏa tốc, every step with a short due.
5. A routine assessment hands the gathered data to a P1 press-statement case (started
   in the same command, linked both ways, replayed without a second start).
6. Whether the initial information was on time is computed from the publication time;
   the close-out figures are kept as a case record for the annual report.
"""

from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from engine.errors import InvalidInput
from engine.facade import Policyflow
from engine.store.db import transaction
from engine.store.models import CaseRecord, Instance, OrgUnit
from tests.conftest import NOW
from tests.processes import (
    ASSESS_CRISIS,
    ASSESS_ROUTINE,
    CRISIS_START,
    DISPATCH,
    DRAFT,
    FORMAT_OK,
    REVIEW_OK,
    SIGN_OK,
    Case,
    at,
    start_document,
    utc,
    waiting_timer_count,
)

pytestmark = pytest.mark.usefixtures("every_instance_replays")

INCIDENT_AT = at("2024-10-01T06:30:00+00:00")  # CRISIS_START: 13:30 local
DUE_24H = INCIDENT_AT + timedelta(hours=24)
URGENT_STEP = timedelta(hours=4)  # doc_urgent_step_due
URGENT_DISPATCH = timedelta(hours=2)  # doc_urgent_dispatch_due
TEAM = {"proposal_summary": "Thành lập Tổ", "team_leader": "PCT", "team_members": "VH&TT"}
STATEMENT = {"initial_statement": "Thông tin ban đầu", "initial_channels": "Cổng TTĐT"}
MONITOR = {"situation_summary": "Dư luận lắng dịu", "situation_trend": "calming"}
CLOSEOUT = {
    "closed_at": "2024-10-03T17:00:00+07:00",
    "statements_published": 1,
    "press_conferences": 1,
    "press_requests_answered": 2,
    "fake_news_detected": 3,
    "fake_news_handled": 2,
    "closeout_summary": "Đã xử lý xong",
}


def verify_facts(case: Case, now: datetime) -> None:
    case.act("cong_an", "Verify_police", {"police_findings": "Đã xác minh nguồn tin"}, now)
    case.act("tu_phap", "Verify_department", {"department_findings": "Không có"}, now)
    case.act("xa_xuanbac", "Verify_commune", {"commune_findings": "Trường hoạt động"}, now)


def publish_initial(case: Case, published_at: str, now: datetime) -> None:
    verify_facts(case, now)
    case.act("cv_vhtt", "Draft_statement", STATEMENT, now)
    case.act("ct_ubnd", "Approve_statement", {"initial_approve_decision": "approve"}, now)
    publish = {"initial_published_at": published_at, "initial_publication_ref": "Cổng TTĐT"}
    case.act("tt_vhtttt", "Publish_statement", publish, now)


def due(case: Case, user: str, element: str) -> datetime:
    return utc(case.task(user, element)["due_at"])


def press_statement_count(pf: Policyflow) -> int:
    with transaction(pf.url) as s:
        query = select(func.count()).where(Instance.process_key == "press_statement")
        return int(s.scalar(query) or 0)


# -- item 4 -----------------------------------------------------------------------------


def test_the_initial_information_goes_out_while_the_team_decision_is_in_urgent_trinh_ky(
    deployed: Policyflow,
) -> None:
    case = Case.start(deployed, "crisis_team", "cv_vhtt", CRISIS_START)
    case.act("tp_vhtt", "Assess", ASSESS_CRISIS)  # no standing team
    # Both at once: the facts are checked while the decision is drafted.
    assert case.open() == ["Draft_team", "Verify_commune", "Verify_department", "Verify_police"]
    assert due(case, "cv_vhtt", "Draft_team") == NOW + URGENT_STEP
    for user, element in [("cong_an", "Verify_police"), ("xa_xuanbac", "Verify_commune")]:
        assert due(case, user, element) == DUE_24H
    timers = sorted(utc(x) for x in deployed.show(case.id)["waiting_timers"])
    assert timers == [INCIDENT_AT + timedelta(hours=12), INCIDENT_AT + timedelta(hours=20)]

    case.act("cv_vhtt", "Draft_team", TEAM)
    t1 = NOW + timedelta(hours=1)
    assert due(case, "vp_ubnd", "Vp_review") == NOW + URGENT_STEP
    case.act("vp_ubnd", "Vp_review", {"vp_comments": "Nhất trí"}, t1)
    # The decision's trình ký is hỏa tốc: every step is due hours after it opens.
    assert case.data()["urgency"] == "hoa_toc"
    assert due(case, "cv_vhtt", "Draft") == t1 + URGENT_STEP

    # The initial information is published (17:00 local) before the decision is signed.
    t2 = NOW + timedelta(hours=2)
    publish_initial(case, "2024-10-01T17:00:00+07:00", t2)
    assert case.open() == ["Draft"]  # the monitoring waits for the team
    assert waiting_timer_count(deployed, case.id) == 0  # the reminders went with it
    assert case.data()["statement_on_time"] is True

    steps = [
        ("cv_vhtt", "Draft", DRAFT),
        ("tp_vhtt", "Review", REVIEW_OK),
        ("vp_ubnd", "Format", FORMAT_OK),
        ("pct_ubnd", "Sign", {**SIGN_OK, "signer_position": "pho_chu_tich"}),
    ]
    opened, t = t1, t2  # each step is due hours after the one before it was done
    for user, element, data in steps:
        assert due(case, user, element) == opened + URGENT_STEP, element
        case.act(user, element, data, t)
        opened, t = t, t + timedelta(minutes=30)
    assert due(case, "van_thu", "Dispatch") == opened + URGENT_DISPATCH  # "ngay sau khi ký"
    case.act("van_thu", "Dispatch", DISPATCH, t)
    assert case.open() == ["Monitor"]
    assert case.data()["team_decision_number"] == "01/QĐ-UBND"
    case.assert_audited()


def test_a_document_not_marked_urgent_keeps_the_ordinary_dues(deployed: Policyflow) -> None:
    ordinary = start_document(deployed)
    urgent = Case.start(
        deployed,
        "document_approval",
        "cv_vhtt",
        {"doc_type": "QĐ", "doc_title": "Quyết định hỏa tốc", "urgency": "hoa_toc"},
    )
    assert due(urgent, "cv_vhtt", "Draft") == NOW + URGENT_STEP
    # Ordinary: two working days (Tue 1/10 → end of Thu 3/10), the default of da_start.
    assert due(ordinary, "cv_vhtt", "Draft") == at("2024-10-03T16:59:59+00:00")


# -- item 5 -----------------------------------------------------------------------------


def test_a_routine_assessment_starts_a_press_statement_case_with_the_data(
    deployed: Policyflow,
) -> None:
    case = Case.start(deployed, "crisis_team", "cv_vhtt", CRISIS_START)
    assert press_statement_count(deployed) == 0
    done = case.act("tp_vhtt", "Assess", ASSESS_ROUTINE)
    assert done["status"] == "completed"

    link = case.data()["press_case"]  # P2 names the P1 case it started
    assert link["process_key"] == "press_statement"
    p1 = deployed.show(link["instance_id"])
    assert p1["status"] == "running" and p1["process_key"] == "press_statement"
    assert p1["case_title"] == CRISIS_START["incident_title"]
    data = p1["data"]
    assert data["started_from"] == {  # P1 names the P2 case that started it
        "instance_id": case.id,
        "process_key": "crisis_team",
        "title": CRISIS_START["incident_title"],
    }
    assert data["trigger"] == "unexpected_event"
    assert data["case_title"] == CRISIS_START["incident_title"]
    assert data["event_time"] == CRISIS_START["incident_at"]
    assert CRISIS_START["incident_summary"] in data["summary"]
    assert ASSESS_ROUTINE["assessment_note"] in data["summary"]
    assert data["instance_unit"] == case.data()["instance_unit"]
    assert [t["element_id"] for t in p1["open_tasks"]]  # P1's first step is waiting
    started = deployed.history(link["instance_id"])[0]
    assert (started["command"], started["actor"]) == ("start", "tp_vhtt")
    # Only the start form's fields were passed (the rest is the engine's).
    assert set(started["payload"]["data"]) <= {
        "trigger", "case_title", "summary", "event_time", "press_agency", "press_contact",
        "press_medium", "article_ref", "citizen_issue",
    }  # fmt: skip
    [call] = deployed.history(case.id)[-1]["payload"]["service_calls"]
    assert call["operation"] == "start_process" and call["result"] == link

    # Replaying P2 answers the service from its log: no second P1 case.
    for instance_id in (case.id, link["instance_id"]):
        assert deployed.audit.verify(instance_id)["verified"], instance_id
    assert press_statement_count(deployed) == 1


def test_a_routine_false_report_passes_the_press_details(deployed: Policyflow) -> None:
    case = Case.start(deployed, "crisis_team", "cv_vhtt", CRISIS_START)
    details = {"press_agency": "Báo Nam Định", "article_ref": "https://baonamdinh.vn/x"}
    false_report = {**ASSESS_ROUTINE, "press_trigger": "false_report", **details}
    with pytest.raises(InvalidInput) as refused:  # the medium decides P1's correction watch
        case.act("tp_vhtt", "Assess", false_report)
    assert "press_medium" in refused.value.field_errors
    assert press_statement_count(deployed) == 0
    case.act("tp_vhtt", "Assess", {**false_report, "press_medium": "online"})
    data = deployed.show(case.data()["press_case"]["instance_id"])["data"]
    assert (data["trigger"], data["press_medium"]) == ("false_report", "online")
    assert (data["press_agency"], data["article_ref"]) == (
        details["press_agency"],
        details["article_ref"],
    )


# -- item 6 -----------------------------------------------------------------------------


def run_to_closeout(pf: Policyflow, published_at: str, close_at: datetime) -> Case:
    case = Case.start(pf, "crisis_team", "cv_vhtt", CRISIS_START)
    case.act("tp_vhtt", "Assess", {**ASSESS_CRISIS, "team_exists": "yes"})
    publish_initial(case, published_at, NOW)
    case.act("tt_vhtttt", "Monitor", MONITOR, close_at)
    case.act("ct_ubnd", "Leader_decide", {"leader_decision": "close"}, close_at)
    return case


@pytest.mark.parametrize(
    ("published_at", "on_time"),
    [
        ("2024-10-02T13:30:00+07:00", True),  # exactly 24 h after the incident
        ("2024-10-02T13:31:00+07:00", False),  # a minute late
    ],
)
def test_on_time_is_computed_from_the_publication_time(
    deployed: Policyflow, published_at: str, on_time: bool
) -> None:
    case = run_to_closeout(deployed, published_at, NOW + timedelta(days=2))
    assert case.data()["statement_on_time"] is on_time
    # The close-out no longer asks for it: a declared value is refused.
    with pytest.raises(InvalidInput) as refused:
        case.act("cv_vhtt", "Closeout", {**CLOSEOUT, "statement_on_time": not on_time})
    assert "statement_on_time" in str(refused.value.field_errors)
    case.act("cv_vhtt", "Closeout", CLOSEOUT, NOW + timedelta(days=2))
    assert case.status() == "completed"
    [record] = case_records(deployed, case.id)
    assert record["figures"]["unexpected_events_on_time"] == int(on_time)


def test_the_close_out_keeps_a_case_record_for_the_annual_report(deployed: Policyflow) -> None:
    # Closed at 01:00 local on 1/1/2025 (18:00 UTC on 31/12): the record counts in 2025.
    closing = at("2024-12-31T18:00:00+00:00")
    case = run_to_closeout(deployed, "2024-10-01T18:00:00+07:00", closing)
    case.act("cv_vhtt", "Closeout", CLOSEOUT, closing)
    [record] = case_records(deployed, case.id)
    assert record["kind"] == "crisis" and record["process_key"] == "crisis_team"
    assert record["unit"] == case.data()["instance_unit"]
    assert record["year"] == 2025
    assert record["figures"] == {
        "unexpected_events": 1,
        "unexpected_events_on_time": 1,
        "press_conferences": 1,
        "press_requests_answered": 2,
        "fake_news_detected": 3,
        "fake_news_handled": 2,
    }
    ar_fields = set(load_form("ar_unit_report.json")["properties"])
    assert set(record["figures"]) <= ar_fields  # the P3 report's indicator keys
    [call] = deployed.history(case.id)[-1]["payload"]["service_calls"]
    assert call["operation"] == "record_case"  # recorded: a replay writes no second record
    assert deployed.audit.verify(case.id)["verified"]
    assert len(case_records(deployed, case.id)) == 1


def case_records(pf: Policyflow, instance_id: int) -> list[dict]:
    with transaction(pf.url) as s:
        rows = s.execute(
            select(CaseRecord, OrgUnit.code)
            .join(OrgUnit, OrgUnit.id == CaseRecord.unit_id)
            .where(CaseRecord.instance_id == instance_id)
        ).all()
        return [
            {
                "kind": r.kind,
                "process_key": r.process_key,
                "unit": code,
                "year": r.year,
                "figures": r.figures,
            }
            for r, code in rows
        ]


def load_form(name: str) -> dict:
    import json
    from pathlib import Path

    path = Path(__file__).resolve().parents[3] / "workflows" / "forms" / name
    return json.loads(path.read_text(encoding="utf-8"))
