"""The dashboard's figures on a seeded year equal figures computed here by hand: cases
recorded by a real P1 run and through the engine's own `record_case`, a real P3 with an
on-time, a late and missing reports; who may read which unit."""

from datetime import UTC, datetime
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from engine.access.org import OrgTree
from engine.errors import PermissionDenied
from engine.facade import Policyflow
from engine.rules.case_services import record_case
from engine.rules.services import HostServices
from engine.store.db import transaction
from engine.store.models import CaseRecord, OrgUnit
from tests.conftest import NOW
from tests.processes import (
    AR_START,
    REGISTER,
    Case,
    at,
    ensure_unit_officers,
    handle_request,
    press_start,
    statement_through,
    unit_report,
)

pytestmark = pytest.mark.usefixtures("every_instance_replays")

# Cases recorded through record_case: (unit, kind, figures, when).
RECORDED = [
    ("xa-xuan-bac", "press_request", {"press_requests_received": 2, "press_requests_answered": 1,
     "press_requests_on_time": 1}, "2024-02-10T03:00:00+00:00"),
    ("xa-tra-lu", "press_request", {"press_requests_received": 1, "press_requests_answered": 1,
     "press_requests_on_time": 0}, "2024-10-20T03:00:00+00:00"),
    ("xa-xuan-ninh", "crisis", {"unexpected_events": 1, "unexpected_events_on_time": 1},
     "2024-03-05T03:00:00+00:00"),
    ("xa-xuan-ninh", "fake_news", {"fake_news_detected": 3, "fake_news_handled": 2,
     "fake_news_removed": 1}, "2024-11-02T03:00:00+00:00"),
    ("xa-xuan-ninh", "press_request", {"press_requests_received": 5},
     "2023-12-20T03:00:00+00:00"),  # another year
    ("xa-tra-lu", "info_request", {"received": 1, "answered": 1, "on_time": 0, "refused": 1},
     "2024-12-02T03:00:00+00:00"),  # P4's own keys
]  # fmt: skip


def _record(pf: Policyflow, instance_id: int) -> None:
    with transaction(pf.url) as s:
        tree = OrgTree.load(s)
        for code, kind, figures, when in RECORDED:
            case = SimpleNamespace(id=instance_id, process_key="test", unit_id=tree.unit(code).id)
            record_case(HostServices(s, tree, case, at(when)), kind, figures)  # type: ignore[arg-type]


def _press_case(pf: Policyflow) -> Case:
    """A real P1 press request answered on time (at NOW, 1/10/2024)."""
    case = Case.start(pf, "press_statement", "cv_vhtt", press_start())
    case.act("cv_vhtt", "Register", REGISTER)
    handle_request(case)
    statement_through(case)
    assert case.status() == "completed"
    return case


def _row(report: dict, code: str) -> dict:
    return next(u["values"] for u in report["units"] if u["unit"] == code)


def test_case_figures_per_unit_quarter_and_month(deployed: Policyflow) -> None:
    press = _press_case(deployed)
    with transaction(deployed.url) as s:
        found = s.execute(select(CaseRecord.kind, CaseRecord.figures, OrgUnit.code).join(
            OrgUnit, OrgUnit.id == CaseRecord.unit_id)).one()  # fmt: skip
    assert found.kind == "press_request"
    assert found.figures == {"press_cases": 1, "press_requests_answered": 1,
                             "press_requests_on_time": 1, "press_requests_received": 1}  # fmt: skip
    press_unit = found.code
    _record(deployed, press.id)
    year = deployed.indicators.report("ct_ubnd", 2024, now=at("2024-12-31T10:00:00+00:00"))
    assert year["scope"] == "all" and year["period_to"] == "2024-12-31"
    # Trà Lũ took over Xuân Bắc on 1/9/2024: its row carries February's two requests.
    assert "xa-xuan-bac" not in {u["unit"] for u in year["units"]}
    assert _row(year, "xa-tra-lu")["p1_received"] == 2 + 1
    assert _row(year, "xa-tra-lu")["p1_answered"] == 1 + 1
    assert _row(year, "xa-tra-lu")["p1_on_time"] == 1 + 0
    assert _row(year, press_unit)["p1_on_time"] == 1
    assert _row(year, "xa-xuan-ninh")["p2_incidents"] == 1
    assert _row(year, "xa-xuan-ninh")["p2_within_24h"] == 1
    assert _row(year, "xa-xuan-ninh")["p5_removed"] == 1  # P5 shown: a fake_news record exists
    assert _row(year, "xa-tra-lu")["p4_refused"] == 1 and year["totals"]["p4_on_time"] == 0
    assert year["totals"]["p1_received"] == 2 + 1 + 1  # 2023's five are another year
    months = {m["month"]: m["values"] for m in year["months"]}
    assert months["2024-02"]["p1_received"] == 2 and months["2024-10"]["p1_received"] == 2
    q1 = deployed.indicators.report("ct_ubnd", 2024, 1, now=at("2024-12-31T10:00:00+00:00"))
    # On 31/3/2024 Xuân Bắc was still a commune of its own.
    assert _row(q1, "xa-xuan-bac")["p1_received"] == 2
    assert "xa-tra-lu" not in {u["unit"] for u in q1["units"]}
    assert q1["totals"]["p1_received"] == 2
    assert "p5_detected" not in q1["totals"] and "p4_received" not in q1["totals"]  # none then
    assert [m["month"] for m in q1["months"]] == ["2024-01", "2024-02", "2024-03"]


