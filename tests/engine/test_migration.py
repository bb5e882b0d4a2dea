"""Moving running instances to a newer version: dry run, suspension, the move, replay.

The versions are press_statement (P1) edited as a process owner would: a legal check
inserted after the draft, the draft handed to another lane, the draft removed. Every
instance a test leaves must still re-execute from its log (migration included).
"""

import json
from datetime import timedelta

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from cli.main import main
from engine.errors import PermissionDenied
from engine.facade import Policyflow
from engine.store.db import transaction
from engine.store.models import Timer, WorkItem
from tests.conftest import NOW, WORKFLOWS
from tests.processes import (
    AR_START,
    ASSESS_CRISIS,
    CRISIS_START,
    DISPATCH,
    DRAFT,
    FORMAT_OK,
    REGISTER,
    REVIEW_OK,
    S_REVIEW_OK,
    SIGN_OK,
    STATEMENT,
    UNIT_FIGURES,
    Case,
    ensure_unit_officers,
    handle_request,
    press_start,
    statement_through,
)

pytestmark = pytest.mark.usefixtures("every_instance_replays")

P1 = (WORKFLOWS / "press_statement.bpmn").read_text(encoding="utf-8")
OWNER = "chu_quy_trinh"
LATER = NOW + timedelta(hours=1)


def edit(xml: str, *pairs: tuple[str, str]) -> str:
    for old, new in pairs:
        assert xml.count(old) == 1, old
        xml = xml.replace(old, new)
    return xml


def with_legal_check(xml: str = P1) -> str:
    """A user task 'Kiểm tra pháp lý' in the head of department's lane after the draft."""
    return edit(
        xml,
        (
            "<bpmn:flowNodeRef>Review</bpmn:flowNodeRef>",
            "<bpmn:flowNodeRef>Check_legal</bpmn:flowNodeRef>"
            "<bpmn:flowNodeRef>Review</bpmn:flowNodeRef>",
        ),
        (
            '<bpmn:sequenceFlow id="Flow_Draft_Review" sourceRef="Draft" targetRef="Review"/>',
            '<bpmn:sequenceFlow id="Flow_Draft_Review" sourceRef="Draft" targetRef="Check_legal"/>'
            '<bpmn:sequenceFlow id="Flow_Check_Review" sourceRef="Check_legal" '
            'targetRef="Review"/>',
        ),
        (
            "<bpmn:incoming>Flow_Draft_Review</bpmn:incoming>",
            "<bpmn:incoming>Flow_Check_Review</bpmn:incoming>",
        ),
        (
            '<bpmn:userTask id="Review"',
            '<bpmn:userTask id="Check_legal" name="Kiểm tra pháp lý"><bpmn:extensionElements>'
            '<spiffworkflow:properties><spiffworkflow:property name="formJsonSchemaFilename" '
            'value="ps_review.json"/></spiffworkflow:properties></bpmn:extensionElements>'
            "<bpmn:incoming>Flow_Draft_Review</bpmn:incoming>"
            "<bpmn:outgoing>Flow_Check_Review</bpmn:outgoing></bpmn:userTask>"
            '<bpmn:userTask id="Review"',
        ),
        (
            '<bpmndi:BPMNShape id="Review_di" bpmnElement="Review">',
            '<bpmndi:BPMNShape id="Check_legal_di" bpmnElement="Check_legal">'
            '<dc:Bounds x="2200" y="140" width="100" height="80"/></bpmndi:BPMNShape>'
            '<bpmndi:BPMNShape id="Review_di" bpmnElement="Review">',
        ),
    )


def draft_by_head_of_department(xml: str = P1) -> str:
    """The draft moves from the specialist's lane to the head of department's."""
    return edit(
        xml,
        ("<bpmn:flowNodeRef>Draft</bpmn:flowNodeRef>\n", ""),
        (
            "<bpmn:flowNodeRef>Review</bpmn:flowNodeRef>",
            "<bpmn:flowNodeRef>Draft</bpmn:flowNodeRef><bpmn:flowNodeRef>Review</bpmn:flowNodeRef>",
        ),
    )


