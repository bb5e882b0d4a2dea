"""The four shipped processes (workflows/*.bpmn) driven end to end through the public API.

Each test plays the people of the district: it finds the task in the right person's inbox,
submits form data that satisfies the task's JSON Schema, moves the clock with `now=` and
fires timers with `fire_due_timers`. After a full run the audit chain must be intact and
its actors must be exactly the people who acted.
"""

import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from engine.errors import InvalidInput, NotFound, PermissionDenied
from engine.facade import Policyflow
from engine.store.db import transaction
from engine.store.models import Notification, OrgUnit, RoleAssignment, Timer, User
from tests.conftest import NOW

# Each instance a test leaves must re-execute exactly from its audit log (issue 6).
pytestmark = pytest.mark.usefixtures("every_instance_replays")

# -- driving instances ---------------------------------------------------------------


def inbox(pf: Policyflow, username: str, instance_id: int) -> list[dict]:
    """The user's open tasks of one instance."""
    return [t for t in pf.tasks(username) if t["instance_id"] == instance_id]


def find_task(pf: Policyflow, instance_id: int, username: str, element_id: str) -> dict:
    """The one open task of this element the user has in their inbox."""
    mine = [t for t in inbox(pf, username, instance_id) if t["element_id"] == element_id]
    assert len(mine) == 1, (username, element_id, open_elements(pf, instance_id), mine)
    return mine[0]


def act(
    pf: Policyflow,
    instance_id: int,
    username: str,
    element_id: str,
    data: dict[str, Any],
    now: datetime = NOW,
) -> dict:
    """Complete the user's open task of this element (exactly one must be in their inbox)."""
    task = find_task(pf, instance_id, username, element_id)
    return pf.complete(task["id"], username, data, now=now)


def open_elements(pf: Policyflow, instance_id: int) -> list[str]:
    """Element ids of the instance's open user tasks, sorted."""
    return sorted(t["element_id"] for t in pf.show(instance_id)["open_tasks"])


def utc(value: str | None) -> datetime:
    """An ISO date-time from the API as an aware UTC datetime (naive means UTC)."""
    assert value is not None
    moment = datetime.fromisoformat(value)
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


at = utc  # for literals in the tests: at("2024-10-02T08:00:00+00:00")


@dataclass
class Case:
    """One instance being driven, with the (user, element) of every completion made."""

    pf: Policyflow
    id: int
    starter: str
    done: list[tuple[str, str]] = field(default_factory=list)

    @classmethod
    def start(cls, pf: Policyflow, key: str, username: str, data: dict, now: datetime = NOW):
        started = pf.start(key, username, data, now=now)
        assert started["status"] == "running"
        return cls(pf, started["id"], username)

    def act(self, username: str, element_id: str, data: dict, now: datetime = NOW) -> dict:
        result = act(self.pf, self.id, username, element_id, data, now)
        self.done.append((username, element_id))
        return result

    def open(self) -> list[str]:
        return open_elements(self.pf, self.id)

    def data(self) -> dict:
        return self.pf.show(self.id)["data"]

    def status(self) -> str:
        return self.pf.show(self.id)["status"]

    def task(self, username: str, element_id: str) -> dict:
        return find_task(self.pf, self.id, username, element_id)

    def assert_audited(self) -> None:
        """Chain intact; start by the starter; completions by exactly the people who acted."""
        assert self.pf.verify_chain(self.id) == []
        events = self.pf.history(self.id)
        assert (events[0]["command"], events[0]["actor"]) == ("start", self.starter)
        completions = [
            (e["actor"], e["payload"]["element_id"]) for e in events if e["command"] == "complete"
        ]
        assert completions == self.done
        others = {e["actor"] for e in events if e["command"] not in ("start", "complete")}
        assert others <= {"system"}, others


def notifications(pf: Policyflow, instance_id: int) -> list[tuple[str, str]]:
    """(username, message) of the in-app notices an instance sent, oldest first."""
    with transaction(pf.url) as s:
        rows = s.execute(
            select(User.username, Notification.message)
            .join(User, User.id == Notification.user_id)
            .where(Notification.instance_id == instance_id)
            .order_by(Notification.id)
        ).all()
    return [(r[0], r[1]) for r in rows]


def waiting_timer_count(pf: Policyflow, instance_id: int) -> int:
    with transaction(pf.url) as s:
        rows = s.scalars(
            select(Timer.id).where(Timer.instance_id == instance_id, Timer.state == "waiting")
        ).all()
    return len(rows)


