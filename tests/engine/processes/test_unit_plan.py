"""P6 `unit_plan` (issue 16 item 3): every unit in force on the instance's date drafts its
own plan mirroring the district plan's tasks that concern it, its head approves, the plan
goes through document_approval (numbered n/KH-UBND by the register), a copy goes to the
culture office; progress reported during the year feeds P3's pre-fill.

The units expected are read from data/org/xuan-truong.yaml here, not from the engine."""

from datetime import date, datetime, timedelta
from typing import Any

import yaml
from sqlalchemy import select

from engine.access.accounts import HASHER
from engine.facade import Policyflow
from engine.store.db import transaction
from engine.store.models import OrgUnit, PlanTaskProgress, RoleAssignment, User
from tests.conftest import ROOT
from tests.processes import (
    AR_START,
    DISPATCH,
    DRAFT,
    FORMAT_OK,
    REVIEW_OK,
    SIGN_OK,
    UNIT_FIGURES,
    Case,
    at,
    inbox,
    notifications,
)

ON = at("2024-10-15T01:00:00+00:00")  # 08:00 in Việt Nam: 14 communes since 1/9/2024
START = {"year": 2024, "plan_ref": "15/KH-UBND", "plans_due": "2024-10-31"}
ORG = yaml.safe_load((ROOT / "data" / "org" / "xuan-truong.yaml").read_text(encoding="utf-8"))
PLAN = yaml.safe_load((ROOT / "data" / "plan" / "ke-hoach-2024.yaml").read_text(encoding="utf-8"))
WORKER = "p6_units"  # a test user holding don_vi and thu_truong_don_vi in every unit
APPROVE = {"plan_decision": "approve"}
RETURN = {"plan_decision": "return", "plan_comments": "Bổ sung kinh phí"}


def units_in_force(day: date) -> dict[str, str]:
    """{code: kind} of the district's reporting units in force on the day, from the file."""
    units = {u["code"]: u for u in ORG["units"]}

    def under_district(code: str) -> bool:
        parent = units[code].get("parent")
        while parent:
            if parent == "huyen-xuan-truong":
                return True
            parent = units[parent].get("parent")
        return False

    return {
        c: u["kind"]
        for c, u in units.items()
        if u.get("reports")
        and u["valid_from"] <= day
        and (u.get("valid_to") is None or day <= u["valid_to"])
        and under_district(c)
    }


def tasks_of(code: str) -> list[str]:
    """The plan tasks a unit leads or takes part in ("*": every reporting unit)."""
    return [
        t["code"]
        for t in PLAN["tasks"]
        if code in t["lead"] + t["partners"] or "*" in t["lead"] + t["partners"]
    ]


def add_worker(pf: Policyflow, codes: list[str]) -> None:
    with transaction(pf.url) as s:
        user = User(username=WORKER, full_name="Cán bộ thử nghiệm", password_hash=HASHER.hash("x"))
        s.add(user)
        s.flush()
        for unit_id in s.scalars(select(OrgUnit.id).where(OrgUnit.code.in_(codes))):
            for role in ("don_vi", "thu_truong_don_vi"):
                s.add(RoleAssignment(user_id=user.id, role_key=role, unit_id=unit_id))


def act_any(case: Case, user: str, element: str, data: dict[str, Any], now: datetime) -> dict:
    """Complete one of the user's open tasks of the element (several units' are open)."""
    task = next(t for t in inbox(case.pf, user, case.id) if t["element_id"] == element)
    case.done.append((user, element))
    return case.pf.complete(task["id"], user, data, now=now)