def without_draft(xml: str = P1) -> str:
    """No draft any more: the merge leads straight to the review."""
    start = xml.index('<bpmn:userTask id="Draft"')
    end = xml.index("</bpmn:userTask>", start) + len("</bpmn:userTask>")
    xml = xml[:start] + xml[end:]
    return edit(
        xml,
        ("<bpmn:flowNodeRef>Draft</bpmn:flowNodeRef>\n", ""),
        (
            '<bpmn:sequenceFlow id="Flow_Merge_draft_Draft" sourceRef="Merge_draft" '
            'targetRef="Draft"/>',
            '<bpmn:sequenceFlow id="Flow_Merge_draft_Draft" sourceRef="Merge_draft" '
            'targetRef="Review"/>',
        ),
        ('<bpmn:sequenceFlow id="Flow_Draft_Review" sourceRef="Draft" targetRef="Review"/>', ""),
        (
            "<bpmn:incoming>Flow_Draft_Review</bpmn:incoming>",
            "<bpmn:incoming>Flow_Merge_draft_Draft</bpmn:incoming>",
        ),
        ('<bpmndi:BPMNEdge id="Flow_Draft_Review_di"', '<bpmndi:BPMNEdge id="Gone_di"'),
    )


def with_archive_after_handling(xml: str = P1) -> str:
    """A top-level user task 'Lưu hồ sơ' after the request-handling sub-process."""
    return edit(
        xml,
        (
            '<bpmn:sequenceFlow id="Flow_Handle_Gw_outcome" sourceRef="Handle" '
            'targetRef="Gw_outcome"/>',
            '<bpmn:sequenceFlow id="Flow_Handle_Gw_outcome" sourceRef="Handle" '
            'targetRef="Archive"/><bpmn:sequenceFlow id="Flow_Archive_Gw_outcome" '
            'sourceRef="Archive" targetRef="Gw_outcome"/><bpmn:userTask id="Archive" '
            'name="Lưu hồ sơ"><bpmn:incoming>Flow_Handle_Gw_outcome</bpmn:incoming>'
            "<bpmn:outgoing>Flow_Archive_Gw_outcome</bpmn:outgoing></bpmn:userTask>",
        ),
        (
            "<bpmn:flowNodeRef>Register</bpmn:flowNodeRef>",
            "<bpmn:flowNodeRef>Register</bpmn:flowNodeRef>"
            "<bpmn:flowNodeRef>Archive</bpmn:flowNodeRef>",
        ),
    )


def deploy(pf: Policyflow, xml: str, comment: str = "") -> int:
    return pf.deploy(xml, None, OWNER, comment, now=NOW)["version"]


def at_draft(pf: Policyflow) -> Case:
    case = Case.start(pf, "press_statement", "cv_vhtt", press_start())
    case.act("cv_vhtt", "Register", REGISTER)
    handle_request(case)
    assert case.open() == ["Draft"]
    return case


def rows_by_id(plan: dict) -> dict[int, dict]:
    return {row["instance_id"]: row for row in plan["instances"]}


def test_the_dry_run_says_which_instances_can_move_and_why_not(deployed: Policyflow) -> None:
    drafting = at_draft(deployed)
    registering = Case.start(deployed, "press_statement", "cv_vhtt", press_start())
    finished = at_draft(deployed)
    statement_through(finished)
    assert deploy(deployed, without_draft()) == 2

    plan = deployed.moves.plan("press_statement", username=OWNER)
    assert plan["to_version"] == 2
    rows = rows_by_id(plan)
    assert set(rows) == {drafting.id, registering.id}  # unfinished ones only
    assert rows[registering.id]["movable"] and rows[registering.id]["needs_suspend"]
    assert rows[registering.id]["from_version"] == 1
    blocked = rows[drafting.id]
    assert not blocked["movable"]
    assert blocked["reasons"] == [
        "Bước 'Dự thảo nội dung phát ngôn' (Draft, đang chờ xử lý) không còn trong phiên bản 2."
    ]
    asked = rows_by_id(deployed.moves.plan("press_statement", 2, [finished.id], OWNER))
    assert asked[finished.id]["reasons"] == ["Hồ sơ đã kết thúc (completed)."]
    assert rows_by_id(deployed.moves.plan("press_statement", 1, [registering.id], OWNER))[
        registering.id
    ]["reasons"] == ["Hồ sơ đang ở phiên bản 1, không cũ hơn phiên bản 1."]
    with pytest.raises(PermissionDenied):
        deployed.moves.plan("press_statement", username="cv_vhtt")
    # A dry run writes nothing.
    assert deployed.show(drafting.id)["version"] == 1
    assert [e["command"] for e in deployed.history(registering.id)] == ["start"]