LEADERS = ["ct_ubnd", "pct_ubnd"]  # the lanh_dao_ubnd holders of the seed

# -- document_approval ---------------------------------------------------------------

DRAFT = {"draft_summary": "Dự thảo văn bản", "draft_file": "du-thao.docx"}
REVIEW_OK = {"review_decision": "approve"}
REVIEW_BACK = {"review_decision": "return", "review_comments": "Bổ sung căn cứ pháp lý"}
FORMAT_OK = {"format_decision": "ok"}
FORMAT_BACK = {"format_decision": "return", "format_comments": "Sai thể thức trích yếu"}
SIGN_OK = {"sign_decision": "sign", "signed_by": "Vũ Quang Hưng", "signer_position": "chu_tich"}
SIGN_BACK = {
    "sign_decision": "return",
    "signed_by": "Vũ Quang Hưng",
    "signer_position": "chu_tich",
    "sign_comments": "Làm rõ kinh phí",
}
DISPATCH = {
    "issued_date": "2024-10-01",
    "recipients": "Các phòng, ban; UBND các xã, thị trấn",
    "dispatch_channel": "electronic",
}


def approve_document(case: Case, now: datetime = NOW, signer: str = "ct_ubnd") -> None:
    """Draft → review → format → sign → dispatch, with no return (inside any process)."""
    case.act("cv_vhtt", "Draft", DRAFT, now)
    case.act("tp_vhtt", "Review", REVIEW_OK, now)
    case.act("vp_ubnd", "Format", FORMAT_OK, now)
    case.act(signer, "Sign", SIGN_OK, now)
    case.act("van_thu", "Dispatch", DISPATCH, now)


def start_document(pf: Policyflow, doc_type: str = "QĐ", now: datetime = NOW) -> Case:
    title = f"Văn bản {doc_type} về truyền thông chính sách"
    return Case.start(
        pf, "document_approval", "cv_vhtt", {"doc_type": doc_type, "doc_title": title}, now
    )


def test_document_approval_happy_path_numbers_each_document(deployed: Policyflow) -> None:
    case = start_document(deployed, "QĐ")
    assert case.open() == ["Draft"]
    case.act("cv_vhtt", "Draft", DRAFT)
    assert case.open() == ["Review"]
    case.act("tp_vhtt", "Review", REVIEW_OK)
    assert case.open() == ["Format"]
    case.act("vp_ubnd", "Format", FORMAT_OK)
    assert case.open() == ["Sign"]
    case.act("ct_ubnd", "Sign", SIGN_OK)
    assert case.open() == ["Dispatch"]
    dispatch = case.task("van_thu", "Dispatch")
    # "1WD" from Tuesday 1 Oct 15:00 local: the end of Wednesday 2 Oct, local time.
    assert utc(dispatch["due_at"]) == at("2024-10-02T16:59:59+00:00")
    assert dispatch["role"] == "van_thu" and dispatch["form"] == "da_dispatch.json"
    assert case.data()["doc_number_result"]["symbol"] == "01/QĐ-UBND"
    done = case.act("van_thu", "Dispatch", DISPATCH)
    assert done["status"] == "completed" and done["open_tasks"] == []
    data = case.data()
    assert data["doc_number"] == "01/QĐ-UBND"
    assert data["signed_by"] == "Vũ Quang Hưng" and data["signer_position"] == "chu_tich"
    assert data["revision_count"] == 0 and data["revision_history"] == []
    case.assert_audited()

    second = start_document(deployed, "KH", NOW + timedelta(days=1))
    approve_document(second, NOW + timedelta(days=1))
    assert second.status() == "completed"
    assert second.data()["doc_number"] == "02/KH-UBND"  # one register per issuer and year
    second.assert_audited()

    next_year = datetime(2025, 1, 6, 2, 0, tzinfo=UTC)
    third = start_document(deployed, "CV", next_year)
    approve_document(third, next_year)
    assert third.data()["doc_number"] == "01/CV-UBND"  # numbers restart each year


