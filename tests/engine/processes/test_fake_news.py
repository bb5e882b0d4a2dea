"""P5, monitoring online information and fake news (fake_news.bpmn: the monitoring term
with its daily scan; fake_news_item.bpmn: one item's handling) end to end: the scan opens
on working days only, each classification path, the P1 rebuttal started with the item's
data (linked both ways), the platform's 24 hours on a moved clock, the commune level after
1/7/2025. Each instance a test leaves re-executes from its audit log."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from engine.facade import Policyflow
from engine.store.models import CaseRecord
from tests.processes import Case, waiting_timer_count

pytestmark = pytest.mark.usefixtures("every_instance_replays")

VN = ZoneInfo("Asia/Ho_Chi_Minh")
# Commands run on UTC moments (as the engine's clock gives them): local times converted.
FRIDAY = datetime(2024, 8, 30, 10, 0, tzinfo=VN).astimezone(UTC)  # before 31/8–3/9 off
TUESDAY = datetime(2024, 10, 1, 15, 0, tzinfo=VN).astimezone(UTC)
ITEM = {
    "scan_result": "item",
    "item_title": "Tin đồn thu hồi đất làm khu công nghiệp ở xã Trà Lũ",
    "link": "https://facebook.com/groups/xuantruong/posts/123",
    "platform": "facebook",
    "first_seen_at": "2024-10-02T07:30:00+07:00",
    "summary": "Bài đăng nói UBND thu hồi toàn bộ đất nông nghiệp, 2.300 lượt chia sẻ",
}
NONE = {"scan_result": "none"}
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def local(day: str, hour: int = 8, minute: int = 0) -> datetime:
    moment = datetime.fromisoformat(day).replace(hour=hour, minute=minute, tzinfo=VN)
    return moment.astimezone(UTC)


def start_term(pf: Policyflow, now: datetime, end: str = "2024-12-31", by: str = "tp_vhtt") -> Case:
    return Case.start(pf, "fake_news", by, {"term_title": "Theo dõi quý IV", "term_end": end}, now)


def scan_day(term: Case, day: str) -> datetime:
    """Fire the day's scan timer at its 08:00; the two scan tasks open."""
    moment = local(day)
    assert term.pf.fire_due_timers(moment - timedelta(minutes=1)) == {}
    assert term.id in term.pf.fire_due_timers(moment + timedelta(seconds=1))
    assert term.open() == ["Scan_ca", "Scan_cv"]
    return moment


def found_item(pf: Policyflow, term: Case, by: str = "cv_vhtt", day: str = "2024-10-02") -> Case:
    """The scan records ITEM: its case starts; returns it (the scan asks for the next)."""
    element = "Scan_cv" if by == "cv_vhtt" else "Scan_ca"
    term.act(by, element, ITEM, local(day, 9))
    [row] = [r for r in pf.monitoring.items(None) if r["scan_instance_id"] == term.id][:1]
    assert row["status"] == "recorded" and row["link"] == ITEM["link"]
    assert row["found_by"] == ("culture_office" if by == "cv_vhtt" else "police")
    item = Case(pf, row["instance_id"], by)
    assert item.open() == ["Evidence"]
    assert item.data()["started_from"]["instance_id"] == term.id
    return item


def evidence_and_classify(item: Case, classification: str, now: datetime) -> str:
    task = item.task("cv_vhtt", "Evidence")
    shot = item.pf.add_attachment(
        item.id, "cv_vhtt", "anh-chup.png", "image/png", PNG, task["id"], now
    )
    item.act("cv_vhtt", "Evidence", {"screenshot": shot, "content_excerpt": "UBND thu hồi..."}, now)
    item.act(
        "tp_vhtt",
        "Classify",
        {
            "classification": classification,
            "assessment": "Chỉ điều chỉnh quy hoạch 12 ha theo Quyết định 1234/QĐ-UBND",
        },
        now,
    )
    return shot


def audited(item: Case) -> None:
    """The item's chain holds, its completions are the people who acted; besides them only
    the screenshot's upload (cv_vhtt) and the engine's timers are in its log."""
    assert item.pf.audit.verify_chain(item.id) == []
    events = item.pf.history(item.id)
    done = [(e["actor"], e["payload"]["element_id"]) for e in events if e["command"] == "complete"]
    assert done == item.done
    assert {e["actor"] for e in events if e["command"] != "complete"} <= {
        item.starter,
        "cv_vhtt",
        "system",
    }


def row_of(pf: Policyflow, item: Case) -> dict:
    [row] = [r for r in pf.monitoring.items(None) if r["instance_id"] == item.id]
    return row


def figures(pf: Policyflow, item: Case) -> dict:
    with pf.transaction() as s:
        [record] = s.scalars(select(CaseRecord).where(CaseRecord.instance_id == item.id)).all()
        assert record.kind == "fake_news"
        return dict(record.figures)


