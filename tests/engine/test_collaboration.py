"""Accounts, the inbox's boxes and filters, visibility, comments, files, reassignment."""

from datetime import timedelta

import pytest

from engine.errors import InvalidInput, NotFound, PermissionDenied
from engine.facade import Policyflow
from tests.conftest import NOW, deploy_test_model
from tests.engine.test_engine_core import only_task

# Each instance a test leaves must re-execute exactly from its audit log (issue 6).
pytestmark = pytest.mark.usefixtures("every_instance_replays")

P3_START = {"year": 2024, "outline_ref": "123/VHTT"}


@pytest.fixture
def linear(pf: Policyflow) -> Policyflow:
    deploy_test_model(pf, "linear3.bpmn")
    return pf


def test_login_is_checked_and_throttled(pf: Policyflow) -> None:
    me = pf.accounts.authenticate("xa_xuanbac", "demo")
    assert me["full_name"] == "Đặng Văn Bắc"
    assert {r["unit"] for r in me["roles"]} == {"xa-tra-lu"}
    for _ in range(5):
        with pytest.raises(InvalidInput):
            pf.accounts.authenticate("xa_xuanbac", "wrong")
    with pytest.raises(PermissionDenied):  # the right password no longer helps for a while
        pf.accounts.authenticate("xa_xuanbac", "demo")
    assert pf.accounts.authenticate("xa_xuanninh", "demo")["username"] == "xa_xuanninh"


def test_password_change_and_tokens(pf: Policyflow) -> None:
    token = pf.accounts.issue_token("cong_an", "demo")["token"]
    assert pf.accounts.user_for_token(token) == "cong_an"
    with pytest.raises(InvalidInput):
        pf.accounts.change_password("cong_an", "demo", "short")
    with pytest.raises(InvalidInput):
        pf.accounts.change_password("cong_an", "not-the-password", "long-enough-1")
    pf.accounts.change_password("cong_an", "demo", "long-enough-1")
    with pytest.raises(PermissionDenied):  # a new password signs the API out
        pf.accounts.user_for_token(token)
    pf.accounts.authenticate("cong_an", "long-enough-1")
    with pytest.raises(PermissionDenied):
        pf.accounts.user_for_token("made-up")
    pf.accounts.change_password("cong_an", "long-enough-1", "demo-demo")


def test_inbox_boxes_filters_and_counts(linear: Policyflow) -> None:
    first = linear.start("linear3", "cv_vhtt", now=NOW)["id"]
    second = linear.start("linear3", "cv_vhtt", now=NOW + timedelta(days=5))["id"]
    later = NOW + timedelta(days=4)  # the first draft (due 3 Oct) is overdue, the second not
    box = linear.inbox("cv_vhtt", now=later)
    assert box["counts"] == {
        "open": 2, "mine": 0, "overdue": 1, "completed": 0, "unread_notices": 0
    }  # fmt: skip
    assert [t["instance_id"] for t in box["items"]] == [first, second]  # by due date
    assert [t["overdue"] for t in box["items"]] == [True, False]
    assert [
        t["instance_id"] for t in linear.inbox("cv_vhtt", now=later, due="overdue")["items"]
    ] == [first]
    assert linear.inbox("cv_vhtt", now=later, due="later")["total"] == 1
    assert linear.inbox("cv_vhtt", now=later, q="soạn")["total"] == 2
    assert linear.inbox("cv_vhtt", now=later, q="không có")["total"] == 0
    assert linear.inbox("cv_vhtt", now=later, process="other")["total"] == 0
    task = only_task(linear, "cv_vhtt", first)
    linear.claim(task["id"], "cv_vhtt")
    assert linear.inbox("cv_vhtt", now=later, box="mine")["total"] == 1
    linear.complete(task["id"], "cv_vhtt", {"title": "a", "pages": 1}, now=later)
    done = linear.inbox("cv_vhtt", now=later, box="completed")
    assert done["total"] == 1 and done["items"][0]["completed_by"] == "cv_vhtt"
    assert linear.inbox("cv_vhtt", now=later, per_page=1, page=1)["total"] == 1