def test_document_approval_every_return_goes_back_to_drafting(deployed: Policyflow) -> None:
    case = start_document(deployed, "KH")
    t = NOW
    case.act("cv_vhtt", "Draft", DRAFT, t)
    case.act("tp_vhtt", "Review", REVIEW_BACK, t)
    assert case.open() == ["Draft"]
    assert case.data()["revision_count"] == 1

    t += timedelta(hours=1)
    case.act("cv_vhtt", "Draft", {**DRAFT, "draft_explanation": "Đã bổ sung căn cứ"}, t)
    case.act("tp_vhtt", "Review", REVIEW_OK, t)
    case.act("vp_ubnd", "Format", FORMAT_BACK, t)
    assert case.open() == ["Draft"]
    assert case.data()["revision_count"] == 2

    t += timedelta(hours=1)
    case.act("cv_vhtt", "Draft", DRAFT, t)
    case.act("tp_vhtt", "Review", REVIEW_OK, t)
    case.act("vp_ubnd", "Format", FORMAT_OK, t)
    case.act("pct_ubnd", "Sign", SIGN_BACK, t)
    assert case.open() == ["Draft"]
    data = case.data()
    assert data["revision_count"] == 3
    assert data["sign_comments"] == "Làm rõ kinh phí"

    t += timedelta(hours=1)
    approve_document(case, t)
    data = case.data()
    assert case.status() == "completed"
    assert data["revision_count"] == 3
    history = data["revision_history"]
    assert [h["returned_by"] for h in history] == ["review", "format", "sign"]
    assert [h["round"] for h in history] == [1, 2, 3]
    assert [utc(h["at"]) for h in history] == [
        NOW,
        NOW + timedelta(hours=1),
        NOW + timedelta(hours=2),
    ]
    assert data["doc_number"] == "01/KH-UBND"
    case.assert_audited()


def test_document_approval_only_the_lane_role_may_act(deployed: Policyflow) -> None:
    case = start_document(deployed)
    draft = case.task("cv_vhtt", "Draft")
    assert inbox(deployed, "tp_vhtt", case.id) == []
    with pytest.raises(PermissionDenied):
        deployed.complete(draft["id"], "tp_vhtt", DRAFT, now=NOW)
    with pytest.raises(NotFound):  # a commune officer does not even see district work
        deployed.complete(draft["id"], "xa_xuanbac", DRAFT, now=NOW)
    with pytest.raises(PermissionDenied):  # only chuyen_vien_vhtt starts it
        deployed.start("document_approval", "vp_ubnd", {"doc_type": "QĐ", "doc_title": "x"})
    case.act("cv_vhtt", "Draft", DRAFT)
    review = case.task("tp_vhtt", "Review")
    for outsider in ("cv_vhtt", "van_thu", "ct_ubnd"):
        with pytest.raises(PermissionDenied):
            deployed.complete(review["id"], outsider, REVIEW_OK, now=NOW)
    with pytest.raises(InvalidInput) as err:  # a return needs its comments (if/then rule)
        deployed.complete(review["id"], "tp_vhtt", {"review_decision": "return"}, now=NOW)
    assert set(err.value.field_errors) == {"review_comments"}
    case.act("tp_vhtt", "Review", REVIEW_OK)
    case.act("vp_ubnd", "Format", FORMAT_OK)
    sign = case.task("ct_ubnd", "Sign")
    assert sign["id"] == case.task("pct_ubnd", "Sign")["id"]  # either leader may sign
    with pytest.raises(PermissionDenied):
        deployed.complete(sign["id"], "vp_ubnd", SIGN_OK, now=NOW)
    case.act("ct_ubnd", "Sign", SIGN_OK)
    dispatch = case.task("van_thu", "Dispatch")
    assert dispatch["due_at"] is not None
    with pytest.raises(PermissionDenied):
        deployed.complete(dispatch["id"], "cv_vhtt", DISPATCH, now=NOW)
    case.act("van_thu", "Dispatch", DISPATCH)
    assert case.status() == "completed"
    case.assert_audited()


def test_document_numbers_follow_the_local_year(deployed: Policyflow) -> None:
    first = start_document(deployed, "QĐ")
    approve_document(first)
    assert first.data()["doc_number"] == "01/QĐ-UBND"
    new_year = at("2024-12-31T18:00:00+00:00")  # 01:00 on 1 January 2025, local time
    second = start_document(deployed, "QĐ", new_year)
    approve_document(second, new_year)
    assert second.data()["doc_number_result"]["year"] == 2025
    assert second.data()["doc_number"] == "01/QĐ-UBND"


REVISION_ROUNDS = 400