def test_the_daily_scan_opens_on_working_days_only(deployed: Policyflow) -> None:
    term = start_term(deployed, FRIDAY, end="2024-09-06")
    # Friday 10:00: today's 08:00 has passed; 31/8–3/9 are rest days (weekend, 2/9 and 3/9).
    assert term.open() == [] and waiting_timer_count(deployed, term.id) == 1
    scan = term.data()["scan"]
    assert scan["day"] == "2024-09-04"
    assert scan["skipped"] == ["2024-08-31", "2024-09-01", "2024-09-02", "2024-09-03"]
    assert deployed.fire_due_timers(local("2024-09-03", 23)) == {}
    scan_day(term, "2024-09-04")
    due = datetime.fromisoformat(term.task("cv_vhtt", "Scan_cv")["due_at"])
    assert due.astimezone(VN) == local("2024-09-04", 23, 59).replace(second=59)
    term.act("cv_vhtt", "Scan_cv", NONE, local("2024-09-04", 9))
    assert term.open() == ["Scan_ca"]  # the day's session waits for the police
    term.act("cong_an", "Scan_ca", NONE, local("2024-09-04", 10))
    assert term.open() == [] and term.data()["scan"]["day"] == "2024-09-05"
    scan_day(term, "2024-09-05")
    term.act("cv_vhtt", "Scan_cv", NONE, local("2024-09-05", 9))
    term.act("cong_an", "Scan_ca", NONE, local("2024-09-05", 9))
    scan_day(term, "2024-09-06")
    term.act("cv_vhtt", "Scan_cv", NONE, local("2024-09-06", 9))
    term.act("cong_an", "Scan_ca", NONE, local("2024-09-06", 9))
    # The next working day (9/9) is after the term: the term ends.
    assert term.status() == "completed" and waiting_timer_count(deployed, term.id) == 0
    term.assert_audited()


def test_a_policy_misinformation_is_rebutted_through_p1(deployed: Policyflow) -> None:
    term = start_term(deployed, TUESDAY)
    scan_day(term, "2024-10-02")
    item = found_item(deployed, term)
    assert term.open() == ["Scan_ca", "Scan_cv"]  # the scan goes on with the next item
    t = local("2024-10-02", 10)
    shot = evidence_and_classify(item, "policy_misinfo", t)
    assert item.status() == "completed"
    press = item.data()["press_case"]
    assert press["process_key"] == "press_statement"
    p1 = deployed.show(press["instance_id"])
    assert p1["status"] == "running"
    data = p1["data"]
    assert data["trigger"] == "false_report" and data["article_ref"] == ITEM["link"]
    assert data["event_time"] == ITEM["first_seen_at"] and data["press_medium"] == "online"
    assert data["press_agency"] == "Facebook" and ITEM["link"] in data["summary"]
    assert "Quyết định 1234/QĐ-UBND" in data["summary"]
    assert (
        data["started_from"]
        == {
            "instance_id": item.id,
            "process_key": "fake_news_item",
            "title": item.data()["item_title"],
        }
        or data["started_from"]["instance_id"] == item.id
    )
    # Linked both ways: the item names the P1 case, the P1 case finds its item.
    row = row_of(deployed, item)
    assert row["status"] == "rebuttal" and row["press_instance_id"] == press["instance_id"]
    assert row["classification"] == "policy_misinfo" and row["screenshot_id"] == shot
    assert [r["id"] for r in deployed.monitoring.linked(press["instance_id"], "tp_vhtt")] == [
        row["id"]
    ]
    assert figures(deployed, item) == {
        "fake_news_detected": 1,
        "fake_news_handled": 1,
        "fake_news_removed": 0,
    }
    audited(item)


def test_an_administrative_violation_is_verified_and_fined_by_the_police(
    deployed: Policyflow,
) -> None:
    term = start_term(deployed, TUESDAY)
    scan_day(term, "2024-10-02")
    item = found_item(deployed, term, by="cong_an")
    t = local("2024-10-02", 10)
    evidence_and_classify(item, "admin_violation", t)
    assert item.open() == ["Police_verify"]
    row = row_of(deployed, item)
    assert (row["status"], row["classification"]) == ("classified", "admin_violation")
    item.act(
        "cong_an",
        "Police_verify",
        {
            "violation_confirmed": "yes",
            "poster": "Nguyễn V. A",
            "police_findings": "Tài khoản cá nhân, đăng tin sai",
        },
        t,
    )
    item.act(
        "cong_an",
        "Police_sanction",
        {
            "removal_requested_at": "2024-10-02T14:00:00+07:00",
            "removed": True,
            "fine_decision": "15/QĐ-XPHC",
            "fine_amount": 7_500_000,
            "legal_basis": "Điểm a khoản 1 Điều 101 Nghị định 15/2020/NĐ-CP",
        },
        t,
    )
    assert item.status() == "completed"
    row = row_of(deployed, item)
    assert (row["status"], row["fine_amount"], row["fine_decision"]) == (
        "fined",
        7_500_000,
        "15/QĐ-XPHC",
    )
    assert row["removed_at"] is not None
    assert figures(deployed, item)["fake_news_removed"] == 1
    audited(item)