def test_a_suspended_instance_moves_and_goes_through_the_new_step(deployed: Policyflow) -> None:
    moved, stays = at_draft(deployed), at_draft(deployed)
    draft_item = moved.task("cv_vhtt", "Draft")["id"]
    assert deploy(deployed, with_legal_check(), "Thêm bước kiểm tra pháp lý") == 2

    refused = deployed.moves.migrate("press_statement", [moved.id], OWNER)
    assert refused == [
        {
            "instance_id": moved.id,
            "ok": False,
            "error": f"Hãy tạm dừng hồ sơ {moved.id} trước khi chuyển phiên bản.",
        }
    ]
    assert deployed.moves.suspend([moved.id], OWNER, now=LATER)[0]["status"] == "suspended"
    result = deployed.moves.migrate(
        "press_statement", [moved.id], OWNER, comment="Áp dụng quy định mới", resume=True, now=LATER
    )
    assert result == [{"instance_id": moved.id, "ok": True, "status": "running"}]
    assert deployed.show(moved.id)["version"] == 2
    event = next(e for e in deployed.history(moved.id) if e["command"] == "migrate")
    assert event["actor"] == OWNER
    assert {k: event["payload"][k] for k in ("from_version", "to_version", "comment")} == {
        "from_version": 1,
        "to_version": 2,
        "comment": "Áp dụng quy định mới",
    }
    # The open draft is the same work item; completing it leads to the new step.
    assert moved.task("cv_vhtt", "Draft")["id"] == draft_item
    moved.act("cv_vhtt", "Draft", STATEMENT)
    assert moved.open() == ["Check_legal"]
    moved.act("tp_vhtt", "Check_legal", S_REVIEW_OK)
    assert moved.open() == ["Review"]
    moved.act("tp_vhtt", "Review", S_REVIEW_OK)
    moved.act("ct_ubnd", "Approve", {"statement_approve_decision": "approve"})
    assert moved.open() == ["Publish"]
    # The instance not moved finishes on version 1, without the new step.
    statement_through(stays)
    assert deployed.show(stays.id)["version"] == 1
    assert "Check_legal" not in [e for _, e in stays.done]
    assert deployed.audit.verify(moved.id)["verified"]


def test_a_step_added_after_a_running_sub_process_is_reached(deployed: Policyflow) -> None:
    """The sub-process's predicted successor is redrawn from the new flows (before, the
    moved instance ran the old path: it ended without the new step)."""
    case = at_draft(deployed)
    deploy(deployed, with_archive_after_handling())
    deployed.moves.suspend([case.id], OWNER)
    assert deployed.moves.migrate("press_statement", [case.id], OWNER, resume=True)[0]["ok"]
    statement_through(case)
    assert case.open() == ["Archive"]
    case.act("cv_vhtt", "Archive", {})
    assert case.status() == "completed"


def test_moving_needs_a_process_owner_and_leaves_a_refused_instance_untouched(
    deployed: Policyflow,
) -> None:
    case = at_draft(deployed)
    deploy(deployed, with_legal_check())
    with pytest.raises(PermissionDenied):
        deployed.moves.suspend([case.id], "cv_vhtt")
    with pytest.raises(PermissionDenied):
        deployed.moves.migrate("press_statement", [case.id], "tp_vhtt")
    deployed.moves.suspend([case.id], OWNER)
    deploy(deployed, without_draft())  # version 3 has no draft: this instance cannot go there
    events = len(deployed.history(case.id))
    result = deployed.moves.migrate("press_statement", [case.id], OWNER)
    assert not result[0]["ok"]
    assert "(Draft, đang chờ xử lý) không còn trong phiên bản 3" in result[0]["error"]
    assert deployed.show(case.id)["version"] == 1
    assert len(deployed.history(case.id)) == events
    # Version 2 keeps the draft: the admin moves it there and resumes it.
    assert deployed.moves.migrate("press_statement", [case.id], "admin", 2, resume=True)[0]["ok"]
    assert deployed.show(case.id)["version"] == 2
    assert case.open() == ["Draft"]


