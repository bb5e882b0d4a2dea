"""P1, press statements (press_statement.bpmn) end to end: the main path, the deputy's
authorisation, refusals, returns, the legal deadlines, false reports and their watch.

Each test plays the people of the district (tests/processes.py drives the instances):
it finds the task in the right person's inbox, submits form data that satisfies the
task's JSON Schema, moves the clock with `now=` and fires timers with
`fire_due_timers`. After a full run the audit chain must be intact and its actors must
be exactly the people who acted.
"""

from datetime import datetime, timedelta

import pytest

from engine.errors import InvalidInput
from engine.facade import Policyflow
from tests.conftest import NOW
from tests.processes import (
    AUTHORISE,
    FACTS,
    FACTS_DEADLINE,
    LEADERS,
    PROVIDE,
    PUBLISH,
    REFUSE,
    REGISTER,
    REQUEST_FACTS,
    S_APPROVE_BACK,
    S_APPROVE_OK,
    S_REVIEW_BACK,
    S_REVIEW_OK,
    STATEMENT,
    Case,
    at,
    handle_request,
    inbox,
    notifications,
    press_start,
    statement_through,
    utc,
    waiting_timer_count,
)

# Each instance a test leaves must re-execute exactly from its audit log (issue 6).
pytestmark = pytest.mark.usefixtures("every_instance_replays")


def test_press_request_main_path(deployed: Policyflow) -> None:
    case = Case.start(deployed, "press_statement", "cv_vhtt", press_start())
    assert case.open() == ["Register"]
    case.act("cv_vhtt", "Register", REGISTER)
    data = case.data()
    assert data["deadline_rule"] == "5WD"  # a press question: the local working-day rule
    # 5 working days after Tuesday 1 Oct 2024: Tuesday 8 Oct, end of day local, fixed now.
    answer = at("2024-10-08T16:59:59+00:00")
    assert utc(data["answer_due_at"]) == answer
    # Warned 20 h before that deadline.
    assert [utc(x) for x in deployed.show(case.id)["waiting_timers"]] == [
        answer - timedelta(hours=20)
    ]
    assert case.open() == ["Request_facts"]
    request = case.task("ct_ubnd", "Request_facts")
    # Assigning the unit: by the end of the next working day (Wednesday 2 Oct).
    assert utc(request["due_at"]) == at("2024-10-02T16:59:59+00:00")
    case.act("ct_ubnd", "Request_facts", REQUEST_FACTS)
    provide = case.task("tu_phap", "Provide_facts")
    assert provide["unit"] == "phong-tu-phap" and provide["scope"] == "unit"
    assert utc(provide["due_at"]) == at(FACTS_DEADLINE)
    for outsider in ("cv_vhtt", "cong_an", "xa_xuanbac"):  # don_vi elsewhere: not theirs
        assert inbox(deployed, outsider, case.id) == []
    case.act("tu_phap", "Provide_facts", FACTS)
    case.act("ct_ubnd", "Decide", PROVIDE)
    assert case.open() == ["Draft"]
    statement_through(case)
    assert case.status() == "completed"
    record = case.data()["case_record"]
    assert record["provided"] is True and record["authorised"] is False
    assert record["statement_form"] == "portal_post" and record["trigger"] == "press_request"
    assert waiting_timer_count(deployed, case.id) == 0  # the warning timer went with Handle
    case.assert_audited()


def test_press_authorisation_when_the_chairman_is_unavailable(deployed: Policyflow) -> None:
    case = Case.start(deployed, "press_statement", "cv_vhtt", press_start())
    case.act("cv_vhtt", "Register", {**REGISTER, "chairman_available": "unavailable"})
    assert case.open() == ["Authorise"]
    assert inbox(deployed, "tt_vhtttt", case.id) == []
    case.act("ct_ubnd", "Authorise", AUTHORISE)
    publish_auth = case.task("tt_vhtttt", "Publish_auth")
    # 12 h after signing (16:00 local = 09:00 UTC).
    assert utc(publish_auth["due_at"]) == at("2024-10-01T21:00:00+00:00")
    assert case.open() == ["Publish_auth"]  # nothing is handled before it is published
    case.act(
        "tt_vhtttt",
        "Publish_auth",
        {
            "authorisation_published_at": "2024-10-01T18:00:00+07:00",
            "authorisation_url": "https://xuantruong.namdinh.gov.vn/uy-quyen/15",
        },
    )
    assert case.open() == ["Request_facts"]
    handle_request(case, spokesperson="pct_ubnd")
    statement_through(case, spokesperson="pct_ubnd")
    assert case.status() == "completed"
    assert case.data()["case_record"]["authorised"] is True
    case.assert_audited()