def test_document_approval_survives_a_400_round_revision_loop(deployed: Policyflow) -> None:
    """Past SpiffWorkflow's depth-1000 trap: the engine prunes the finished history."""
    started = time.perf_counter()
    pf = deployed
    data = {"doc_type": "QĐ", "doc_title": "x"}
    instance = pf.start("document_approval", "cv_vhtt", data, now=NOW)["id"]
    draft_id = pf.show(instance)["open_tasks"][0]["id"]
    # Each round uses the open tasks `complete` returns (no inbox query: keeps it fast);
    # now and then the inbox must agree with them.
    for n in range(REVISION_ROUNDS):
        t = NOW + timedelta(minutes=n)
        if n % 100 == 0:
            assert find_task(pf, instance, "cv_vhtt", "Draft")["id"] == draft_id
        after_draft = pf.complete(draft_id, "cv_vhtt", DRAFT, now=t)
        [review] = after_draft["open_tasks"]
        assert review["element_id"] == "Review", (n, after_draft)
        decision = REVIEW_OK if n == REVISION_ROUNDS - 1 else REVIEW_BACK
        after_review = pf.complete(review["id"], "tp_vhtt", decision, now=t)
        [nxt] = after_review["open_tasks"]
        expected = "Format" if n == REVISION_ROUNDS - 1 else "Draft"
        assert nxt["element_id"] == expected, (n, after_review)
        draft_id = nxt["id"]
    assert pf.tasks("cv_vhtt") == []  # the inbox agrees with the engine's answer
    case = Case(pf, instance, "cv_vhtt")
    t = NOW + timedelta(minutes=REVISION_ROUNDS)
    case.act("vp_ubnd", "Format", FORMAT_OK, t)
    case.act("ct_ubnd", "Sign", SIGN_OK, t)
    done = case.act("van_thu", "Dispatch", DISPATCH, t)
    assert done["status"] == "completed"
    data = case.data()
    assert data["revision_count"] == REVISION_ROUNDS - 1
    assert len(data["revision_history"]) == REVISION_ROUNDS - 1
    assert data["revision_history"][-1]["round"] == REVISION_ROUNDS - 1
    assert data["doc_number"] == "01/QĐ-UBND"
    events = pf.history(instance)
    assert [e["actor"] for e in events[1:]] == ["cv_vhtt", "tp_vhtt"] * REVISION_ROUNDS + [
        "vp_ubnd",
        "ct_ubnd",
        "van_thu",
    ]
    assert pf.verify_chain(instance) == []
    print(f"\n400-round loop on {pf.url.split(':')[0]}: {time.perf_counter() - started:.1f} s")


# -- press_statement (P1) ------------------------------------------------------------


def press_start(trigger: str = "press_request", **extra: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "trigger": trigger,
        "case_title": "Phản ánh ô nhiễm tại cụm công nghiệp Xuân Bắc",
        "summary": "Báo điện tử đề nghị cung cấp thông tin",
        "event_time": "2024-10-01T14:00:00+07:00",  # 07:00 UTC, an hour before NOW
        "press_agency": "Báo Nam Định",
        "press_contact": "Phóng viên Nguyễn Văn A",
        "press_medium": "online",
        "citizen_issue": False,
    }
    data.update(extra)
    return data


REGISTER = {"case_number": "PN-2024-015", "chairman_available": "available"}
FACTS_DEADLINE = "2024-10-03T17:00:00+07:00"
REQUEST_FACTS = {
    "fact_unit": "phong-tu-phap",
    "facts_deadline": FACTS_DEADLINE,
    "facts_request": "Cung cấp kết quả kiểm tra hồ sơ",
}
FACTS = {"facts": "Đã kiểm tra, hồ sơ đầy đủ", "facts_restricted": False}
PROVIDE = {
    "provide_decision": "provide",
    "statement_form": "portal_post",
    "spokesperson_name": "Vũ Quang Hưng",
}
REFUSE = {
    "provide_decision": "refuse",
    "refusal_ground": "investigation",
    "refusal_reason": "Vụ việc đang trong quá trình điều tra",
    "spokesperson_name": "Vũ Quang Hưng",
}
STATEMENT = {"statement_text": "UBND huyện thông tin như sau: ..."}
S_REVIEW_OK = {"statement_review_decision": "approve"}
S_REVIEW_BACK = {"statement_review_decision": "return", "statement_review_comments": "Ngắn gọn"}
S_APPROVE_OK = {"statement_approve_decision": "approve"}
S_APPROVE_BACK = {"statement_approve_decision": "return", "statement_approve_comments": "Bổ sung"}
PUBLISH = {
    "published_at": "2024-10-01T17:00:00+07:00",
    "publication_ref": "https://xuantruong.namdinh.gov.vn/tin/15",
}
AUTHORISE = {
    "authorised_deputy": "Phạm Văn Đức, Phó Chủ tịch UBND huyện",
    "authorisation_number": "15/GUQ-UBND",
    "authorisation_signed_at": "2024-10-01T16:00:00+07:00",  # 09:00 UTC
    "authorisation_scope": "Phát ngôn về vụ việc ô nhiễm tại Xuân Bắc",
}