def test_reassign_by_a_leader_to_a_holder_of_the_role(linear: Policyflow) -> None:
    instance = linear.start("linear3", "cv_vhtt", now=NOW)["id"]
    draft = only_task(linear, "cv_vhtt", instance)
    linear.complete(draft["id"], "cv_vhtt", {"title": "a", "pages": 1}, now=NOW)
    review = only_task(linear, "tp_vhtt", instance)
    linear.complete(review["id"], "tp_vhtt", {}, now=NOW)
    approve = only_task(linear, "ct_ubnd", instance)
    with pytest.raises(PermissionDenied):
        linear.reassign(approve["id"], "cv_vhtt", "pct_ubnd", "không phải lãnh đạo")
    with pytest.raises(InvalidInput):
        linear.reassign(approve["id"], "ct_ubnd", "xa_xuanbac", "không đúng vai trò")
    linear.reassign(approve["id"], "ct_ubnd", "pct_ubnd", "Anh Đức xử lý giúp")
    detail = linear.task(approve["id"], "pct_ubnd")
    assert detail["claimed_by"] == "pct_ubnd" and detail["can_act"]
    assert not linear.task(approve["id"], "ct_ubnd")["can_act"]
    shown = linear.show(instance, "ct_ubnd")
    assert shown["comments"][-1]["body"] == "Anh Đức xử lý giúp"
    assert linear.history(instance)[-1]["command"] == "reassign"


def test_comments_and_attachments_are_audited_and_scoped(linear: Policyflow) -> None:
    instance = linear.start("linear3", "cv_vhtt", now=NOW)["id"]
    linear.add_comment(instance, "tp_vhtt", "<b>Chú ý</b> hạn nộp", now=NOW)
    file_id = linear.add_attachment(
        instance, "cv_vhtt", "du-thao.docx", "application/msword", b"PK\x03\x04...", now=NOW
    )
    meta, content = linear.attachment(file_id, "tp_vhtt")
    assert meta["filename"] == "du-thao.docx" and content == b"PK\x03\x04..."
    with pytest.raises(NotFound):
        linear.attachment(file_id, "xa_xuanbac")
    with pytest.raises(NotFound):
        linear.add_comment(instance, "xa_xuanninh", "xin chào", now=NOW)
    with pytest.raises(InvalidInput):
        linear.add_comment(instance, "tp_vhtt", "   ", now=NOW)
    with pytest.raises(PermissionDenied):  # the auditor reads, never writes
        linear.add_comment(instance, "kiem_toan", "ghi chú", now=NOW)
    assert linear.show(instance, "kiem_toan")["id"] == instance
    shown = linear.show(instance, "cv_vhtt")
    assert shown["comments"][0]["body"] == "<b>Chú ý</b> hạn nộp"  # stored as given
    assert shown["attachments"][0]["id"] == file_id
    assert [e["command"] for e in linear.history(instance)] == ["start", "comment", "attach"]
    assert linear.audit.verify_chain(instance) == []


def test_a_file_for_a_task_comes_only_from_who_may_do_it(linear: Policyflow) -> None:
    """Regression: a file posted with another user's task was stored (and audited)
    before the completion was refused."""
    instance = linear.start("linear3", "cv_vhtt", now=NOW)["id"]
    [draft] = [t for t in linear.tasks("cv_vhtt") if t["instance_id"] == instance]
    with pytest.raises(PermissionDenied):  # the head of department may not draft
        linear.add_attachment(
            instance, "tp_vhtt", "x.pdf", "application/pdf", b"%PDF", now=NOW, task_id=draft["id"]
        )
    assert linear.show(instance, "cv_vhtt")["attachments"] == []
    assert [e["command"] for e in linear.history(instance)] == ["start"]
    file_id = linear.add_attachment(
        instance, "cv_vhtt", "y.pdf", "application/pdf", b"%PDF", now=NOW, task_id=draft["id"]
    )
    assert linear.show(instance, "cv_vhtt")["attachments"][0]["id"] == file_id