def test_press_refusal_ends_with_a_written_refusal(deployed: Policyflow) -> None:
    case = Case.start(deployed, "press_statement", "cv_vhtt", press_start())
    case.act("cv_vhtt", "Register", REGISTER)
    handle_request(case, decision=REFUSE)
    assert case.open() == ["Refusal"]
    done = case.act("pct_ubnd", "Refusal", {"refusal_sent_at": "2024-10-02T09:00:00+07:00"})
    assert done["status"] == "completed"
    assert case.data()["refusal_letter_number"]  # from the register (test_press_deadline.py)
    record = case.data()["case_record"]
    assert record["provided"] is False and record["statement_form"] is None
    case.assert_audited()


def test_press_refusal_needs_ground_and_reason(deployed: Policyflow) -> None:
    case = Case.start(deployed, "press_statement", "cv_vhtt", press_start())
    case.act("cv_vhtt", "Register", REGISTER)
    case.act("ct_ubnd", "Request_facts", REQUEST_FACTS)
    case.act("tu_phap", "Provide_facts", FACTS)
    decide = case.task("ct_ubnd", "Decide")
    with pytest.raises(InvalidInput) as err:
        deployed.complete(decide["id"], "ct_ubnd", {**REFUSE, "refusal_reason": None}, now=NOW)
    assert "refusal_reason" in err.value.field_errors
    with pytest.raises(InvalidInput) as err:  # providing needs the statement form
        deployed.complete(
            decide["id"], "ct_ubnd", {"provide_decision": "provide", "spokesperson_name": "x"}
        )
    assert set(err.value.field_errors) == {"statement_form"}


def test_press_review_and_approval_returns_go_back_to_drafting(deployed: Policyflow) -> None:
    case = Case.start(deployed, "press_statement", "cv_vhtt", press_start())
    case.act("cv_vhtt", "Register", REGISTER)
    handle_request(case)
    case.act("cv_vhtt", "Draft", STATEMENT)
    case.act("tp_vhtt", "Review", S_REVIEW_BACK)
    assert case.open() == ["Draft"]
    case.act("cv_vhtt", "Draft", {**STATEMENT, "statement_explanation": "Đã rút gọn"})
    case.act("tp_vhtt", "Review", S_REVIEW_OK)
    case.act("ct_ubnd", "Approve", S_APPROVE_BACK)
    assert case.open() == ["Draft"]
    draft = case.task("cv_vhtt", "Draft")
    assert draft["due_at"] is not None
    statement_through(case)
    assert case.status() == "completed"
    case.assert_audited()


def test_press_citizen_issue_has_30_days(deployed: Policyflow) -> None:
    case = Case.start(deployed, "press_statement", "cv_vhtt", press_start(citizen_issue=True))
    case.act("cv_vhtt", "Register", REGISTER)
    # Luật Báo chí Điều 39: 30 days from receipt (1 Oct), to the end of 31 Oct (a working day).
    due = at("2024-10-31T16:59:59+00:00")
    data = case.data()
    assert data["deadline_rule"] == "P30D" and utc(data["answer_due_at"]) == due
    case.act("ct_ubnd", "Request_facts", REQUEST_FACTS)
    case.act("tu_phap", "Provide_facts", FACTS)
    assert utc(case.task("ct_ubnd", "Decide")["due_at"]) == due
    assert [utc(x) for x in deployed.show(case.id)["waiting_timers"]] == [due - timedelta(hours=20)]


def false_report_until_the_watch(deployed: Policyflow, medium: str) -> tuple[Case, datetime]:
    start = press_start("false_report", press_medium=medium, article_ref="Bài 'Xuân Bắc...'")
    case = Case.start(deployed, "press_statement", "cv_vhtt", start)
    case.act("cv_vhtt", "Register", REGISTER)
    handle_request(case, decision={**PROVIDE, "statement_form": "correction_request"})
    published = NOW + timedelta(hours=3)
    done = statement_through(case, now=published)
    assert done["status"] == "running" and done["open_tasks"] == []
    return case, published


def test_false_report_corrected_online(deployed: Policyflow) -> None:
    case, published = false_report_until_the_watch(deployed, "online")
    shown = deployed.show(case.id)
    due = published + timedelta(hours=1)  # p1_correction_watch_online
    assert [utc(t) for t in shown["waiting_timers"]] == [due]
    assert deployed.fire_due_timers(due - timedelta(seconds=1)) == {}
    fired = deployed.fire_due_timers(due + timedelta(seconds=1))
    assert list(fired) == [case.id]
    assert case.open() == ["Check_correction"]
    done = case.act(
        "tt_vhtttt",
        "Check_correction",
        {"correction_status": "corrected", "correction_ref": "Báo Nam Định đã cải chính"},
        due + timedelta(minutes=5),
    )
    assert done["status"] == "completed"
    assert case.data()["case_record"]["statement_form"] == "correction_request"
    case.assert_audited()