def handle_request(
    case: Case,
    spokesperson: str = "ct_ubnd",
    decision: dict | None = None,
    now: datetime = NOW,
) -> None:
    """The sub-process up to (not including) the spokesperson's decision."""
    case.act(spokesperson, "Request_facts", REQUEST_FACTS, now)
    case.act("tu_phap", "Provide_facts", FACTS, now)
    case.act(spokesperson, "Decide", decision or PROVIDE, now)


def statement_through(case: Case, spokesperson: str = "ct_ubnd", now: datetime = NOW) -> dict:
    """Draft → review → approve → publish, without returns."""
    case.act("cv_vhtt", "Draft", STATEMENT, now)
    case.act("tp_vhtt", "Review", S_REVIEW_OK, now)
    case.act(spokesperson, "Approve", S_APPROVE_OK, now)
    return case.act("tt_vhtttt", "Publish", PUBLISH, now)


def test_press_request_main_path(deployed: Policyflow) -> None:
    case = Case.start(deployed, "press_statement", "cv_vhtt", press_start())
    assert case.open() == ["Register"]
    case.act("cv_vhtt", "Register", REGISTER)
    data = case.data()
    assert data["response_due"] == "5WD"  # a press question: the local working-day rule
    # Warned 20 h before 5 calendar days (standing in for 5 working days) after the event.
    warn = at("2024-10-01T07:00:00+00:00") + timedelta(days=5, hours=-20)
    assert [utc(x) for x in deployed.show(case.id)["waiting_timers"]] == [warn]
    assert case.open() == ["Request_facts"]
    request = case.task("ct_ubnd", "Request_facts")
    # 5 working days after Tuesday 1 Oct 2024: Tuesday 8 Oct, end of day local.
    assert utc(request["due_at"]) == at("2024-10-08T16:59:59+00:00")
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
    done = case.act(
        "pct_ubnd",
        "Refusal",
        {"refusal_letter_number": "120/UBND-VP", "refusal_sent_at": "2024-10-02T09:00:00+07:00"},
    )
    assert done["status"] == "completed"
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
    due = at("2024-10-01T07:00:00+00:00") + timedelta(days=30)  # Luật Báo chí Điều 39
    data = case.data()
    assert data["deadline_rule"] == "P30D" and utc(data["response_due"]) == due
    assert utc(case.task("ct_ubnd", "Request_facts")["due_at"]) == due
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
            "escalation_ref": "135/UBND-VHTT",
            "escalation_date": "2024-10-04",
        },
        due + timedelta(hours=1),
    )
    assert done["status"] == "completed"
    assert case.data()["escalation_ref"] == "135/UBND-VHTT"
    case.assert_audited()


def test_unexpected_event_deadline_and_warning(deployed: Policyflow) -> None:
    event = at("2024-10-01T07:00:00+00:00")  # 14:00 local
    case = Case.start(deployed, "press_statement", "cv_vhtt", press_start("unexpected_event"))
    case.act("cv_vhtt", "Register", REGISTER)
    data = case.data()
    assert utc(data["response_due"]) == event + timedelta(hours=24)
    assert utc(data["escalate_at"]) == event + timedelta(hours=4)  # 24 h - 20 h
    request = case.task("pct_ubnd", "Request_facts")
    assert utc(request["due_at"]) == event + timedelta(hours=24)
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
    case.act("ct_ubnd", "Request_facts", REQUEST_FACTS, later)
    case.act("tu_phap", "Provide_facts", FACTS, later)
    decide = case.task("ct_ubnd", "Decide")
    assert utc(decide["due_at"]) == event + timedelta(hours=24)  # not from when it opened
    case.act("ct_ubnd", "Decide", PROVIDE, later)
    steps = [
        ("cv_vhtt", "Draft", STATEMENT),
        ("tp_vhtt", "Review", S_REVIEW_OK),
        ("ct_ubnd", "Approve", S_APPROVE_OK),
    ]
    for user, element, form in steps:
        assert utc(case.task(user, element)["due_at"]) == event + timedelta(hours=24)
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