def test_commune_officers_see_only_their_communes_instances(deployed: Policyflow) -> None:
    p3 = deployed.start("annual_report", "cv_vhtt", P3_START, now=NOW)["id"]
    own = deployed.start("document_approval", "cv_vhtt", {"doc_type": "KH", "doc_title": "KH"},
                         now=NOW)["id"]  # fmt: skip
    assert deployed.show(p3, "xa_xuanbac")["id"] == p3  # a task of theirs is in it
    with pytest.raises(NotFound):
        deployed.show(own, "xa_xuanbac")  # the district's own business
    with pytest.raises(NotFound):
        deployed.history(own, "xa_xuanninh")
    listed = deployed.instances("xa_xuanbac")
    assert [i["id"] for i in listed["items"]] == [p3]
    assert {i["id"] for i in deployed.instances("kiem_toan")["items"]} == {p3, own}
    assert deployed.instances("cv_vhtt", process="document_approval")["total"] == 1
    assert deployed.instances("cv_vhtt", status="completed")["total"] == 0
    assert deployed.instances("admin", started_by="cv_vhtt")["total"] == 2
    xml = deployed.bpmn_xml(p3, "xa_xuanbac")
    assert 'id="annual_report"' in xml


def test_instance_page_data_diagram_states_and_timeline(linear: Policyflow) -> None:
    instance = linear.start("linear3", "cv_vhtt", now=NOW)["id"]
    draft = only_task(linear, "cv_vhtt", instance)
    linear.complete(draft["id"], "cv_vhtt", {"title": "a", "pages": 1}, now=NOW)
    shown = linear.show(instance, "cv_vhtt")
    assert shown["element_states"]["Draft"] == "completed"
    assert shown["element_states"]["Review"] == "active"
    assert ["StartEvent", "Draft"] in shown["flows_taken"]
    assert ["Draft", "Review"] in shown["flows_taken"]
    assert ["Review", "Approve"] not in shown["flows_taken"]
    assert [(e["command"], e["full_name"]) for e in shown["timeline"]] == [
        ("start", "Nguyễn Thị Hoa"),
        ("complete", "Nguyễn Thị Hoa"),
    ]
    assert shown["timeline"][1]["element_name"] == "Soạn thảo"
    assert not shown["can_admin"] and linear.show(instance, "admin")["can_admin"]


def test_a_commune_sees_only_its_own_part_of_a_district_wide_request(
    deployed: Policyflow,
) -> None:
    """Regression: a commune officer could open another commune's task of the P3 instance."""
    p3 = deployed.start("annual_report", "cv_vhtt", P3_START, now=NOW)["id"]
    [bac] = deployed.tasks("xa_xuanbac")
    [ninh] = deployed.tasks("xa_xuanninh")
    assert bac["case_title"] == "Báo cáo kết quả truyền thông chính sách năm 2024"
    with pytest.raises(NotFound):
        deployed.task(bac["id"], "xa_xuanninh")
    assert deployed.task(bac["id"], "xa_xuanbac")["unit"] == "xa-tra-lu"
    seen = deployed.show(p3, "xa_xuanbac")
    assert [t["id"] for t in seen["open_tasks"]] == [bac["id"]]
    assert seen["data"] == {}  # the district's data (other units' figures) is not theirs
    full = deployed.show(p3, "cv_vhtt")
    assert len(full["open_tasks"]) == 20
    assert full["data"]["report_due_at"] == "2024-11-19T23:59:59+07:00"
    assert "reporting_unit" not in full["data"]  # regression: one unit's data leaked in
    deployed.add_comment(p3, "xa_xuanninh", "Xã Xuân Ninh xin gia hạn", task_id=ninh["id"],
                         now=NOW)  # fmt: skip
    assert deployed.show(p3, "xa_xuanbac")["comments"] == []
    assert [e["command"] for e in deployed.history(p3, "xa_xuanbac")] == ["start"]
    assert len(deployed.history(p3, "cv_vhtt")) == 2