def test_an_open_task_follows_its_new_lane_and_timers_keep_their_due_time(
    deployed: Policyflow,
) -> None:
    case = at_draft(deployed)
    deployed.claim(case.task("cv_vhtt", "Draft")["id"], "cv_vhtt")
    timers_before = waiting_timers(deployed, case.id)
    assert timers_before  # the boundary escalation timer of the sub-process
    deploy(deployed, draft_by_head_of_department())
    deployed.moves.suspend([case.id], OWNER)
    assert deployed.moves.migrate("press_statement", [case.id], OWNER, resume=True)[0]["ok"]
    item = open_item(deployed, case.id, "Draft")
    assert item.role_key == "truong_phong_vhtt"
    assert item.claimed_by is None  # the specialist's claim does not follow the task
    assert waiting_timers(deployed, case.id) == timers_before
    case.act("tp_vhtt", "Draft", STATEMENT)
    assert case.open() == ["Review"]


def waiting_timers(pf: Policyflow, instance_id: int) -> list[tuple[str, str, object]]:
    with transaction(pf.url) as s:
        rows = s.execute(
            select(Timer.id, Timer.element_id, Timer.due_at).where(
                Timer.instance_id == instance_id, Timer.state == "waiting"
            )
        ).all()
    return sorted(tuple(r) for r in rows)


def open_item(pf: Policyflow, instance_id: int, element_id: str) -> WorkItem:
    with transaction(pf.url) as s:
        return s.scalars(
            select(WorkItem).where(
                WorkItem.instance_id == instance_id,
                WorkItem.element_id == element_id,
                WorkItem.state == "open",
            )
        ).one()


def test_a_changed_timer_starts_again_from_the_move(deployed: Policyflow) -> None:
    case = at_draft(deployed)
    [(_, element, _)] = [t for t in waiting_timers(deployed, case.id) if t[1] == "Escalate_timer"]
    two_hours = edit(
        P1,
        (
            '<bpmn:timeDate xsi:type="bpmn:tFormalExpression">escalate_at</bpmn:timeDate>',
            '<bpmn:timeDuration xsi:type="bpmn:tFormalExpression">"PT2H"</bpmn:timeDuration>',
        ),
    )
    deploy(deployed, two_hours)
    plan = deployed.moves.plan("press_statement", username=OWNER)
    assert rows_by_id(plan)[case.id]["notes"] == [
        "Hẹn giờ 'Sắp hết hạn trả lời' (Escalate_timer) đổi định nghĩa: tính lại từ lúc chuyển."
    ]
    deployed.moves.suspend([case.id], OWNER, now=LATER)
    assert deployed.moves.migrate("press_statement", [case.id], OWNER, resume=True, now=LATER)[0][
        "ok"
    ]
    [(_, _, due)] = [t for t in waiting_timers(deployed, case.id) if t[1] == element]
    assert due.replace(tzinfo=None) == (LATER + timedelta(hours=2)).replace(tzinfo=None)


def test_a_multi_instance_report_keeps_each_units_task_and_data(deployed: Policyflow) -> None:
    officers = ensure_unit_officers(deployed)
    case = Case.start(deployed, "annual_report", "cv_vhtt", AR_START)
    drafter, head = officers["xa-tra-lu"]
    case.act(drafter, "Unit_draft", UNIT_FIGURES)
    units_before = unit_of_items(deployed, case.id)
    renamed = edit(
        (WORKFLOWS / "annual_report.bpmn").read_text(encoding="utf-8"),
        (
            '<bpmn:userTask id="Unit_draft" name="Xây dựng báo cáo của đơn vị">',
            '<bpmn:userTask id="Unit_draft" name="Xây dựng báo cáo năm của đơn vị">',
        ),
    )
    assert deployed.deploy(renamed, None, OWNER, now=NOW)["version"] == 2
    deployed.moves.suspend([case.id], OWNER)
    assert deployed.moves.migrate("annual_report", [case.id], OWNER, resume=True)[0]["ok"]
    after = unit_of_items(deployed, case.id)
    assert {i: unit for i, (_, unit) in after.items()} == {
        i: unit for i, (_, unit) in units_before.items()
    }  # every unit keeps its own task
    assert sorted({name for name, _ in after.values()}) == [
        "Thủ trưởng duyệt, ký báo cáo",
        "Xây dựng báo cáo năm của đơn vị",
    ]
    case.act(head, "Unit_approve", {"unit_approve_decision": "approve", "unit_approved_by": head})
    ninh_drafter, ninh_head = officers["xa-xuan-ninh"]
    case.act(ninh_drafter, "Unit_draft", UNIT_FIGURES)
    # The new step is its unit's head's: the item's reporting unit survived the move.
    assert case.task(ninh_head, "Unit_approve")["unit"] == "xa-xuan-ninh"