# -- crisis_team (P2) ----------------------------------------------------------------

INCIDENT_AT = at("2024-10-01T06:30:00+00:00")  # 13:30 local, 1 h 30 before NOW
CRISIS_START = {
    "source": "monitoring_alert",
    "incident_title": "Thông tin sai sự thật về dịch bệnh tại Xuân Bắc",
    "incident_summary": "Mạng xã hội lan truyền tin đóng cửa trường học",
    "incident_at": "2024-10-01T13:30:00+07:00",
    "affected_commune": "xa-xuan-bac",
    "concerned_department": "phong-tu-phap",
    "spread_channels": "Facebook, Zalo",
}
ASSESS_CRISIS = {"assessment": "crisis", "team_exists": "no", "assessment_note": "Lan rộng"}
DUE_24H = INCIDENT_AT + timedelta(hours=24)


def verify_all(case: Case, now: datetime = NOW) -> None:
    case.act("cong_an", "Verify_police", {"police_findings": "Đã xác minh nguồn tin"}, now)
    case.act("tu_phap", "Verify_department", {"department_findings": "Không có quyết định"}, now)
    case.act("xa_xuanbac", "Verify_commune", {"commune_findings": "Trường vẫn hoạt động"}, now)


def test_crisis_routine_ends_at_once(deployed: Policyflow) -> None:
    case = Case.start(deployed, "crisis_team", "cv_vhtt", CRISIS_START)
    assess = case.task("tp_vhtt", "Assess")
    assert utc(assess["due_at"]) == DUE_24H
    done = case.act(
        "tp_vhtt", "Assess", {"assessment": "routine", "team_exists": "yes", "assessment_note": "-"}
    )
    assert done["status"] == "completed" and done["open_tasks"] == []
    assert waiting_timer_count(deployed, case.id) == 0
    case.assert_audited()


def test_crisis_full_run(deployed: Policyflow) -> None:
    case = Case.start(deployed, "crisis_team", "cv_vhtt", CRISIS_START)
    t = NOW
    case.act("tp_vhtt", "Assess", ASSESS_CRISIS, t)
    assert case.open() == ["Draft_team"]
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
    assert case.open() == ["Draft"]
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
    assert call["operation"] == "allocate_document_number"
    assert call["params"] == {"doc_type": "QĐ"} and call["result"]["symbol"] == "01/QĐ-UBND"
    department = case.task("tu_phap", "Verify_department")
    commune = case.task("xa_xuanbac", "Verify_commune")
    assert (department["unit"], department["scope"]) == ("phong-tu-phap", "unit")
    assert (commune["unit"], commune["scope"]) == ("xa-xuan-bac", "unit")
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
            "statement_on_time": True,
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


# -- annual_report (P3) --------------------------------------------------------------

UNIT_ROLES = ("don_vi", "thu_truong_don_vi")


def ensure_unit_officers(pf: Policyflow) -> dict[str, tuple[str, str]]:
    """Give every reporting unit a drafter (don_vi) and a head (thu_truong_don_vi).

    Where the seed has nobody for a role in a unit, a test user `dv_<unit>` gets it, so the
    real assignment rules decide who sees what. Idempotent (users are kept across tests).
    Returns {unit code: (drafter, head)}: the first holder of each role in the unit.
    """
    with transaction(pf.url) as s:
        units = s.scalars(select(OrgUnit).where(OrgUnit.reports.is_(True))).all()
        for unit in units:
            held = set(
                s.scalars(select(RoleAssignment.role_key).where(RoleAssignment.unit_id == unit.id))
            )
            missing = [r for r in UNIT_ROLES if r not in held]
            username = "dv_" + unit.code.replace("-", "_")
            if not missing or s.scalar(select(User.id).where(User.username == username)):
                continue
            user = User(username=username, full_name=f"Cán bộ {unit.name}", password_hash="x")
            user.roles = [RoleAssignment(role_key=r, unit_id=unit.id) for r in missing]
            s.add(user)
    officers: dict[str, tuple[str, str]] = {}
    with transaction(pf.url) as s:
        for unit in s.scalars(select(OrgUnit).where(OrgUnit.reports.is_(True))).all():
            names = []
            for role in UNIT_ROLES:
                rows = s.execute(
                    select(User.username)
                    .join(RoleAssignment, RoleAssignment.user_id == User.id)
                    .where(RoleAssignment.unit_id == unit.id, RoleAssignment.role_key == role)
                    .order_by(User.id)
                ).all()
                names.append(rows[0][0])
            officers[unit.code] = (names[0], names[1])
    return officers