def issue_plan(case: Case, unit_task: dict, now: datetime) -> None:
    """One unit: draft (with what was pre-filled) → head approves → trình ký → dispatched."""
    draft = case.pf.task(unit_task["id"], WORKER)
    fields = draft["form_schema"]["properties"].items()
    defaults = {k: v["default"] for k, v in fields if v.get("default") is not None}
    assert defaults["activities"], defaults  # mirrors the district plan's tasks
    case.pf.complete(unit_task["id"], WORKER, {**defaults, "plan_budget": 5_000_000}, now=now)
    case.done.append((WORKER, "Draft_plan"))
    approve = next(
        t
        for t in inbox(case.pf, WORKER, case.id)
        if t["element_id"] == "Approve_plan" and t["unit"] == unit_task["unit"]
    )
    case.pf.complete(approve["id"], WORKER, APPROVE, now=now)
    case.done.append((WORKER, "Approve_plan"))
    act_any(case, "cv_vhtt", "Draft", DRAFT, now)
    act_any(case, "tp_vhtt", "Review", REVIEW_OK, now)
    act_any(case, "vp_ubnd", "Format", FORMAT_OK, now)
    act_any(case, "ct_ubnd", "Sign", SIGN_OK, now)
    act_any(case, "van_thu", "Dispatch", DISPATCH, now)


def test_every_unit_in_force_plans_through_document_approval(deployed: Policyflow) -> None:
    expected = units_in_force(ON.date())
    kinds = sorted(expected.values())
    assert kinds.count("commune") == 14 and kinds.count("department") == 6
    add_worker(deployed, list(expected))
    case = Case.start(deployed, "unit_plan", "cv_vhtt", START, ON)
    data = case.data()
    assert {u["code"] for u in data["reporting_units"]} == set(expected)
    drafts = [t for t in inbox(deployed, WORKER, case.id) if t["element_id"] == "Draft_plan"]
    assert sorted(t["unit"] for t in drafts) == sorted(expected)  # one per unit, pinned to it
    assert all(t["due_at"] and t["due_at"].startswith("2024-10-31") for t in drafts)

    # One unit's head returns the draft once: it goes back to the unit, then on.
    first = drafts[0]
    draft = deployed.task(first["id"], WORKER)
    assert [
        a.split(" ")[0] for a in draft["form_schema"]["properties"]["activities"]["default"]
    ] == [c for c in tasks_of(first["unit"])]
    deployed.complete(first["id"], WORKER, {"plan_title": "KH", "activities": ["II.2: x"]}, now=ON)
    back = next(t for t in inbox(deployed, WORKER, case.id) if t["element_id"] == "Approve_plan")
    deployed.complete(back["id"], WORKER, RETURN, now=ON)
    case.done += [(WORKER, "Draft_plan"), (WORKER, "Approve_plan")]
    again = [t for t in inbox(deployed, WORKER, case.id) if t["unit"] == first["unit"]]
    assert [t["element_id"] for t in again] == ["Draft_plan"]

    later = ON + timedelta(hours=1)
    for task in [t for t in inbox(deployed, WORKER, case.id) if t["element_id"] == "Draft_plan"]:
        issue_plan(case, task, later)
    plans = case.data()
    reports = [t for t in inbox(deployed, WORKER, case.id) if t["element_id"] == "Report_progress"]
    assert sorted(t["unit"] for t in reports) == sorted(expected)  # every plan issued
    assert all(t["due_at"].startswith("2024-11-19") for t in reports)  # "trước ngày 20/11"
    numbers = sorted(int(n.split("/")[0]) for n in _plan_numbers(deployed, case.id))
    assert numbers == list(range(1, len(expected) + 1))  # the district's register, from 01
    assert all(n.endswith("/KH-UBND") for n in _plan_numbers(deployed, case.id))
    copies = [m for u, m in notifications(deployed, case.id) if u == "cv_vhtt"]
    assert len([m for m in copies if m.startswith("Bản sao Kế hoạch số ")]) == len(expected)
    assert plans["year"] == 2024

    # Progress during the year, then the year's deadline closes what is still open.
    unit = reports[0]
    deployed.complete(
        unit["id"],
        WORKER,
        {
            "task_code": tasks_of(unit["unit"])[0],
            "progress_status": "dang_thuc_hien",
            "progress_note": "Đã tổ chức 2 lớp",
            "more_reports": False,
        },
        now=later,
    )
    case.done.append((WORKER, "Report_progress"))
    with transaction(deployed.url) as s:
        rows = s.scalars(select(PlanTaskProgress)).all()
    assert [(r.status, r.instance_id) for r in rows] == [("dang_thuc_hien", case.id)]
    assert deployed.fire_due_timers(at("2024-11-19T17:00:00+00:00")) != {}  # 00:00 on 20/11
    assert case.status() == "completed"
    done = case.data()["unit_plans"]
    assert len(done) == len(expected)
    assert sorted(p["progress"] for p in done).count("reported") == 1
    case.assert_audited()