def test_no_violation_found_is_detected_not_handled(deployed: Policyflow) -> None:
    term = start_term(deployed, TUESDAY)
    scan_day(term, "2024-10-02")
    item = found_item(deployed, term)
    t = local("2024-10-02", 10)
    evidence_and_classify(item, "admin_violation", t)
    item.act(
        "cong_an",
        "Police_verify",
        {"violation_confirmed": "no", "police_findings": "Ý kiến cá nhân, không vi phạm"},
        t,
    )
    assert item.status() == "completed"
    assert row_of(deployed, item)["status"] == "not_confirmed"
    assert figures(deployed, item) == {
        "fake_news_detected": 1,
        "fake_news_handled": 0,
        "fake_news_removed": 0,
    }


def test_a_crime_or_security_matter_goes_to_the_province(deployed: Policyflow) -> None:
    term = start_term(deployed, TUESDAY)
    scan_day(term, "2024-10-02")
    item = found_item(deployed, term, by="cong_an")
    t = local("2024-10-02", 10)
    evidence_and_classify(item, "crime_security", t)
    task = item.task("cong_an", "Police_lead")
    assert datetime.fromisoformat(task["due_at"]) == t + timedelta(hours=24)
    item.act(
        "cong_an",
        "Police_lead",
        {
            "police_findings": "Dấu hiệu kích động",
            "province_report_ref": "88/BC-CAH ngày 02/10/2024",
        },
        t,
    )
    assert item.open() == ["Report_province"]
    item.act(
        "ct_ubnd",
        "Report_province",
        {"report_number": "90/BC-UBND", "recipients": "UBND tỉnh; Công an tỉnh"},
        t,
    )
    row = row_of(deployed, item)
    assert row["status"] == "escalated" and row["escalated_at"] is not None
    assert figures(deployed, item)["fake_news_handled"] == 1
    audited(item)


def request_removal(item: Case, requested: datetime) -> None:
    evidence_and_classify(item, "platform_removal", requested)
    item.act(
        "tp_vhtt",
        "Removal_request",
        {
            "request_channel": "ministry",
            "request_ref": "45/UBND-VHTT",
            "requested_at": requested.isoformat(),
        },
        requested,
    )


def test_a_platform_past_its_24_hours_is_escalated(deployed: Policyflow) -> None:
    term = start_term(deployed, TUESDAY)
    scan_day(term, "2024-10-02")
    item = found_item(deployed, term)
    requested = local("2024-10-02", 11)
    request_removal(item, requested)
    row = row_of(deployed, item)
    assert row["status"] == "removal_requested"
    due = requested + timedelta(hours=24)
    assert datetime.fromisoformat(str(row["removal_due_at"])) == due
    assert datetime.fromisoformat(item.task("cv_vhtt", "Removal_check")["due_at"]) == due
    # The clock moves: one second before the 24 hours nothing fires, after them it does.
    assert item.id not in deployed.fire_due_timers(due - timedelta(seconds=1))
    assert item.id in deployed.fire_due_timers(due + timedelta(seconds=1))
    assert item.open() == ["Removal_check", "Removal_escalate"]
    late = due + timedelta(hours=1)
    assert row_of(deployed, item)["removal_overdue"] is True
    item.act(
        "tp_vhtt",
        "Removal_escalate",
        {"escalation_ref": "46/BC-UBND", "escalated_to": "Sở VH,TT&DL"},
        late,
    )
    assert row_of(deployed, item)["status"] == "removal_overdue"
    item.act(
        "cv_vhtt",
        "Removal_check",
        {"removed_at": (late + timedelta(hours=5)).isoformat()},
        late + timedelta(hours=5),
    )
    assert item.status() == "completed"
    row = row_of(deployed, item)
    assert row["status"] == "removed" and row["escalated_at"] is not None
    assert figures(deployed, item)["fake_news_removed"] == 1
    audited(item)


def test_a_platform_removing_in_time_is_not_escalated(deployed: Policyflow) -> None:
    term = start_term(deployed, TUESDAY)
    scan_day(term, "2024-10-02")
    item = found_item(deployed, term)
    requested = local("2024-10-02", 11)
    request_removal(item, requested)
    removed = requested + timedelta(hours=6)
    item.act("cv_vhtt", "Removal_check", {"removed_at": removed.isoformat()}, removed)
    assert item.status() == "completed" and waiting_timer_count(deployed, item.id) == 0
    assert item.id not in deployed.fire_due_timers(requested + timedelta(hours=25))
    row = row_of(deployed, item)
    assert (row["status"], row["escalated_at"], row["removal_overdue"]) == ("removed", None, False)