AR_START = {"year": 2024, "deadline": "2024-11-20", "outline_ref": "150/KH-UBND"}
UNIT_FIGURES = {
    "training_courses": 1,
    "trainees": 30,
    "comm_staff": 2,
    "spokespersons": 1,
    "press_conferences": 0,
    "press_requests_received": 2,
    "press_requests_answered": 2,
    "unexpected_events": 1,
    "unexpected_events_on_time": 1,
    "news_portal": 10,
    "news_media_centre": 5,
    "news_loudspeaker": 40,
    "draft_policies": 1,
    "fake_news_detected": 0,
    "fake_news_handled": 0,
    "budget_spent": 5_000_000,
    "difficulties": "",
    "proposals": "",
}
REPORT_DUE = at("2024-11-20T16:59:59+00:00")  # the deadline date, end of day local
DEADLINE_AT = at("2024-11-20T10:00:00+00:00")  # 17:00 local


def unit_report(case: Case, code: str, officers: dict, now: datetime, **extra: Any) -> None:
    drafter, head = officers[code]
    case.act(drafter, "Unit_draft", {**UNIT_FIGURES, **extra}, now)
    case.act(
        head, "Unit_approve", {"unit_approve_decision": "approve", "unit_approved_by": head}, now
    )


def test_annual_report_gives_each_unit_its_own_task(deployed: Policyflow) -> None:
    officers = ensure_unit_officers(deployed)
    assert len(officers) == 26
    case = Case.start(deployed, "annual_report", "cv_vhtt", AR_START)
    assert case.open() == ["Unit_draft"] * 26
    units = []
    for code, (drafter, _) in officers.items():
        [task] = [t for t in inbox(deployed, drafter, case.id) if t["unit"] == code]
        assert (task["element_id"], task["scope"]) == ("Unit_draft", "unit")
        assert utc(task["due_at"]) == REPORT_DUE
        units.append(task["unit"])
    assert sorted(units) == sorted(officers)
    [bac] = inbox(deployed, "xa_xuanbac", case.id)
    assert bac["unit"] == "xa-xuan-bac"
    [ninh] = inbox(deployed, "xa_xuanninh", case.id)
    assert ninh["unit"] == "xa-xuan-ninh"
    assert not any(t["unit"] == "xa-xuan-bac" for t in deployed.tasks("xa_xuanninh"))
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
    assert approve["unit"] == "xa-xuan-bac" and utc(approve["due_at"]) == REPORT_DUE
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
        if code not in ("xa-xuan-bac", "xa-xuan-ninh"):
            unit_report(case, code, officers, t)
    assert case.open() == ["Unit_draft"]

    # T-7 and T-3 (17:00 local on 13 and 17 Nov) remind only the unit still due to report.
    t7 = DEADLINE_AT - timedelta(days=7)
    assert deployed.fire_due_timers(t7 - timedelta(seconds=1)) == {}
    assert notifications(deployed, case.id) == []
    assert list(deployed.fire_due_timers(t7 + timedelta(seconds=1))) == [case.id]
    first = notifications(deployed, case.id)
    assert first and all("2024-11-20" in m for _, m in first)
    assert {u for u, _ in first} == {"xa_xuanninh"}
    t3 = DEADLINE_AT - timedelta(days=3)
    assert deployed.fire_due_timers(t3 - timedelta(seconds=1)) == {}
    assert len(notifications(deployed, case.id)) == len(first)
    assert list(deployed.fire_due_timers(t3 + timedelta(seconds=1))) == [case.id]
    assert len(notifications(deployed, case.id)) == 2 * len(first)

    # The deadline (17:00 local) passes with Xuân Ninh missing.
    assert deployed.fire_due_timers(DEADLINE_AT - timedelta(minutes=1)) == {}
    late_check = at("2024-11-20T10:05:00+00:00")
    assert list(deployed.fire_due_timers(late_check)) == [case.id]
    assert case.open() == ["List_missing", "Unit_draft"]
    assert case.task("cv_vhtt", "List_missing")["due_at"] is not None
    case.act(
        "cv_vhtt",
        "List_missing",
        {"missing_units": ["xa-xuan-ninh"], "reminder_draft": "Đề nghị UBND xã Xuân Ninh..."},
        late_check,
    )
    case.act(
        "pct_ubnd",
        "Sign_reminder",
        {"reminder_signed_by": "Phạm Văn Đức", "reminder_new_deadline": "2024-11-25"},
        late_check,
    )
    signed = deployed.history(case.id)[-1]
    [call] = signed["payload"]["service_calls"]
    assert call["params"] == {"doc_type": "CV"} and call["result"]["symbol"] == "01/CV-UBND"
    assert case.open() == ["Dispatch_reminder", "Unit_draft"]
    case.act(
        "van_thu",
        "Dispatch_reminder",
        {"reminder_issued_date": "2024-11-21", "reminder_recipients": "UBND xã Xuân Ninh"},
        late_check,
    )
    assert case.open() == ["Unit_draft"]
    assert case.status() == "running"

    # Xuân Ninh reports the next morning: accepted, marked late.
    next_day = at("2024-11-21T02:00:00+00:00")  # 09:00 local on 21 Nov
    unit_report(case, "xa-xuan-ninh", officers, next_day, proposals="Gia hạn")
    assert case.open() == ["Consolidate"]
    data = case.data()
    assert data["late_units"] == ["Xã Xuân Ninh"]
    assert len(data["unit_reports"]) == 26
    by_code = {r["code"]: r for r in data["unit_reports"]}
    assert by_code["xa-xuan-ninh"]["late"] is True and by_code["xa-xuan-bac"]["late"] is False
    assert by_code["xa-xuan-bac"]["approved_by"] == "Đặng Văn Bắc"
    assert data["totals"]["trainees"] == 30 * 26 + 1
    assert data["totals"]["training_courses"] == 26
    assert data["totals"]["budget_spent"] == 5_000_000 * 26
    assert data["unit_difficulties"] == [{"unit": "Xã Xuân Bắc", "text": "Thiếu kinh phí"}]
    assert {p["unit"] for p in data["unit_proposals"]} == {"Xã Xuân Bắc", "Xã Xuân Ninh"}

    # Consolidation, the report through document_approval, then sending.
    t = next_day + timedelta(hours=2)
    case.act(
        "cv_vhtt",
        "Consolidate",
        {
            "doc_title": "Báo cáo kết quả công tác truyền thông chính sách năm 2024",
            "results_summary": "26/26 đơn vị đã báo cáo",
            "assessment_summary": "Hoàn thành kế hoạch",
            "next_year_tasks": "Tiếp tục triển khai",
            "proposals_summary": "Hỗ trợ kinh phí cấp xã",
        },
        t,
    )
    assert case.open() == ["Draft"]
    approve_document(case, t, signer="pct_ubnd")
    assert case.open() == ["Send"]
    case.act(
        "van_thu",
        "Send",
        {"sent_date": "2024-11-21", "sent_to": "Sở TT&TT", "send_channel": "electronic"},
        t,
    )
    assert case.status() == "completed"
    data = case.data()
    assert data["doc_number"] == "02/BC-UBND"
    assert data["late_units"] == ["Xã Xuân Ninh"]
    assert waiting_timer_count(deployed, case.id) == 0
    case.assert_audited()


def test_annual_report_on_time_cancels_the_deadline_timers(deployed: Policyflow) -> None:
    officers = ensure_unit_officers(deployed)
    case = Case.start(deployed, "annual_report", "cv_vhtt", AR_START)
    assert waiting_timer_count(deployed, case.id) == 3  # T-7, T-3, deadline
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
    deployed.fire_due_timers(DEADLINE_AT - timedelta(days=7) + timedelta(seconds=1))
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
    early_next_day = at("2024-11-20T23:30:00+00:00")  # 06:30 local on 21 Nov
    deployed.fire_due_timers(early_next_day)
    unit_report(case, "xa-xuan-ninh", officers, early_next_day)
    assert case.data()["late_units"] == ["Xã Xuân Ninh"]
