"""Driving the four shipped processes (workflows/*.bpmn) in tests, through the public API.

`Case` is one instance being driven: `case.act(user, element, data)` completes the user's
one open task of that element, found in their inbox, and records who did what so that
`case.assert_audited()` can check the audit log. Below it, each process's form data and
the steps other tests reuse (tests/engine/processes/ has the end-to-end tests; the web,
API, migration and browser tests start from the same data).
"""

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import select

from engine.facade import Policyflow
from engine.store.db import transaction
from engine.store.models import Notification, OrgUnit, RoleAssignment, Timer, User
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
        assert self.pf.audit.verify_chain(self.id) == []
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
    "authorised_deputy": "pct_ubnd",  # a holder of pho_chu_tich, picked by username
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


OFFICE_OK = {"office_check_decision": "ok"}
OFFICE_BACK = {"office_check_decision": "return", "office_check_comments": "Sai thể thức"}


def statement_through(case: Case, spokesperson: str = "ct_ubnd", now: datetime = NOW) -> dict:
    """Draft → review (→ the Văn phòng's check of a written answer) → approve → publish,
    without returns."""
    case.act("cv_vhtt", "Draft", STATEMENT, now)
    case.act("tp_vhtt", "Review", S_REVIEW_OK, now)
    if case.open() == ["Office_check"]:
        case.act("vp_ubnd", "Office_check", OFFICE_OK, now)
    case.act(spokesperson, "Approve", S_APPROVE_OK, now)
    return case.act("tt_vhtttt", "Publish", PUBLISH, now)


# -- crisis_team (P2) ----------------------------------------------------------------

CRISIS_START = {
    "source": "monitoring_alert",
    "incident_title": "Thông tin sai sự thật về dịch bệnh tại Xuân Bắc",
    "incident_summary": "Mạng xã hội lan truyền tin đóng cửa trường học",
    "incident_at": "2024-10-01T13:30:00+07:00",
    "affected_commune": "xa-tra-lu",
    "concerned_department": "phong-tu-phap",
    "spread_channels": "Facebook, Zalo",
}
ASSESS_CRISIS = {"assessment": "crisis", "team_exists": "no", "assessment_note": "Lan rộng"}
ASSESS_ROUTINE = {
    "assessment": "routine",
    "press_trigger": "unexpected_event",
    "assessment_note": "Chưa lan rộng, xử lý theo quy trình phát ngôn",
}


# -- annual_report (P3) --------------------------------------------------------------

UNIT_ROLES = ("don_vi", "thu_truong_don_vi")
NOW_DAY = NOW.date()


def ensure_unit_officers(pf: Policyflow, on: date = NOW_DAY) -> dict[str, tuple[str, str]]:
    """Give every reporting unit in force on the date a drafter (don_vi) and a head
    (thu_truong_don_vi), holding the role on that date.

    Where the seed has nobody for a role in a unit, a test user `dv_<unit>` gets it, so the
    real assignment rules decide who sees what. Idempotent (users are kept across tests).
    Returns {unit code: (drafter, head)}: the first holder of each role in the unit.
    """
    in_force = (RoleAssignment.valid_from <= on) & (
        RoleAssignment.valid_to.is_(None) | (RoleAssignment.valid_to >= on)
    )
    with transaction(pf.url) as s:
        units = [
            u for u in s.scalars(select(OrgUnit).where(OrgUnit.reports.is_(True))) if u.in_force(on)
        ]
        for unit in units:
            held = set(
                s.scalars(
                    select(RoleAssignment.role_key).where(
                        RoleAssignment.unit_id == unit.id, in_force
                    )
                )
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
        for unit in [
            u for u in s.scalars(select(OrgUnit).where(OrgUnit.reports.is_(True))) if u.in_force(on)
        ]:
            names = []
            for role in UNIT_ROLES:
                rows = s.execute(
                    select(User.username)
                    .join(RoleAssignment, RoleAssignment.user_id == User.id)
                    .where(
                        RoleAssignment.unit_id == unit.id, RoleAssignment.role_key == role, in_force
                    )
                    .order_by(User.id)
                ).all()
                names.append(rows[0][0])
            officers[unit.code] = (names[0], names[1])
    return officers


AR_START = {"year": 2024, "outline_ref": "150/KH-UBND"}
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


def unit_report(case: Case, code: str, officers: dict, now: datetime, **extra: Any) -> None:
    drafter, head = officers[code]
    case.act(drafter, "Unit_draft", {**UNIT_FIGURES, **extra}, now)
    case.act(
        head, "Unit_approve", {"unit_approve_decision": "approve", "unit_approved_by": head}, now
    )