def test_after_july_2025_the_commune_and_its_police_monitor(
    deployed: Policyflow, monkeypatch: pytest.MonkeyPatch
) -> None:
    # From 1/7/2025 the district and its police unit are gone: the commune's culture-society
    # office keeps the term, the commune police (cong_an in xã Xuân Trường) scans. Inboxes
    # read holdings on the engine's date: the clock moves to 3/7/2025 for this test.
    monkeypatch.setenv("POLICYFLOW_CLOCK_DATE", "2025-07-03")
    term = start_term(deployed, local("2025-07-02", 15), end="2025-07-31")
    assert deployed.show(term.id)["unit"].startswith("nb-xa-xuan-truong")
    assert term.data()["scan"]["day"] == "2025-07-03"
    scan_day(term, "2025-07-03")
    item = found_item(deployed, term, by="cong_an", day="2025-07-03")
    t = local("2025-07-03", 10)
    evidence_and_classify(item, "admin_violation", t)
    assert item.task("cong_an", "Police_verify")["unit"].startswith("nb-xa-xuan-truong")
    item.act(
        "cong_an",
        "Police_verify",
        {"violation_confirmed": "no", "police_findings": "Không vi phạm"},
        t,
    )
    assert item.status() == "completed"
    assert row_of(deployed, item)["unit"].startswith("nb-xa-xuan-truong")


def test_items_are_listed_for_those_who_see_their_case(deployed: Policyflow) -> None:
    term = start_term(deployed, TUESDAY)
    scan_day(term, "2024-10-02")
    item = found_item(deployed, term)
    assert [r["instance_id"] for r in deployed.monitoring.items("tp_vhtt")] == [item.id]
    assert [r["instance_id"] for r in deployed.monitoring.linked(term.id, "cv_vhtt")] == [item.id]
    # A commune officer of another administration sees none of the district's items.
    assert deployed.monitoring.items("xa_xuanbac") == []
    assert deployed.monitoring.items("tp_vhtt", status="removed") == []
    assert datetime.fromisoformat(row_of(deployed, item)["first_seen_at"]).astimezone(UTC) == (
        datetime(2024, 10, 2, 0, 30, tzinfo=UTC)
    )


def test_the_dashboard_counts_detected_handled_removed(deployed: Policyflow) -> None:
    term = start_term(deployed, TUESDAY)
    scan_day(term, "2024-10-02")
    t = local("2024-10-02", 10)
    removed = found_item(deployed, term)
    request_removal(removed, t)
    removed.act(
        "cv_vhtt",
        "Removal_check",
        {"removed_at": (t + timedelta(hours=3)).isoformat()},
        t + timedelta(hours=3),
    )
    cleared = found_item(deployed, term)
    evidence_and_classify(cleared, "admin_violation", t)
    cleared.act(
        "cong_an",
        "Police_verify",
        {"violation_confirmed": "no", "police_findings": "Không vi phạm"},
        t,
    )
    totals = deployed.indicators.report("tp_vhtt", 2024, now=t)["totals"]
    assert (totals["p5_detected"], totals["p5_handled"], totals["p5_removed"]) == (2, 1, 1)


def test_a_term_running_over_1_july_2025_passes_to_the_commune(
    deployed: Policyflow, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Opened by the district's office on Friday 27/6/2025; the district ends on 30/6.
    term = start_term(deployed, local("2025-06-27", 15), end="2025-07-31")
    scan_day(term, "2025-06-30")
    term.act("cv_vhtt", "Scan_cv", NONE, local("2025-06-30", 9))
    term.act("cong_an", "Scan_ca", NONE, local("2025-06-30", 9))
    # 1/7: the next session's tasks go to the successor, xã Xuân Trường (Ninh Bình), whose
    # culture-society office and police hold the roles from that day.
    monkeypatch.setenv("POLICYFLOW_CLOCK_DATE", "2025-07-01")
    scan_day(term, "2025-07-01")
    assert term.task("cong_an", "Scan_ca")["unit"].startswith("nb-xa-xuan-truong")
    item = found_item(deployed, term, by="cong_an", day="2025-07-01")
    t = local("2025-07-01", 10)
    evidence_and_classify(item, "crime_security", t)
    item.act(
        "cong_an",
        "Police_lead",
        {"police_findings": "Dấu hiệu kích động", "province_report_ref": "12/BC-CAX"},
        t,
    )
    item.act(
        "ct_ubnd", "Report_province", {"report_number": "3/BC-UBND", "recipients": "UBND tỉnh"}, t
    )
    assert row_of(deployed, item)["status"] == "escalated"