def test_p3_reports_on_time_late_missing_and_time_per_step(deployed: Policyflow) -> None:
    officers = ensure_unit_officers(deployed)
    case = Case.start(deployed, "annual_report", "cv_vhtt", AR_START)
    on_time = at("2024-11-05T02:00:00+00:00")
    unit_report(case, "xa-xuan-ninh", officers, on_time)
    unit_report(case, "phong-tu-phap", officers, on_time)
    late = at("2024-11-19T17:30:00+00:00")  # 00:30 on 20/11 local: past "trước ngày 20/11"
    deployed.fire_due_timers(late)
    unit_report(case, "xa-tra-lu", officers, late)
    now = at("2024-11-21T03:00:00+00:00")
    report = deployed.indicators.report("ct_ubnd", 2024, 4, now=now)
    assert report["totals"]["p3_on_time"] == 2
    assert report["totals"]["p3_late"] == 1
    assert report["totals"]["p3_missing"] == len(officers) - 3
    assert _row(report, "xa-tra-lu")["p3_late"] == 1
    assert _row(report, "xa-xuan-hong")["p3_missing"] == 1
    assert _row(report, "xa-xuan-hong")["overdue_now"] == 1  # its draft, past 19/11
    ninh = _row(report, "xa-xuan-ninh")
    # Draft opened at the start (NOW) and done at on_time; approval opened and done then.
    hours = (on_time - NOW).total_seconds() / 3600
    assert ninh["steps_done"] == 2 and ninh["avg_step_hours"] == round(hours / 2, 1)
    assert ninh["p3_on_time"] == 1
    draft = next(s for s in report["steps"] if s["element_id"] == "Unit_draft")
    assert draft["completed"] == 3


def test_a_commune_reads_only_itself(deployed: Policyflow) -> None:
    press = _press_case(deployed)
    _record(deployed, press.id)
    now = at("2024-12-31T10:00:00+00:00")
    own = deployed.indicators.report("xa_xuanninh", 2024, now=now)
    assert own["scope"] == "units"
    assert [u["unit"] for u in own["units"]] == ["xa-xuan-ninh"]
    assert own["totals"]["p2_incidents"] == 1 and own["totals"]["p1_received"] == 0
    with pytest.raises(PermissionDenied):
        deployed.indicators.report("xa_xuanninh", 2024, unit="xa-tra-lu", now=now)
    one = deployed.indicators.report("ct_ubnd", 2024, unit="xa-tra-lu", now=now)
    assert [u["unit"] for u in one["units"]] == ["xa-tra-lu"]
    assert one["totals"]["p1_received"] == 3


def test_plan_progress_shown_on_the_dashboard(deployed: Policyflow) -> None:
    deployed.indicators.record_progress(
        "xa_xuanninh", 2024, "II.3", "xa-xuan-ninh", "dang_thuc_hien", "Đã niêm yết", now=NOW
    )
    with pytest.raises(PermissionDenied):  # not their unit
        deployed.indicators.record_progress(
            "xa_xuanninh", 2024, "II.3", "xa-tra-lu", "hoan_thanh", now=NOW
        )
    with pytest.raises(PermissionDenied):  # the auditor reads only
        deployed.indicators.record_progress("kiem_toan", 2024, "II.3", "xa-xuan-ninh", "hoan_thanh")
    report = deployed.indicators.report("ct_ubnd", 2024, now=datetime(2024, 12, 1, tzinfo=UTC))
    task = next(t for t in report["plan"] if t["code"] == "II.3")
    ninh = next(u for u in task["units"] if u["unit"] == "xa-xuan-ninh")
    assert (ninh["status"], ninh["note"], ninh["reported_by"]) == (
        "dang_thuc_hien", "Đã niêm yết", "xa_xuanninh"
    )  # fmt: skip
    assert next(u for u in task["units"] if u["unit"] == "phong-tu-phap")["role"] == "lead"
    page = deployed.indicators.plan("xa_xuanninh", 2024)
    assert page["my_units"] == [{"unit": "xa-xuan-ninh", "name": "Xã Xuân Ninh"}]
    assert {u["unit"] for t in page["tasks"] for u in t["units"]} == {"xa-xuan-ninh"}


def test_after_the_district_ends_its_records_pass_to_the_new_commune(
    deployed: Policyflow,
) -> None:
    """On 1/7/2025 the district's units hand over: Xuân Ninh to xã Xuân Trường (Ninh
    Bình), Trà Lũ to xã Xuân Hưng. The chairman, now of xã Xuân Trường, reads 2024 as
    visibility lets him: Xuân Ninh's crisis, not Trà Lũ's press requests."""
    press = _press_case(deployed)
    _record(deployed, press.id)
    later = at("2025-08-01T03:00:00+00:00")
    report = deployed.indicators.report("ct_ubnd", 2024, now=later)
    units = {u["unit"] for u in report["units"]}
    assert "xa-xuan-ninh" in units and "xa-tra-lu" not in units
    assert report["totals"]["p2_incidents"] == 1
    assert report["totals"]["p1_received"] == 1  # the P1 case of the district's office
    this_year = deployed.indicators.report("ct_ubnd", 2025, now=later)
    assert {u["unit"] for u in this_year["units"]} >= {"nb-xa-xuan-truong"}
    assert "huyen-xuan-truong" not in {u["unit"] for u in this_year["units"]}
