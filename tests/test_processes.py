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

from engine.api import Policyflow
from engine.db import transaction
from engine.errors import InvalidInput, NotFound, PermissionDenied
from engine.models import Notification, OrgUnit, RoleAssignment, Timer, User
from tests.conftest import NOW

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


def at(value: str) -> datetime:
    return utc(value)


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


LEADERS = {"ct_ubnd", "pct_ubnd"}  # the lanh_dao_ubnd holders of the seed

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
    return Case.start(pf, "document_approval", "cv_vhtt", {"doc_type": doc_type, "doc_title": title}, now)


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
    assert [utc(h["at"]) for h in history] == [NOW, NOW + timedelta(hours=1), NOW + timedelta(hours=2)]
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


REVISION_ROUNDS = 400


def test_document_approval_survives_a_400_round_revision_loop(deployed: Policyflow) -> None:
    """Past SpiffWorkflow's depth-1000 trap: the engine prunes the finished history."""
    started = time.perf_counter()
    pf = deployed
    instance = pf.start("document_approval", "cv_vhtt", {"doc_type": "QĐ", "doc_title": "x"})["id"]
    draft_id = pf.show(instance)["open_tasks"][0]["id"]
    for n in range(REVISION_ROUNDS):
        t = NOW + timedelta(minutes=n)
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
    assert len(events) == 1 + 2 * REVISION_ROUNDS + 3
    assert pf.verify_chain(instance) == []
    print(f"\n400-round loop on {pf.url.split(':')[0]}: {time.perf_counter() - started:.1f} s")