def _plan_numbers(pf: Policyflow, instance_id: int) -> list[str]:
    from engine.store.models import RegisterEntry

    with transaction(pf.url) as s:
        return list(
            s.scalars(select(RegisterEntry.symbol).where(RegisterEntry.instance_id == instance_id))
        )


def test_progress_reported_in_p6_is_prefilled_in_the_units_p3_report(
    deployed: Policyflow,
) -> None:
    """xã Trà Lũ (xa_xuanbac) issues its plan, reports two tasks (one twice: the newest
    counts); its annual report (P3) starts with that progress, which it may edit without
    a correction reason, and the consolidated data carries it."""
    add_worker(deployed, [c for c in units_in_force(ON.date()) if c != "xa-tra-lu"])
    plan = Case.start(deployed, "unit_plan", "cv_vhtt", START, ON)
    own = next(
        t
        for t in inbox(deployed, "xa_xuanbac", plan.id)
        if t["element_id"] == "Draft_plan" and t["unit"] == "xa-tra-lu"
    )
    body = deployed.task(own["id"], "xa_xuanbac")["form_schema"]["properties"]
    assert "Trà Lũ" in body["plan_title"]["default"]
    assert [a.split(" ")[0] for a in body["activities"]["default"]] == tasks_of("xa-tra-lu")
    plan.act(
        "xa_xuanbac", "Draft_plan", {"plan_title": "KH xã Trà Lũ", "activities": ["II.2: a"]}, ON
    )
    plan.act("xa_xuanbac", "Approve_plan", APPROVE, ON)
    for user, element, data in (
        ("cv_vhtt", "Draft", DRAFT),
        ("tp_vhtt", "Review", REVIEW_OK),
        ("vp_ubnd", "Format", FORMAT_OK),
        ("ct_ubnd", "Sign", SIGN_OK),
        ("van_thu", "Dispatch", DISPATCH),
    ):
        plan.act(user, element, data, ON)
    reports = [
        ("II.2", "dang_thuc_hien", "Đã phân công 1 công chức", True),
        ("II.5", "hoan_thanh", "Đã công bố người phát ngôn", True),
        ("II.2", "hoan_thanh", "Đã bố trí đủ cán bộ", False),
    ]
    for code, status, note, more in reports:
        data = {"task_code": code, "progress_status": status, "progress_note": note}
        plan.act("xa_xuanbac", "Report_progress", {**data, "more_reports": more}, ON)
    assert "Report_progress" not in [
        t["element_id"] for t in inbox(deployed, "xa_xuanbac", plan.id) if t["unit"] == "xa-tra-lu"
    ]

    report = Case.start(deployed, "annual_report", "cv_vhtt", AR_START, ON + timedelta(days=1))
    task = report.task("xa_xuanbac", "Unit_draft")
    prefilled = deployed.task(task["id"], "xa_xuanbac")["form_schema"]["properties"]
    text = prefilled["plan_progress"]["default"]
    assert text.splitlines() == [
        "II.2 Bố trí, sắp xếp đội ngũ làm công tác truyền thông chính sách: Hoàn thành"
        " — Đã bố trí đủ cán bộ",
        "II.5 Chỉ đạo, định hướng, cung cấp thông tin: Hoàn thành — Đã công bố người phát ngôn",
    ]
    edited = text + "\nBổ sung: tổ chức hội nghị quán triệt"
    report.act("xa_xuanbac", "Unit_draft", {**UNIT_FIGURES, "plan_progress": edited}, ON)
    report.act("xa_xuanbac", "Unit_approve", {"unit_approve_decision": "approve"}, ON)
    with transaction(deployed.url) as s:
        assert len(s.scalars(select(PlanTaskProgress)).all()) == 3  # each report kept
    plan.assert_audited()
    report.assert_audited()