def test_false_report_not_corrected_in_print_is_escalated(deployed: Policyflow) -> None:
    case, published = false_report_until_the_watch(deployed, "print")
    due = published + timedelta(days=2)  # p1_correction_watch_print
    assert [utc(t) for t in deployed.show(case.id)["waiting_timers"]] == [due]
    assert deployed.fire_due_timers(due - timedelta(minutes=1)) == {}
    assert list(deployed.fire_due_timers(due + timedelta(seconds=1))) == [case.id]
    checked = due + timedelta(minutes=30)
    case.act("tt_vhtttt", "Check_correction", {"correction_status": "not_corrected"}, checked)
    assert case.open() == ["Escalate"]
    escalate = case.task("cv_vhtt", "Escalate")
    assert escalate["due_at"] is not None
    done = case.act(
        "cv_vhtt",
        "Escalate",
        {
            "escalated_to": "Sở Thông tin và Truyền thông tỉnh Nam Định",
            "escalation_date": "2024-10-04",
        },
        due + timedelta(hours=1),
    )
    assert done["status"] == "completed"
    assert case.data()["escalation_ref"].endswith("/BC-UBND")  # numbered, not typed
    case.assert_audited()


def test_unexpected_event_deadline_and_warning(deployed: Policyflow) -> None:
    event = at("2024-10-01T07:00:00+00:00")  # 14:00 local
    case = Case.start(deployed, "press_statement", "cv_vhtt", press_start("unexpected_event"))
    case.act("cv_vhtt", "Register", REGISTER)
    data = case.data()
    assert utc(data["escalate_at"]) == event + timedelta(hours=4)  # 24 h - 20 h
    assert utc(data["answer_due_at"]) == event + timedelta(hours=24)
    request = case.task("pct_ubnd", "Request_facts")
    assert utc(request["due_at"]) == event + timedelta(hours=4)  # assign within 4 hours
    assert event + timedelta(hours=4) in [utc(t) for t in deployed.show(case.id)["waiting_timers"]]

    # The warning: not a second before 4 h after the event, then to both leaders.
    assert deployed.fire_due_timers(event + timedelta(hours=4, seconds=-1)) == {}
    assert notifications(deployed, case.id) == []
    warn_at = event + timedelta(hours=4, seconds=1)
    assert list(deployed.fire_due_timers(warn_at)) == [case.id]
    sent = notifications(deployed, case.id)
    assert sorted(u for u, _ in sent) == LEADERS
    assert all("PN-2024-015" in m and "Xuân Bắc" in m for _, m in sent)
    assert deployed.fire_due_timers(event + timedelta(hours=23)) == {}  # only once
    assert len(notifications(deployed, case.id)) == 2
    assert case.open() == ["Request_facts"]  # non-interrupting: the work goes on

    later = warn_at + timedelta(hours=1)
    facts_by = {**REQUEST_FACTS, "facts_deadline": "2024-10-02T08:00:00+07:00"}  # within 24 h
    case.act("ct_ubnd", "Request_facts", facts_by, later)
    case.act("tu_phap", "Provide_facts", FACTS, later)
    decide = case.task("ct_ubnd", "Decide")
    assert utc(decide["due_at"]) == event + timedelta(hours=24)  # not from when it opened
    case.act("ct_ubnd", "Decide", PROVIDE, later)
    steps = [  # draft and review 4 h before the deadline, the approval by it
        ("cv_vhtt", "Draft", STATEMENT, 20),
        ("tp_vhtt", "Review", S_REVIEW_OK, 20),
        ("ct_ubnd", "Approve", S_APPROVE_OK, 24),
    ]
    for user, element, form, hours in steps:
        assert utc(case.task(user, element)["due_at"]) == event + timedelta(hours=hours)
        case.act(user, element, form, later)
    publish = case.task("tt_vhtttt", "Publish")
    assert utc(publish["due_at"]) == event + timedelta(hours=24)
    case.act("tt_vhtttt", "Publish", PUBLISH, later)
    assert case.status() == "completed"
    case.assert_audited()


def test_show_includes_data_entered_inside_a_running_subprocess(deployed: Policyflow) -> None:
    case = Case.start(deployed, "press_statement", "cv_vhtt", press_start())
    case.act("cv_vhtt", "Register", REGISTER)
    handle_request(case)  # all inside the sub-process "Handle"
    case.act("cv_vhtt", "Draft", STATEMENT)
    case.act("tp_vhtt", "Review", S_REVIEW_BACK)
    data = case.data()
    assert data["case_number"] == "PN-2024-015"  # entered before the sub-process: shown
    assert data["fact_unit"] == "phong-tu-phap"
    assert data["statement_review_comments"] == "Ngắn gọn"


def test_a_timer_is_reported_fired_only_when_it_fired(deployed: Policyflow) -> None:
    """Regression: at the exact due instant the engine reported a timer the library kept."""
    case, published = false_report_until_the_watch(deployed, "online")
    due = published + timedelta(hours=1)
    events = len(deployed.history(case.id))
    assert deployed.fire_due_timers(due) == {}  # the library fires strictly after due
    assert len(deployed.history(case.id)) == events  # and no empty "timer" event is written
    fired = deployed.fire_due_timers(due + timedelta(microseconds=1))
    assert list(fired) == [case.id]
    assert case.open() == ["Check_correction"]