def unit_of_items(pf: Policyflow, instance_id: int) -> dict[str, tuple[str, int]]:
    """Open work items: id -> (name, unit id)."""
    with transaction(pf.url) as s:
        rows = s.execute(
            select(WorkItem.id, WorkItem.name, WorkItem.unit_id).where(
                WorkItem.instance_id == instance_id, WorkItem.state == "open"
            )
        ).all()
    return {r[0]: (r[1], r[2]) for r in rows}


def test_the_command_line_shows_the_dry_run_then_suspends_and_moves(
    deployed: Policyflow, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", deployed.url)
    drafting = at_draft(deployed)
    registering = Case.start(deployed, "press_statement", "cv_vhtt", press_start())
    deploy(deployed, without_draft())
    runner = CliRunner()
    dry = runner.invoke(main, ["migrate", "press_statement", "--as", OWNER])
    assert dry.exit_code == 0, dry.output
    assert f"#{drafting.id} v1 running: không chuyển được" in dry.output
    assert "(Draft, đang chờ xử lý) không còn trong phiên bản 2." in dry.output
    assert f"#{registering.id} v1 running: chuyển được (cần tạm dừng trước)" in dry.output
    assert deployed.show(registering.id)["status"] == "running"  # a dry run writes nothing

    args = ["migrate", "press_statement", "--suspend", "--apply", "--resume", "--as", OWNER]
    done = runner.invoke(main, [*args, "--comment", "Bỏ bước dự thảo", "--json"])
    assert done.exit_code == 0, done.output
    steps = [(r["step"], r["instance_id"], r["ok"]) for r in json.loads(done.stdout)["results"]]
    assert steps == [("suspend", registering.id, True), ("migrate", registering.id, True)]
    assert deployed.show(registering.id)["version"] == 2
    assert deployed.show(drafting.id)["version"] == 1
    refused = runner.invoke(main, ["migrate", "press_statement", "--as", "cv_vhtt"])
    assert refused.exit_code != 0 and "quản lý quy trình" in refused.output


def test_a_case_inside_a_called_process_moves_and_the_call_keeps_its_version(
    deployed: Policyflow,
) -> None:
    case = Case.start(deployed, "crisis_team", "cv_vhtt", CRISIS_START)
    case.act("tp_vhtt", "Assess", ASSESS_CRISIS)
    team = {"proposal_summary": "Tổ công tác", "team_leader": "PCT", "team_members": "VH&TT"}
    case.act("cv_vhtt", "Draft_team", team)
    case.act("vp_ubnd", "Vp_review", {"vp_comments": "Nhất trí"})
    # Inside the called document_approval; the facts are checked meanwhile (issue 14 item 4).
    assert case.open() == ["Draft", "Verify_commune", "Verify_department", "Verify_police"]
    approval = (WORKFLOWS / "document_approval.bpmn").read_text(encoding="utf-8")
    newer = edit(approval, ('name="Vào sổ, phát hành"', 'name="Vào sổ, phát hành văn bản"'))
    assert deployed.deploy(newer, None, OWNER)["version"] == 2  # the called process
    crisis = (WORKFLOWS / "crisis_team.bpmn").read_text(encoding="utf-8")
    police = '<bpmn:userTask id="Verify_police" name="'
    renamed = edit(crisis, (police + 'Xác minh thông tin">', police + 'Công an xác minh">'))
    assert deployed.deploy(renamed, None, OWNER)["version"] == 2
    deployed.moves.suspend([case.id], OWNER)
    assert deployed.moves.migrate("crisis_team", [case.id], OWNER, resume=True)[0]["ok"]
    assert deployed.show(case.id)["version"] == 2
    case.act("cv_vhtt", "Draft", DRAFT)
    case.act("tp_vhtt", "Review", REVIEW_OK)
    case.act("vp_ubnd", "Format", FORMAT_OK)
    case.act("pct_ubnd", "Sign", {**SIGN_OK, "signer_position": "pho_chu_tich"})
    # The call started on document_approval version 1 and stays on it.
    assert case.task("van_thu", "Dispatch")["name"] == "Vào sổ, phát hành"
    case.act("van_thu", "Dispatch", DISPATCH)
    assert case.open() == ["Verify_commune", "Verify_department", "Verify_police"]
    assert case.task("cong_an", "Verify_police")["name"] == "Công an xác minh"
